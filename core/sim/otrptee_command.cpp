// The steps the simulated TEE shares between its six commands (OTrP -03 9.2-9.3), and the
// helpers the handlers use.
#include "crypto/jwe.h"
#include "common/json.h"
#include "protocol/otrp/tamcommand.h"
#include "sim/otrptee.h"
#include "protocol/otrp/tamid.h"

namespace teep::sim {

using namespace teep::protocol::otrp;
using crypto::jose::keyManagementFor;
using crypto::jose::signingAlgFor;

namespace {
std::string stringOf(const nlohmann::json &object, const char *name)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
} // namespace

nlohmann::json OtrpTee::runCommand(const QString &command, const QByteArray &request,
                                   Handler handler)
{
    const Result<Unwrapped> unwrapped = unwrap(request);
    if (!unwrapped)
        return unsignedFailure(command, {}, errorCodeFor(unwrapped.error()));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (unwrapped.value().command != command || unwrapped.value().direction != Direction::Request)
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const Result<crypto::Certificate> tamCertificate = authenticateTam(unwrapped.value());
    if (!tamCertificate)
        return unsignedFailure(command, tbs, tamCertificate.error().code);
    if (tbs.value("ver", nlohmann::json()) != kVersion)
        return unsignedFailure(command, tbs, QStringLiteral("ERR_UNSUPPORTED_MSG_VERSION"));
    const QString rid = QString::fromStdString(stringOf(tbs, "rid"));
    if (stringOf(tbs, "tee") != m_identity.name.toStdString() || rid.isEmpty() ||
        rid.size() > 128 || stringOf(tbs, "tid").empty() || ridSeen(rid))
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const QString tamId = protocol::otrp::tamIdFromCertificate(tamCertificate.value());
    if (QString::fromStdString(stringOf(tbs, "dsihash")) != m_lastDsiHash.value(tamId))
        return unsignedFailure(command, tbs, QStringLiteral("ERR_DEV_STATE_MISMATCH"));
    if (!tbs.contains("content"))
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const Result<crypto::jose::Decrypted> decrypted =
        crypto::jose::decrypt(tbs["content"], m_identity.teeKey);
    if (!decrypted)
        return unsignedFailure(command, tbs, QStringLiteral("ERR_REQUEST_INVALID"));

    // From here on the CEK is known: answers are signed and encrypted under it.
    const crypto::Key tamKey = tamCertificate.value().publicKey();
    const QString did = deviceId(m_identity.teeChain.value(0));
    auto answer = [&](const char *status, nlohmann::json body) -> nlohmann::json {
        body["did"] = did.toStdString();
        const Result<nlohmann::json> jwe = crypto::jose::encrypt(
            QByteArray::fromStdString(body.dump()), {{tamKey, keyManagementFor(tamKey)}},
            decrypted.value().enc, decrypted.value().cek);
        if (!jwe)
            return unsignedFailure(command, tbs, QStringLiteral("ERR_TEE_FAIL"));
        const nlohmann::json response{{"ver", kVersion},
                                      {"status", status},
                                      {"rid", tbs["rid"]},
                                      {"tid", tbs["tid"]},
                                      {"content", jwe.value()}};
        const Result<nlohmann::json> signedResponse =
            sign(command, Direction::Response, response,
                 {m_identity.teeKey, signingAlgFor(m_identity.teeKey), {}});
        return signedResponse ? signedResponse.value()
                              : unsignedFailure(command, tbs, QStringLiteral("ERR_TEE_FAIL"));
    };

    CommandContext context{
        tbs, parseJson(decrypted.value().plaintext.toStdString()),
        tamId};
    if (!context.content.is_object() ||
        QString::fromStdString(stringOf(context.content, "did")) != did)
        return answer("fail", {{"reason", {{"error-code", "ERR_REQUEST_INVALID"}}}});
    if (const std::string claimedTam = stringOf(context.content, "tamid");
        !claimedTam.empty() && QString::fromStdString(claimedTam) != tamId)
        return answer("fail", {{"reason", {{"error-code", "ERR_TAM_NOT_AUTHORIZED"}}}});
    Outcome outcome = (this->*handler)(context);
    if (!outcome.errorCode.isEmpty())
        return answer("fail", {{"reason", {{"error-code", outcome.errorCode.toStdString()}}}});

    // The handler has changed the TEE: the rid is spent and the new state is what the TAM sees.
    remember(rid);
    if (tbs.value("nextdsi", nlohmann::json(false)) == true) {
        // The same {"dsi": ...} object as in edsi, so its dsihash is computed the same way.
        const nlohmann::json dsiJson =
            toJson(deviceStateFor(tamId, QString::fromStdString(stringOf(tbs, "tid"))));
        outcome.body["dsi"] = dsiJson;
        m_lastDsiHash.insert(tamId, dsiHash(dsiJson));
    } else {
        // The TAM did not ask for the new state, so it cannot know a hash for it: the next command
        // must come after a fresh GetDeviceState.
        m_lastDsiHash.remove(tamId);
    }
    return answer("pass", outcome.body);
}

std::variant<SdEntry *, QString> OtrpTee::ownedSd(const CommandContext &context,
                                                  const QString &sdName)
{
    const auto sd = std::find_if(m_sds.begin(), m_sds.end(),
                                 [&](const SdEntry &entry) { return entry.name == sdName; });
    if (sd == m_sds.end())
        return QStringLiteral("ERR_SD_NOT_FOUND");
    if (sd->tamid != context.tamId ||
        QString::fromStdString(stringOf(context.content, "tamid")) != context.tamId)
        return QStringLiteral("ERR_TAM_NOT_AUTHORIZED");
    return &*sd;
}

std::optional<crypto::Certificate> OtrpTee::validSpCertificate(const nlohmann::json &value) const
{
    const auto der =
        value.is_string()
            ? QByteArray::fromBase64Encoding(QByteArray::fromStdString(value.get<std::string>()),
                                             QByteArray::AbortOnBase64DecodingErrors)
            : QByteArray::FromBase64Result{};
    if (!der || der.decoded.isEmpty())
        return std::nullopt;
    const Result<crypto::Certificate> certificate = crypto::Certificate::fromDer(der.decoded);
    if (!certificate)
        return std::nullopt;
    const crypto::Validity validity = crypto::validityAt(certificate.value(), m_clock.now());
    if (validity == crypto::Validity::Expired || validity == crypto::Validity::NotYetValid)
        return std::nullopt;
    return certificate.value();
}

Status OtrpTee::ensureAik(const QString &spid)
{
    if (m_aiks.contains(spid))
        return {};
    const Result<crypto::Key> aik = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!aik)
        return aik.error();
    m_aiks.insert(spid, aik.value());
    return {};
}

void OtrpTee::dropAikIfUnused(const QString &spid)
{
    if (std::none_of(m_sds.cbegin(), m_sds.cend(),
                     [&](const SdEntry &sd) { return sd.spid == spid; }))
        m_aiks.remove(spid);
}

qsizetype OtrpTee::storedBytes() const
{
    qsizetype total = 0;
    for (const StoredTa &ta : m_tas)
        total += ta.binary.size() + ta.personalization.size();
    return total;
}

} // namespace teep::sim
