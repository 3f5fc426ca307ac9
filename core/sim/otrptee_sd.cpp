// The simulated TEE's security-domain commands (OTrP -03 9.2).
#include "sim/otrptee.h"

#include "crypto/jwe.h"
#include "protocol/otrp/createsd.h"
#include "tam/tamidentity.h"

namespace teep::sim {

using namespace teep::protocol::otrp;
using crypto::jose::keyManagementFor;
using crypto::jose::signingAlgFor;

namespace {
std::string stringOf(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
} // namespace

nlohmann::json OtrpTee::createSd(const QByteArray &request)
{
    const QString command = QStringLiteral("CreateSD");
    const Result<Unwrapped> unwrapped = unwrap(request);
    if (!unwrapped)
        return unsignedFailure(command, {}, errorCodeFor(unwrapped.error()));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (unwrapped.value().command != command || unwrapped.value().direction != Direction::Request)
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const Result<crypto::Certificate> tamCertificate = authenticateTam(unwrapped.value());
    if (!tamCertificate)
        return unsignedFailure(command, tbs, tamCertificate.error().code);
    const QString tamId = tam::tamIdFromCertificate(tamCertificate.value());
    if (stringOf(tbs, "tee") != m_identity.name.toStdString() || stringOf(tbs, "rid").empty() || stringOf(tbs, "tid").empty())
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    if (QString::fromStdString(stringOf(tbs, "dsihash")) != m_lastDsiHash.value(tamId))
        return unsignedFailure(command, tbs, QStringLiteral("ERR_DEV_STATE_MISMATCH"));
    if (!tbs.contains("content"))
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    Result<crypto::jose::Decrypted> decrypted = crypto::jose::decrypt(tbs["content"], m_identity.teeKey);
    if (!decrypted)
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const nlohmann::json content = nlohmann::json::parse(decrypted.value().plaintext.toStdString(), nullptr, false);

    // From here on the CEK is known: answers are signed and encrypted under it.
    const crypto::Key tamKey = tamCertificate.value().publicKey();
    const QString did = deviceId(m_identity.teeChain.value(0));
    auto answer = [&](const QString &status, nlohmann::json body) -> nlohmann::json {
        body["did"] = did.toStdString();
        const Result<nlohmann::json> jwe = crypto::jose::encrypt(QByteArray::fromStdString(body.dump()), {{tamKey, keyManagementFor(tamKey)}},
                                                                 decrypted.value().enc, decrypted.value().cek);
        if (!jwe)
            return unsignedFailure(command, tbs, QStringLiteral("ERR_TEE_FAIL"));
        const nlohmann::json response{{"ver", kVersion}, {"status", status.toStdString()}, {"rid", tbs["rid"]}, {"tid", tbs["tid"]},
                                      {"content", jwe.value()}};
        const Result<nlohmann::json> signedResponse =
            sign(command, Direction::Response, response, {m_identity.teeKey, signingAlgFor(m_identity.teeKey), {}});
        return signedResponse ? signedResponse.value() : unsignedFailure(command, tbs, QStringLiteral("ERR_TEE_FAIL"));
    };
    auto refuse = [&](const char *code) { return answer(QStringLiteral("fail"), {{"reason", {{"error-code", code}}}}); };

    if (!content.is_object() || stringOf(content, "spid").empty() || stringOf(content, "sdname").empty())
        return refuse("ERR_REQUEST_INVALID");
    const QString spid = QString::fromStdString(stringOf(content, "spid"));
    const QString sdName = QString::fromStdString(stringOf(content, "sdname"));
    if (spid.size() > 64 || sdName.size() > 64)
        return refuse("ERR_REQUEST_INVALID");
    // spcert: BASE64 DER of a certificate that is currently valid.
    const auto spcertDer = QByteArray::fromBase64Encoding(QByteArray::fromStdString(stringOf(content, "spcert")),
                                                          QByteArray::AbortOnBase64DecodingErrors);
    if (!spcertDer || spcertDer.decoded.isEmpty())
        return refuse("ERR_SPCERT_INVALID");
    const Result<crypto::Certificate> spcert = crypto::Certificate::fromDer(spcertDer.decoded);
    if (!spcert || crypto::validityAt(spcert.value(), m_clock.now()) == crypto::Validity::Expired ||
        crypto::validityAt(spcert.value(), m_clock.now()) == crypto::Validity::NotYetValid)
        return refuse("ERR_SPCERT_INVALID");
    if (QString::fromStdString(stringOf(content, "did")) != did)
        return refuse("ERR_REQUEST_INVALID");
    if (QString::fromStdString(stringOf(content, "tamid")) != tamId)
        return refuse("ERR_TAM_NOT_AUTHORIZED");
    if (std::any_of(m_sds.cbegin(), m_sds.cend(), [&](const SdEntry &sd) { return sd.name == sdName; }))
        return refuse("ERR_SD_ALREADY_EXISTS");
    if (!remember(QString::fromStdString(stringOf(tbs, "rid"))))
        return refuse("ERR_REQUEST_INVALID");

    // All checks passed: create the SD, and the SP's AIK with its first SD.
    if (!m_aiks.contains(spid)) {
        const Result<crypto::Key> aik = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        if (!aik)
            return refuse("ERR_TEE_FAIL");
        m_aiks.insert(spid, aik.value());
    }
    m_sds << SdEntry{sdName, spid, {}, tamId, spcert.value()};
    nlohmann::json body{{"sdname", sdName.toStdString()}, {"teespaik", m_aiks.value(spid).publicKeyDer().toBase64().toStdString()}};
    if (tbs.value("nextdsi", nlohmann::json(false)) == true) {
        // The same {"dsi": ...} object as in edsi, so its dsihash is computed the same way.
        const nlohmann::json dsiJson = toJson(deviceStateFor(tamId, QString::fromStdString(stringOf(tbs, "tid"))));
        body["dsi"] = dsiJson;
        m_lastDsiHash.insert(tamId, dsiHash(dsiJson));
    }
    return answer(QStringLiteral("pass"), body);
}

} // namespace teep::sim
