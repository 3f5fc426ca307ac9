#include "protocol/otrp/createsd.h"

#include "crypto/jwe.h"
#include "crypto/openssl.h"
#include "protocol/otrp/otrpframing.h"

namespace teep::protocol::otrp {

namespace {
Error otrpError(const QString &code, const QString &message)
{
    return Error{QStringLiteral("otrp.") + code, message, QStringLiteral("CreateSDResponse")};
}
} // namespace

QString deviceId(const crypto::Certificate &teeCertificate)
{
    return QString::fromLatin1(crypto::sha256(teeCertificate.der()).toBase64());
}

Result<QByteArray> buildCreateSdRequest(const CreateSdRequest &request, const crypto::jose::JwsSigner &tam)
{
    const nlohmann::json content{{"spid", request.spid.toStdString()},
                                 {"sdname", request.sdName.toStdString()},
                                 {"spcert", request.spCertificate.der().toBase64().toStdString()},
                                 {"tamid", request.tamId.toStdString()},
                                 {"did", deviceId(request.teeCertificate).toStdString()}};
    const crypto::Key teeKey = request.teeCertificate.publicKey();
    const Result<nlohmann::json> jwe = crypto::jose::encrypt(QByteArray::fromStdString(content.dump()), {{teeKey, crypto::jose::keyManagementFor(teeKey)}});
    if (!jwe)
        return jwe.error();
    const nlohmann::json tbs{{"ver", kVersion},           {"rid", request.rid.toStdString()},
                             {"tid", request.tid.toStdString()}, {"tee", request.teeName.toStdString()},
                             {"nextdsi", request.nextDsi},       {"dsihash", request.dsihash.toStdString()},
                             {"content", jwe.value()}};
    const Result<nlohmann::json> message = sign(QStringLiteral("CreateSD"), Direction::Request, tbs, tam);
    if (!message)
        return message.error();
    return QByteArray::fromStdString(message.value().dump());
}

Result<CreateSdResult> processCreateSdResponse(const QByteArray &response, const CreateSdRequest &request,
                                               const crypto::Key &tamPrivateKey)
{
    // An unsigned refusal: the TEE could not read the request at all.
    const nlohmann::json raw = nlohmann::json::parse(response.constData(), response.constData() + qMin(response.size(), kMaxMessageBytes),
                                                     nullptr, false);
    if (raw.is_object() && raw.contains("CreateSDTBSResponse")) {
        return otrpError(reasonCode(raw["CreateSDTBSResponse"]), QStringLiteral("the TEE refused the request"));
    }
    const Result<Unwrapped> unwrapped = unwrap(response);
    if (!unwrapped)
        return unwrapped.error();
    if (unwrapped.value().command != QLatin1String("CreateSD") || unwrapped.value().direction != Direction::Response)
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("expected a CreateSDResponse"));
    if (const Status signature = crypto::jose::verify(unwrapped.value().jws, request.teeCertificate.publicKey()); !signature)
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("the TEE's signature does not verify"));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (tbs.value("rid", nlohmann::json()) != request.rid.toStdString() || tbs.value("tid", nlohmann::json()) != request.tid.toStdString())
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("rid/tid do not answer this request"));
    if (!tbs.contains("content"))
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("no content"));
    const Result<crypto::jose::Decrypted> decrypted = crypto::jose::decrypt(tbs["content"], tamPrivateKey);
    if (!decrypted)
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("content: %1").arg(decrypted.error().message));
    const nlohmann::json content = nlohmann::json::parse(decrypted.value().plaintext.toStdString(), nullptr, false);
    if (!content.is_object())
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("content is not a JSON object"));
    if (tbs.value("status", nlohmann::json()) != "pass") {
        return otrpError(reasonCode(content), QStringLiteral("the TEE refused CreateSD"));
    }
    if (content.value("did", nlohmann::json()) != deviceId(request.teeCertificate).toStdString() ||
        content.value("sdname", nlohmann::json()) != request.sdName.toStdString())
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("did or sdname do not match the request"));
    const nlohmann::json aik = content.value("teespaik", nlohmann::json());
    const auto aikDer = aik.is_string() ? QByteArray::fromBase64Encoding(QByteArray::fromStdString(aik.get<std::string>()),
                                                                         QByteArray::AbortOnBase64DecodingErrors)
                                        : QByteArray::FromBase64Result{};
    const Result<crypto::Key> spAik = aikDer ? crypto::Key::fromPublicKey(*aikDer) : Result<crypto::Key>(otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("no teespaik")));
    if (!spAik)
        return otrpError(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("teespaik: %1").arg(spAik.error().message));
    CreateSdResult result{request.sdName, spAik.value(), std::nullopt, QString()};
    if (content.contains("dsi")) {
        const Result<DeviceStateInfo> dsi = dsiFromJson(content["dsi"]);
        if (!dsi)
            return dsi.error();
        result.dsi = dsi.value();
        result.dsiHash = dsiHash(content["dsi"]);
    }
    return result;
}

} // namespace teep::protocol::otrp
