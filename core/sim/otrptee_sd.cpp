// The simulated TEE's security-domain commands (OTrP -03 9.2). Each handler checks everything
// first and changes the TEE only when it returns a "pass" body.
#include "protocol/otrp/sdcommands.h"
#include "sim/otrptee.h"

#include <nlohmann/json.hpp>

namespace teep::sim {

using namespace teep::protocol::otrp;

namespace {
constexpr qsizetype kMaxNameLength = 64;
constexpr qsizetype kMaxSpCertificates = 8;

QString stringOf(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

bool validName(const QString &name)
{
    return !name.isEmpty() && name.size() <= kMaxNameLength;
}
} // namespace

OtrpTee::Outcome OtrpTee::createSd(const CommandContext &context)
{
    const QString spid = stringOf(context.content, "spid");
    const QString sdName = stringOf(context.content, "sdname");
    if (!validName(spid) || !validName(sdName))
        return {QStringLiteral("ERR_REQUEST_INVALID")};
    const std::optional<crypto::Certificate> spcert =
        validSpCertificate(context.content.value("spcert", nlohmann::json()));
    if (!spcert)
        return {QStringLiteral("ERR_SPCERT_INVALID")};
    if (stringOf(context.content, "tamid") != context.tamId)
        return {QStringLiteral("ERR_TAM_NOT_AUTHORIZED")};
    if (std::any_of(m_sds.cbegin(), m_sds.cend(),
                    [&](const SdEntry &sd) { return sd.name == sdName; }))
        return {QStringLiteral("ERR_SD_ALREADY_EXISTS")};
    if (m_sds.size() >= kMaxSds)
        return {QStringLiteral("ERR_TEE_RESOURCE_FULL")};
    if (!ensureAik(spid))
        return {QStringLiteral("ERR_TEE_FAIL")};
    m_sds << SdEntry{sdName, spid, {}, context.tamId, {*spcert}};
    return {{},
            {{"sdname", sdName.toStdString()},
             {"teespaik", m_aiks.value(spid).publicKeyDer().toBase64().toStdString()}}};
}

OtrpTee::Outcome OtrpTee::updateSd(const CommandContext &context)
{
    const auto found = ownedSd(context, stringOf(context.content, "sdname"));
    if (const QString *code = std::get_if<QString>(&found))
        return {*code};
    SdEntry &sd = *std::get<SdEntry *>(found);
    const auto changes = context.content.find("changes");
    if (changes == context.content.end() || !changes->is_object() ||
        stringOf(context.content, "spid") != sd.spid)
        return {QStringLiteral("ERR_REQUEST_INVALID")};

    SdEntry updated = sd;
    if (changes->contains("newsdname")) {
        updated.name = stringOf(*changes, "newsdname");
        if (!validName(updated.name))
            return {QStringLiteral("ERR_REQUEST_INVALID")};
        if (updated.name != sd.name &&
            std::any_of(m_sds.cbegin(), m_sds.cend(),
                        [&](const SdEntry &other) { return other.name == updated.name; }))
            return {QStringLiteral("ERR_SDNAME_ALREADY_USED")};
    }
    if (changes->contains("newspid")) {
        updated.spid = stringOf(*changes, "newspid");
        if (!validName(updated.spid))
            return {QStringLiteral("ERR_REQUEST_INVALID")};
    }
    if (const auto added = changes->find("spcert"); added != changes->end()) {
        if (!added->is_array() || added->size() > kMaxSpCertificates)
            return {QStringLiteral("ERR_REQUEST_INVALID")};
        for (const nlohmann::json &value : *added) {
            const std::optional<crypto::Certificate> certificate = validSpCertificate(value);
            if (!certificate)
                return {QStringLiteral("ERR_SPCERT_INVALID")};
            updated.spcerts << *certificate;
        }
    }
    if (const auto removed = changes->find("deloldspcert"); removed != changes->end()) {
        if (!removed->is_array() || removed->size() > kMaxSpCertificates)
            return {QStringLiteral("ERR_REQUEST_INVALID")};
        for (const nlohmann::json &value : *removed) {
            const QString hash = value.is_string()
                                     ? QString::fromStdString(value.get<std::string>()).toLower()
                                     : QString();
            const qsizetype before = updated.spcerts.size();
            updated.spcerts.removeIf([&](const crypto::Certificate &certificate) {
                return certificateHashHex(certificate) == hash;
            });
            if (updated.spcerts.size() == before)
                return {QStringLiteral(
                    "ERR_REQUEST_INVALID")}; // names a certificate the SD does not hold
        }
    }
    if (updated.spcerts.isEmpty() || updated.spcerts.size() > kMaxSpCertificates)
        return {QStringLiteral("ERR_SPCERT_INVALID")}; // TAs in the SD must stay verifiable
    const auto renew = changes->find("renewteespaik");
    if (renew != changes->end() && !renew->is_boolean())
        return {QStringLiteral("ERR_REQUEST_INVALID")};

    // The SP AIK follows the SP (drawn before anything changes); the old SP's goes with its last
    // SD.
    crypto::Key aik = m_aiks.value(updated.spid);
    if (aik.isNull() || (renew != changes->end() && renew->get<bool>())) {
        const Result<crypto::Key> fresh = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        if (!fresh)
            return {QStringLiteral("ERR_TEE_FAIL")};
        aik = fresh.value();
    }
    const QString oldSpid = sd.spid;
    m_aiks.insert(updated.spid, aik);
    for (const TaEntry &ta : updated.tas)
        m_tas[ta.taid].spid = updated.spid;
    sd = updated;
    if (oldSpid != updated.spid)
        dropAikIfUnused(oldSpid);
    return {{},
            {{"teespaik", m_aiks.value(updated.spid).publicKeyDer().toBase64().toStdString()},
             {"teespaiktype", "ECC"}}};
}

OtrpTee::Outcome OtrpTee::deleteSd(const CommandContext &context)
{
    const auto found = ownedSd(context, stringOf(context.content, "sdname"));
    if (const QString *code = std::get_if<QString>(&found))
        return {*code};
    const auto deleteTas = context.content.find("deleteta");
    if (deleteTas != context.content.end() && !deleteTas->is_boolean())
        return {QStringLiteral("ERR_REQUEST_INVALID")};
    const SdEntry sd = *std::get<SdEntry *>(found);
    if (!sd.tas.isEmpty() && (deleteTas == context.content.end() || !deleteTas->get<bool>()))
        return {QStringLiteral("ERR_SD_NOT_EMPTY")};
    for (const TaEntry &ta : sd.tas)
        m_tas.remove(ta.taid);
    m_sds.removeIf([&](const SdEntry &entry) { return entry.name == sd.name; });
    dropAikIfUnused(sd.spid);
    return {};
}

} // namespace teep::sim
