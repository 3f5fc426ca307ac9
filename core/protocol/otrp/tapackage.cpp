#include "protocol/otrp/tapackage.h"
#include "common/json.h"

#include "crypto/jwe.h"
#include "crypto/symmetric.h"

namespace teep::protocol::otrp {

namespace {
Error taInvalid(const QString &message)
{
    return Error{QStringLiteral("otrp.ERR_TA_INVALID"), message, QStringLiteral("encrypted_ta")};
}

const char *taMember(TaOperation operation)
{
    return operation == TaOperation::Install ? "ciphertadata" : "ciphernewtadata";
}

const char *personalizationMember(TaOperation operation)
{
    return operation == TaOperation::Install ? "cipherpdata" : "ciphernewpdata";
}
} // namespace

Result<QByteArray> signTa(const TaImage &image, const crypto::jose::JwsSigner &sp)
{
    if (image.taid.isEmpty() || image.version < 0 || image.binary.size() > kMaxTaBytes)
        return taInvalid(QStringLiteral("a TA needs an id, a version >= 0 and at most %1 bytes")
                             .arg(kMaxTaBytes));
    const nlohmann::json payload{{"taid", image.taid.toStdString()},
                                 {"taname", image.taname.toStdString()},
                                 {"version", image.version},
                                 {"binary", image.binary.toBase64().toStdString()}};
    const Result<nlohmann::json> jws =
        crypto::jose::signFlattened(QByteArray::fromStdString(payload.dump()), sp);
    if (!jws)
        return jws.error();
    return QByteArray::fromStdString(jws.value().dump());
}

Result<TaImage> verifyTa(const QByteArray &signedTa, const QList<crypto::Certificate> &signers)
{
    if (signedTa.size() > 2 * kMaxTaBytes)
        return taInvalid(QStringLiteral("the signed TA is too large"));
    const nlohmann::json json = parseJson(signedTa.constData(), signedTa.constData() + signedTa.size());
    const Result<crypto::jose::Jws> jws = crypto::jose::parse(json);
    if (!jws)
        return taInvalid(QStringLiteral("the TA is not a signed TA: %1").arg(jws.error().message));
    const bool signerMatches =
        std::any_of(signers.cbegin(), signers.cend(), [&](const crypto::Certificate &signer) {
            return crypto::jose::verify(jws.value(), signer.publicKey()).ok();
        });
    if (!signerMatches)
        return taInvalid(
            QStringLiteral("the TA is not signed by the security domain's SP certificate"));
    const nlohmann::json payload =
        parseJson(jws.value().payload.toStdString());
    if (!payload.is_object() || !payload.contains("taid") || !payload["taid"].is_string() ||
        !payload.contains("version") || !payload["version"].is_number_integer() ||
        !payload.contains("binary") || !payload["binary"].is_string() ||
        (payload.contains("taname") && !payload["taname"].is_string()))
        return taInvalid(QStringLiteral("the signed TA lacks taid, version or binary"));
    const auto binary = QByteArray::fromBase64Encoding(
        QByteArray::fromStdString(payload["binary"].get<std::string>()),
        QByteArray::AbortOnBase64DecodingErrors);
    if (!binary || payload["version"].get<qint64>() < 0)
        return taInvalid(
            QStringLiteral("the signed TA's binary is not BASE64 or its version is negative"));
    return TaImage{QString::fromStdString(payload["taid"].get<std::string>()),
                   payload.contains("taname")
                       ? QString::fromStdString(payload["taname"].get<std::string>())
                       : QString(),
                   payload["version"].get<qint64>(), binary.decoded};
}

Result<nlohmann::json> encryptTa(TaOperation operation, const std::optional<QByteArray> &signedTa,
                                 const std::optional<QByteArray> &personalization,
                                 const crypto::Key &spAik)
{
    if (!signedTa && (operation == TaOperation::Install || !personalization))
        return taInvalid(QStringLiteral("nothing to encrypt"));
    const QByteArray aesKey = crypto::randomBytes(32);
    const QByteArray iv = crypto::randomBytes(16);
    if (aesKey.size() != 32 || iv.size() != 16)
        return taInvalid(QStringLiteral("no random key could be drawn"));
    const Result<nlohmann::json> wrapped = crypto::jose::encrypt(
        aesKey, {{spAik, crypto::jose::keyManagementFor(spAik)}}, QStringLiteral("A128CBC-HS256"));
    if (!wrapped)
        return wrapped.error();
    nlohmann::json result{
        {"key", wrapped.value()}, {"iv", iv.toHex().toStdString()}, {"alg", "AESCBC"}};
    for (const auto &[name, data] :
         {std::pair{taMember(operation), signedTa},
          std::pair{personalizationMember(operation), personalization}}) {
        if (!data)
            continue;
        const Result<QByteArray> cipher = crypto::aesCbc(aesKey, iv, *data, true);
        if (!cipher)
            return cipher.error();
        result[name] = cipher.value().toBase64().toStdString();
    }
    return result;
}

Result<DecryptedTa> decryptTa(TaOperation operation, const nlohmann::json &encryptedTa,
                              const crypto::Key &spAikPrivate)
{
    if (!encryptedTa.is_object() || !encryptedTa.contains("key") || !encryptedTa.contains("iv") ||
        !encryptedTa["iv"].is_string() || encryptedTa.value("alg", nlohmann::json()) != "AESCBC")
        return taInvalid(QStringLiteral("encrypted_ta needs key, iv and alg \"AESCBC\""));
    const Result<crypto::jose::Decrypted> key =
        crypto::jose::decrypt(encryptedTa["key"], spAikPrivate);
    if (!key || key.value().plaintext.size() != 32)
        return taInvalid(QStringLiteral("the TA key is not for this SP AIK"));
    const QByteArray ivHex = QByteArray::fromStdString(encryptedTa["iv"].get<std::string>());
    const QByteArray iv = QByteArray::fromHex(ivHex);
    if (ivHex.size() != 32 || iv.size() != 16 || iv.toHex() != ivHex.toLower())
        return taInvalid(QStringLiteral("iv must be 16 bytes in hex"));
    DecryptedTa result;
    for (const auto &[name, out] :
         {std::pair{taMember(operation), &result.signedTa},
          std::pair{personalizationMember(operation), &result.personalization}}) {
        if (!encryptedTa.contains(name))
            continue;
        const nlohmann::json &value = encryptedTa[name];
        const auto cipher = value.is_string()
                                ? QByteArray::fromBase64Encoding(
                                      QByteArray::fromStdString(value.get<std::string>()),
                                      QByteArray::AbortOnBase64DecodingErrors)
                                : QByteArray::FromBase64Result{};
        if (!cipher || cipher.decoded.size() > 2 * kMaxTaBytes)
            return taInvalid(QStringLiteral("%1 is not BASE64 of at most %2 bytes")
                                 .arg(QLatin1String(name))
                                 .arg(2 * kMaxTaBytes));
        const Result<QByteArray> plain =
            crypto::aesCbc(key.value().plaintext, iv, cipher.decoded, false);
        if (!plain)
            return taInvalid(QStringLiteral("%1 does not decrypt").arg(QLatin1String(name)));
        *out = plain.value();
    }
    if (!result.signedTa && (operation == TaOperation::Install || !result.personalization))
        return taInvalid(
            QStringLiteral("encrypted_ta carries no %1").arg(QLatin1String(taMember(operation))));
    return result;
}

} // namespace teep::protocol::otrp
