// The simulated TEE's TA commands (OTrP -03 9.3): the TA is decrypted with the SP AIK, its SP
// signature checked against the SD's SP certificates, and only then stored.
#include "protocol/otrp/tapackage.h"
#include "sim/otrptee.h"

#include <nlohmann/json.hpp>

namespace teep::sim {

using namespace teep::protocol::otrp;

namespace {
QString stringOf(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}
} // namespace

std::variant<OtrpTee::TaDelivery, QString> OtrpTee::receiveTa(const CommandContext &context, const SdEntry &sd, TaOperation operation) const
{
    TaDelivery delivery{sd.spcerts, std::nullopt, {}};
    if (context.content.contains("spcert")) {
        delivery.newSigner = validSpCertificate(context.content["spcert"]);
        if (!delivery.newSigner)
            return QStringLiteral("ERR_SPCERT_INVALID");
        delivery.signers << *delivery.newSigner;
    }
    const auto encryptedTa = context.tbs.find("encrypted_ta");
    if (encryptedTa == context.tbs.end() || !m_aiks.contains(sd.spid))
        return QStringLiteral("ERR_TA_INVALID");
    Result<DecryptedTa> decrypted = decryptTa(operation, *encryptedTa, m_aiks.value(sd.spid));
    if (!decrypted)
        return QStringLiteral("ERR_TA_INVALID");
    delivery.ta = std::move(decrypted).value();
    return delivery;
}

OtrpTee::Outcome OtrpTee::installTa(const CommandContext &context)
{
    const auto found = ownedSd(context, stringOf(context.content, "sdname"));
    if (const QString *code = std::get_if<QString>(&found))
        return {*code};
    SdEntry &sd = *std::get<SdEntry *>(found);
    const QString taid = stringOf(context.content, "taid");
    if (taid.isEmpty() || taid.size() > 128 || stringOf(context.content, "spid") != sd.spid)
        return {QStringLiteral("ERR_REQUEST_INVALID")};
    if (m_tas.contains(taid))
        return {QStringLiteral("ERR_TA_ALREADY_INSTALLED")};
    if (m_tas.size() >= kMaxTas)
        return {QStringLiteral("ERR_TEE_RESOURCE_FULL")};
    const auto received = receiveTa(context, sd, TaOperation::Install);
    if (const QString *code = std::get_if<QString>(&received))
        return {*code};
    const TaDelivery &delivery = std::get<TaDelivery>(received);
    const std::optional<crypto::Certificate> &newSigner = delivery.newSigner;
    const Result<TaImage> image = verifyTa(*delivery.ta.signedTa, delivery.signers);
    if (!image || image.value().taid != taid)
        return {QStringLiteral(
            "ERR_TA_INVALID")}; // unsigned, signed by another SP, or another TA's code
    const QByteArray personalization = delivery.ta.personalization.value_or(QByteArray());
    if (storedBytes() + image.value().binary.size() + personalization.size() > kMaxStoredBytes)
        return {QStringLiteral("ERR_TEE_RESOURCE_FULL")};

    if (newSigner && !sd.spcerts.contains(*newSigner))
        sd.spcerts << *newSigner;
    sd.tas << TaEntry{taid, image.value().taname};
    m_tas.insert(taid, StoredTa{taid, image.value().taname, image.value().version,
                                image.value().binary, personalization, sd.spid});
    return {};
}

OtrpTee::Outcome OtrpTee::updateTa(const CommandContext &context)
{
    const auto found = ownedSd(context, stringOf(context.content, "sdname"));
    if (const QString *code = std::get_if<QString>(&found))
        return {*code};
    SdEntry &sd = *std::get<SdEntry *>(found);
    const QString taid = stringOf(context.content, "taid");
    if (taid.isEmpty() || stringOf(context.content, "spid") != sd.spid)
        return {QStringLiteral("ERR_REQUEST_INVALID")};
    const auto entry = std::find_if(sd.tas.begin(), sd.tas.end(),
                                    [&](const TaEntry &ta) { return ta.taid == taid; });
    if (entry == sd.tas.end())
        return {QStringLiteral("ERR_TA_NOT_FOUND")};
    const auto received = receiveTa(context, sd, TaOperation::Update);
    if (const QString *code = std::get_if<QString>(&received))
        return {*code};
    const TaDelivery &delivery = std::get<TaDelivery>(received);
    const std::optional<crypto::Certificate> &newSigner = delivery.newSigner;
    StoredTa stored = m_tas.value(taid);
    const qsizetype before = stored.binary.size() + stored.personalization.size();
    if (delivery.ta.signedTa) {
        const Result<TaImage> image = verifyTa(*delivery.ta.signedTa, delivery.signers);
        // A new version only: the same or an older one would be a rollback.
        if (!image || image.value().taid != taid || image.value().version <= stored.version)
            return {QStringLiteral("ERR_TA_INVALID")};
        stored.binary = image.value().binary;
        stored.version = image.value().version;
        stored.taname = image.value().taname;
    }
    if (delivery.ta.personalization)
        stored.personalization = *delivery.ta.personalization;
    if (storedBytes() - before + stored.binary.size() + stored.personalization.size() >
        kMaxStoredBytes)
        return {QStringLiteral("ERR_TEE_RESOURCE_FULL")};

    if (newSigner && !sd.spcerts.contains(*newSigner))
        sd.spcerts << *newSigner;
    entry->taname = stored.taname;
    m_tas.insert(taid, stored);
    return {};
}

OtrpTee::Outcome OtrpTee::deleteTa(const CommandContext &context)
{
    const auto found = ownedSd(context, stringOf(context.content, "sdname"));
    if (const QString *code = std::get_if<QString>(&found))
        return {*code};
    SdEntry &sd = *std::get<SdEntry *>(found);
    const QString taid = stringOf(context.content, "taid");
    if (!sd.tas.removeIf([&](const TaEntry &ta) { return ta.taid == taid; }))
        return {QStringLiteral("ERR_TA_NOT_FOUND")};
    m_tas.remove(taid); // with its personalization data
    return {};
}

} // namespace teep::sim
