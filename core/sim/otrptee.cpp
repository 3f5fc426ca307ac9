#include "sim/otrptee.h"
#include "common/json.h"

#include "crypto/chainverifier.h"
#include "crypto/jwe.h"
#include "crypto/signature.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/tamid.h"

#include <openssl/x509v3.h>

namespace teep::sim {

using namespace teep::protocol::otrp;

namespace {
constexpr qsizetype kRidMemory = 1024;

} // namespace

using crypto::jose::keyManagementFor;
using crypto::jose::signingAlgFor;

OtrpTee::OtrpTee(OtrpTeeIdentity identity, const Clock &clock)
    : m_identity(std::move(identity)), m_clock(clock)
{
}

nlohmann::json OtrpTee::failure(const nlohmann::json &tbs, const QString &errorCode) const
{
    nlohmann::json answer{{"ver", kVersion},
                          {"status", "fail"},
                          {"reason", {{"error-code", errorCode.toStdString()}}},
                          {"supportedsigalgs", {signingAlgFor(m_identity.teeKey).toStdString()}}};
    if (tbs.is_object()) {
        for (const char *id : {"rid", "tid"}) {
            if (tbs.contains(id) && tbs[id].is_string())
                answer[id] = tbs[id];
        }
    }
    return {{"GetDeviceTEEStateTBSResponse", answer}};
}

bool OtrpTee::ridSeen(const QString &rid) const
{
    return m_seenRids.contains(rid);
}

void OtrpTee::remember(const QString &rid)
{
    m_seenRids << rid;
    if (m_seenRids.size() > kRidMemory)
        m_seenRids.removeFirst();
}

nlohmann::json OtrpTee::process(const QByteArray &message)
{
    // Dispatch on the outer name alone; each command's own steps then check everything else and
    // answer under their own name, also when the message is broken.
    QString command;
    if (message.size() <= kMaxMessageBytes) {
        const nlohmann::json json = parseJson(message.constData(), message.constData() + message.size());
        if (json.is_object() && json.size() == 1 && json.begin().key().size() < 64) {
            const QString outer = QString::fromStdString(json.begin().key());
            if (outer.endsWith(QLatin1String("Request")))
                command = outer.chopped(7);
        }
    }
    if (command == QLatin1String("GetDeviceState"))
        return getDeviceState(message);
    static const QMap<QString, Handler> handlers = {
        {QStringLiteral("CreateSD"), &OtrpTee::createSd},
        {QStringLiteral("UpdateSD"), &OtrpTee::updateSd},
        {QStringLiteral("DeleteSD"), &OtrpTee::deleteSd},
        {QStringLiteral("InstallTA"), &OtrpTee::installTa},
        {QStringLiteral("UpdateTA"), &OtrpTee::updateTa},
        {QStringLiteral("DeleteTA"), &OtrpTee::deleteTa}};
    const Handler handler = handlers.value(command, nullptr);
    if (!handler)
        return failure({}, QStringLiteral("ERR_REQUEST_INVALID"));
    return runCommand(command, message, handler);
}

nlohmann::json OtrpTee::unsignedFailure(const QString &command, const nlohmann::json &tbs,
                                        const QString &errorCode) const
{
    nlohmann::json answer{{"ver", kVersion},
                          {"status", "fail"},
                          {"reason", {{"error-code", errorCode.toStdString()}}}};
    if (tbs.is_object()) {
        for (const char *id : {"rid", "tid"}) {
            if (tbs.contains(id) && tbs[id].is_string())
                answer[id] = tbs[id];
        }
    }
    return {{tbsName(command, Direction::Response).toStdString(), answer}};
}

Result<crypto::Certificate> OtrpTee::authenticateTam(const Unwrapped &unwrapped) const
{
    // The TAM's chain (x5c) must lead to a TAM root CA this TEE embeds, and sign the request.
    const auto &signature = unwrapped.jws.signatures.first();
    if (signature.x5c.isEmpty())
        return Error{QStringLiteral("ERR_TAM_NOT_TRUSTED"), QStringLiteral("no TAM certificate")};
    crypto::ChainVerifier verifier(m_identity.tamRoots, m_clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    if (!verifier.verify(signature.x5c.first(), signature.x5c.mid(1)).ok)
        return Error{QStringLiteral("ERR_TAM_NOT_TRUSTED"),
                     QStringLiteral("the TAM chain is not trusted")};
    if (!crypto::jose::verify(unwrapped.jws, signature.x5c.first().publicKey()))
        return Error{QStringLiteral("ERR_REQUEST_INVALID"),
                     QStringLiteral("the TAM signature does not verify")};
    return signature.x5c.first();
}

DeviceStateInfo OtrpTee::deviceStateFor(const QString &tamId, const QString &tid) const
{
    DeviceStateInfo dsi;
    dsi.teeName = m_identity.name;
    dsi.teeVersion = m_identity.version;
    dsi.teeCertificate = m_identity.teeChain.value(0);
    dsi.teeCaChain = m_identity.teeChain.mid(1);
    for (const SdEntry &sd : m_sds) {
        if (sd.tamid != tamId)
            continue; // another TAM's domain: not this TAM's business (5.3-5.4)
        dsi.sds << sd;
        if (m_aiks.contains(sd.spid) &&
            std::none_of(dsi.aiks.cbegin(), dsi.aiks.cend(),
                         [&](const SpAik &a) { return a.spid == sd.spid; }))
            dsi.aiks << SpAik{sd.spid, m_aiks.value(sd.spid)};
    }
    for (const QString &taid : m_apps.needed()) {
        if (!m_tas.contains(taid))
            dsi.requested << RequestedTa{taid, !m_apps.bundledBinary(taid).isEmpty()};
    }
    for (const QString &taid : m_apps.unrequested()) {
        if (m_tas.contains(taid))
            dsi.unneeded << taid;
    }
    if (!m_identity.tfwKey.isNull()) {
        const QByteArray tbsBytes = tid.toUtf8();
        const QString alg = signingAlgFor(m_identity.tfwKey);
        const Result<QByteArray> sig =
            crypto::signRaw(m_identity.tfwKey, crypto::jose::schemeForAlg(alg).value(), tbsBytes);
        if (sig)
            dsi.tfw = TfwData{tbsBytes, m_identity.tfwCertificate, alg, sig.value()};
    }
    return dsi;
}

nlohmann::json OtrpTee::getDeviceState(const QByteArray &request)
{
    for (const QString &taid : m_apps.unrequested()) {
        if (!m_tas.contains(taid))
            m_apps.forget(taid); // deleted since: nothing more to report
    }
    const Result<Unwrapped> unwrapped = unwrap(request);
    if (!unwrapped)
        return failure({}, errorCodeFor(unwrapped.error()));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (unwrapped.value().command != QLatin1String("GetDeviceState") ||
        unwrapped.value().direction != Direction::Request)
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const Result<crypto::Certificate> tamCertificate = authenticateTam(unwrapped.value());
    if (!tamCertificate)
        return failure(tbs, tamCertificate.error().code);
    const auto rid = tbs.find("rid");
    const auto tid = tbs.find("tid");
    if (rid == tbs.end() || tid == tbs.end() || !rid->is_string() || !tid->is_string() ||
        !tbs.contains("ocspdat"))
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const QString ridText = QString::fromStdString(rid->get<std::string>());
    if (ridText.isEmpty() || ridText.size() > 128 || ridSeen(ridText))
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    if (tbs.value("ver", nlohmann::json()) != kVersion)
        return failure(tbs, QStringLiteral("ERR_UNSUPPORTED_MSG_VERSION"));
    const QString myAlg = signingAlgFor(m_identity.teeKey);
    if (const auto algs = tbs.find("supportedsigalgs"); algs != tbs.end()) {
        if (!algs->is_array() ||
            std::find(algs->begin(), algs->end(), myAlg.toStdString()) == algs->end())
            return failure(tbs, QStringLiteral("ERR_UNSUPPORTED_CRYPTO_ALG"));
    }
    const QString tamId = protocol::otrp::tamIdFromCertificate(tamCertificate.value());
    const nlohmann::json dsiJson =
        toJson(deviceStateFor(tamId, QString::fromStdString(tid->get<std::string>())));
    const crypto::Key tamKey = tamCertificate.value().publicKey();
    const Result<nlohmann::json> edsi = crypto::jose::encrypt(
        QByteArray::fromStdString(dsiJson.dump()), {{tamKey, keyManagementFor(tamKey)}});
    if (!edsi)
        return failure(tbs, QStringLiteral("ERR_TEE_FAIL"));
    const nlohmann::json response{{"ver", kVersion}, {"status", "pass"},   {"rid", *rid},
                                  {"tid", *tid},     {"signerreq", false}, {"edsi", edsi.value()}};
    // No x5c: the TEE certificate travels inside the encrypted DSI.
    const Result<nlohmann::json> signedResponse =
        sign(QStringLiteral("GetDeviceTEEState"), Direction::Response, response,
             {m_identity.teeKey, myAlg, {}});
    if (!signedResponse)
        return failure(tbs, QStringLiteral("ERR_TEE_FAIL"));
    remember(ridText);
    m_lastDsiHash.insert(tamId, dsiHash(dsiJson));
    return signedResponse.value();
}

} // namespace teep::sim
