#include "protocol/otrp/tamcommand.h"
#include "common/json.h"

#include "crypto/openssl.h"
#include "protocol/otrp/otrpframing.h"

namespace teep::protocol::otrp {

namespace {
Error otrpError(const QString &code, const QString &message, const QString &command)
{
    return Error{QStringLiteral("otrp.") + code, message, command + QStringLiteral("Response")};
}

nlohmann::json member(const nlohmann::json &object, const char *name)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(name);
    return it == object.end() ? nlohmann::json() : *it;
}
} // namespace

QString deviceId(const crypto::Certificate &teeCertificate)
{
    return QString::fromLatin1(crypto::sha256(teeCertificate.der()).toBase64());
}

bool isTeeCommand(const QString &command)
{
    static const QStringList commands = {QStringLiteral("CreateSD"), QStringLiteral("UpdateSD"),
                                         QStringLiteral("DeleteSD"), QStringLiteral("InstallTA"),
                                         QStringLiteral("UpdateTA"), QStringLiteral("DeleteTA")};
    return commands.contains(command);
}

Result<QByteArray> buildTeeCommand(const QString &command, const QString &rid,
                                   const TeeTarget &target, nlohmann::json content,
                                   const crypto::jose::JwsSigner &tam, bool nextDsi,
                                   const std::optional<nlohmann::json> &encryptedTa)
{
    if (!isTeeCommand(command) || !content.is_object())
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"),
                         QStringLiteral("%1 is not a TEE command with content").arg(command),
                         command);
    if (target.teeCertificate.isNull())
        return otrpError(
            QStringLiteral("ERR_REQUEST_INVALID"),
            QStringLiteral("the TEE certificate is not known yet (run GetDeviceState)"), command);
    content["did"] = deviceId(target.teeCertificate).toStdString();
    const crypto::Key teeKey = target.teeCertificate.publicKey();
    const Result<nlohmann::json> jwe =
        crypto::jose::encrypt(QByteArray::fromStdString(content.dump()),
                              {{teeKey, crypto::jose::keyManagementFor(teeKey)}},
                              QStringLiteral("A128CBC-HS256"), {}, target.jwePolicy);
    if (!jwe)
        return jwe.error();
    nlohmann::json tbs{{"ver", kVersion},
                       {"rid", rid.toStdString()},
                       {"tid", target.tid.toStdString()},
                       {"tee", target.teeName.toStdString()},
                       {"nextdsi", nextDsi},
                       {"dsihash", target.dsihash.toStdString()},
                       {"content", jwe.value()}};
    if (encryptedTa)
        tbs["encrypted_ta"] = *encryptedTa;
    const Result<nlohmann::json> message = sign(command, Direction::Request, tbs, tam);
    if (!message)
        return message.error();
    return QByteArray::fromStdString(message.value().dump());
}

Result<TeeCommandResult> processTeeCommandResponse(const QString &command,
                                                   const QByteArray &response, const QString &rid,
                                                   const TeeTarget &target,
                                                   const crypto::Key &tamPrivateKey)
{
    auto invalid = [&](const QString &message) {
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), message, command);
    };
    if (response.size() > kMaxMessageBytes)
        return invalid(QStringLiteral("the response is too large"));
    const nlohmann::json raw = parseJson(response.constData(), response.constData() + response.size());
    return processTeeCommandResponse(command, raw, rid, target, tamPrivateKey);
}

Result<TeeCommandResult> processTeeCommandResponse(const QString &command,
                                                   const nlohmann::json &raw, const QString &rid,
                                                   const TeeTarget &target,
                                                   const crypto::Key &tamPrivateKey)
{
    auto invalid = [&](const QString &message) {
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), message, command);
    };
    if (raw.is_discarded())
        return invalid(QStringLiteral("the response is not JSON"));
    // Unsigned refusals: the TEE could not read the request, or the Broker could not deliver it.
    if (const nlohmann::json refusal =
            member(raw, tbsName(command, Direction::Response).toUtf8().constData());
        refusal.is_object())
        return otrpError(reasonCode(refusal),
                         QStringLiteral("the TEE refused the request before reading it"), command);
    if (const nlohmann::json broker = member(raw, "OTrPBrokerError"); !broker.is_null()) {
        const nlohmann::json code = member(broker, "errcode");
        const QString errcode =
            code.is_string() ? QString::fromStdString(code.get<std::string>()) : QString();
        return otrpError(isErrorCode(errcode) ? errcode : QStringLiteral("ERR_AGENT_TEE_FAIL"),
                         QStringLiteral("the Broker could not deliver the request"), command);
    }
    const Result<Unwrapped> unwrapped = unwrap(raw);
    if (!unwrapped)
        return unwrapped.error();
    if (unwrapped.value().command != command || unwrapped.value().direction != Direction::Response)
        return invalid(QStringLiteral("expected a %1Response").arg(command));
    if (const Status signature =
            crypto::jose::verify(unwrapped.value().jws, target.teeCertificate.publicKey());
        !signature)
        return invalid(QStringLiteral("the TEE's signature does not verify"));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (member(tbs, "rid") != rid.toStdString() || member(tbs, "tid") != target.tid.toStdString())
        return invalid(QStringLiteral("rid/tid do not answer this request"));
    const nlohmann::json status = member(tbs, "status");
    if (status != "pass" && status != "fail")
        return invalid(QStringLiteral("status is neither \"pass\" nor \"fail\""));
    if (!tbs.contains("content"))
        return invalid(QStringLiteral("no content"));
    const Result<crypto::jose::Decrypted> decrypted =
        crypto::jose::decrypt(tbs["content"], tamPrivateKey, target.jwePolicy);
    if (!decrypted)
        return invalid(QStringLiteral("content: %1").arg(decrypted.error().message));
    TeeCommandResult result;
    result.content =
        parseJson(decrypted.value().plaintext.toStdString());
    if (!result.content.is_object())
        return invalid(QStringLiteral("content is not a JSON object"));
    if (member(result.content, "did") != deviceId(target.teeCertificate).toStdString())
        return invalid(QStringLiteral("the answer names another device (did)"));
    if (status == "fail")
        return otrpError(reasonCode(result.content),
                         QStringLiteral("the TEE refused %1").arg(command), command);
    if (const nlohmann::json dsiJson = member(result.content, "dsi"); !dsiJson.is_null()) {
        const Result<DeviceStateInfo> dsi = dsiFromJson(dsiJson);
        if (!dsi)
            return invalid(QStringLiteral("dsi: %1").arg(dsi.error().message));
        result.dsi = dsi.value();
        result.dsiHash = dsiHash(dsiJson);
    }
    return result;
}

Result<crypto::Key> publicKeyMember(const nlohmann::json &content, const char *name)
{
    const nlohmann::json value = member(content, name);
    const auto der =
        value.is_string()
            ? QByteArray::fromBase64Encoding(QByteArray::fromStdString(value.get<std::string>()),
                                             QByteArray::AbortOnBase64DecodingErrors)
            : QByteArray::FromBase64Result{};
    if (!der || der.decoded.isEmpty())
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"),
                     QStringLiteral("%1 is not a BASE64 public key").arg(QLatin1String(name))};
    return crypto::Key::fromPublicKey(der.decoded);
}

} // namespace teep::protocol::otrp
