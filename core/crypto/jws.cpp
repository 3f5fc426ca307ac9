#include "crypto/jws.h"
#include "common/json.h"

#include "crypto/signature.h"

#include <algorithm>

namespace teep::crypto::jose {

namespace {

Error joseError(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("jose.invalid"), message, where};
}

QByteArray signingInput(const QByteArray &protectedB64, const QByteArray &payloadB64)
{
    return protectedB64 + '.' + payloadB64;
}

Result<nlohmann::json> signatureEntry(const QByteArray &payloadB64, const JwsSigner &signer)
{
    const Result<SignatureScheme> scheme = schemeForAlg(signer.alg);
    if (!scheme)
        return scheme.error();
    nlohmann::json header{{"alg", signer.alg.toStdString()}};
    for (const Certificate &cert : signer.x5c)
        header["x5c"].push_back(cert.der().toBase64().toStdString()); // x5c is standard base64 (RFC 7515 4.1.6)
    const QByteArray protectedB64 = base64UrlEncode(QByteArray::fromStdString(header.dump()));
    const Result<QByteArray> signature = signRaw(signer.key, scheme.value(), signingInput(protectedB64, payloadB64));
    if (!signature)
        return signature.error();
    return nlohmann::json{{"protected", protectedB64.toStdString()}, {"signature", base64UrlEncode(signature.value()).toStdString()}};
}

Result<QByteArray> stringMember(const nlohmann::json &object, const char *name, const QString &where)
{
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string())
        return joseError(QStringLiteral("\"%1\" must be a string").arg(QString::fromLatin1(name)), where);
    return QByteArray::fromStdString(it->get<std::string>());
}

Result<JwsSignature> parseSignature(const nlohmann::json &entry, const QStringList &allowedAlgs, const QString &where)
{
    if (!entry.is_object())
        return joseError(QStringLiteral("a signature entry must be an object"), where);
    JwsSignature signature;
    const Result<QByteArray> protectedB64 = stringMember(entry, "protected", where);
    const Result<QByteArray> signatureB64 = stringMember(entry, "signature", where);
    if (!protectedB64 || !signatureB64)
        return protectedB64 ? signatureB64.error() : protectedB64.error();
    signature.protectedB64 = protectedB64.value();
    const Result<QByteArray> headerBytes = base64UrlDecode(signature.protectedB64, where + QStringLiteral(" protected"));
    const Result<QByteArray> signatureBytes = base64UrlDecode(signatureB64.value(), where + QStringLiteral(" signature"));
    if (!headerBytes || !signatureBytes)
        return headerBytes ? signatureBytes.error() : headerBytes.error();
    signature.signature = signatureBytes.value();
    signature.protectedHeaderJson = headerBytes.value();
    const nlohmann::json header = parseJson(headerBytes.value().toStdString());
    if (header.is_discarded() || !header.is_object())
        return joseError(QStringLiteral("the protected header is not a JSON object"), where);
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string())
        return joseError(QStringLiteral("the protected header has no alg"), where);
    signature.alg = QString::fromStdString(alg->get<std::string>());
    // "none" and every HMAC are refused here, whatever a peer asks for.
    if (!allowedAlgs.contains(signature.alg) || !schemeForAlg(signature.alg))
        return Error{QStringLiteral("jose.unsupported-alg"), QStringLiteral("JWS alg '%1' is not accepted").arg(signature.alg), where};
    if (header.contains("crit"))
        return joseError(QStringLiteral("critical header parameters are not supported"), where);
    if (entry.contains("header") && entry["header"].is_object() && entry["header"].contains("alg"))
        return joseError(QStringLiteral("alg must not appear in the unprotected header"), where);
    if (const auto x5c = header.find("x5c"); x5c != header.end()) {
        if (!x5c->is_array() || x5c->empty() || x5c->size() > 8)
            return joseError(QStringLiteral("x5c must be an array of 1 to 8 certificates"), where);
        for (const auto &item : *x5c) {
            if (!item.is_string())
                return joseError(QStringLiteral("x5c entries are base64 strings"), where);
            const auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(item.get<std::string>()),
                                                                QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded)
                return joseError(QStringLiteral("an x5c entry is not base64"), where);
            const Result<Certificate> cert = Certificate::fromDer(*decoded);
            if (!cert)
                return joseError(QStringLiteral("an x5c entry is not a certificate: %1").arg(cert.error().message), where);
            signature.x5c << cert.value();
        }
    }
    return signature;
}

} // namespace

Result<SignatureScheme> schemeForAlg(const QString &alg)
{
    if (alg == QLatin1String("ES256"))
        return SignatureScheme::EcdsaP256Sha256;
    if (alg == QLatin1String("RS256"))
        return SignatureScheme::RsaPkcs1Sha256;
    return Error{QStringLiteral("jose.unsupported-alg"), QStringLiteral("JWS alg '%1' is not accepted").arg(alg)};
}

QString signingAlgFor(const Key &key)
{
    return EVP_PKEY_is_a(key.get(), "RSA") ? QStringLiteral("RS256") : QStringLiteral("ES256");
}

QByteArray base64UrlEncode(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Result<QByteArray> base64UrlDecode(const QByteArray &text, const QString &where)
{
    const auto inAlphabet = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    };
    if (!std::all_of(text.cbegin(), text.cend(), inAlphabet) || text.size() % 4 == 1)
        return joseError(QStringLiteral("not base64url (unpadded)"), where);
    const auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return joseError(QStringLiteral("not base64url"), where);
    // Exactly one encoding per value: the last character of a partial group carries bits beyond
    // the data (4 of them after 2 characters, 2 after 3), and they must be zero.
    if (const qsizetype tail = text.size() % 4; tail != 0) {
        const char last = text.back();
        const int sextet = last >= 'A' && last <= 'Z'   ? last - 'A'
                           : last >= 'a' && last <= 'z' ? last - 'a' + 26
                           : last >= '0' && last <= '9' ? last - '0' + 52
                           : last == '-'                ? 62
                                                        : 63;
        if ((sextet & (tail == 2 ? 0x0f : 0x03)) != 0)
            return joseError(QStringLiteral("non-canonical base64url"), where);
    }
    return *decoded;
}

Result<nlohmann::json> signFlattened(const QByteArray &payload, const JwsSigner &signer)
{
    const QByteArray payloadB64 = base64UrlEncode(payload);
    Result<nlohmann::json> entry = signatureEntry(payloadB64, signer);
    if (!entry)
        return entry.error();
    nlohmann::json json = entry.value();
    json["payload"] = payloadB64.toStdString();
    return json;
}

Result<nlohmann::json> signGeneral(const QByteArray &payload, const QList<JwsSigner> &signers)
{
    if (signers.isEmpty())
        return joseError(QStringLiteral("a JWS needs a signer"));
    const QByteArray payloadB64 = base64UrlEncode(payload);
    nlohmann::json json{{"payload", payloadB64.toStdString()}, {"signatures", nlohmann::json::array()}};
    for (const JwsSigner &signer : signers) {
        Result<nlohmann::json> entry = signatureEntry(payloadB64, signer);
        if (!entry)
            return entry.error();
        json["signatures"].push_back(entry.value());
    }
    return json;
}

Result<Jws> parse(const nlohmann::json &json, const QStringList &allowedAlgs)
{
    if (!json.is_object())
        return joseError(QStringLiteral("a JWS is a JSON object"));
    Jws jws;
    const Result<QByteArray> payloadB64 = stringMember(json, "payload", QStringLiteral("JWS"));
    if (!payloadB64)
        return payloadB64.error();
    jws.payloadB64 = payloadB64.value();
    const Result<QByteArray> payload = base64UrlDecode(jws.payloadB64, QStringLiteral("JWS payload"));
    if (!payload)
        return payload.error();
    jws.payload = payload.value();
    if (json.contains("signatures")) {
        if (json.contains("signature") || json.contains("protected"))
            return joseError(QStringLiteral("a JWS is either flattened or general, not both"));
        const auto &signatures = json["signatures"];
        if (!signatures.is_array() || signatures.empty() || signatures.size() > 8)
            return joseError(QStringLiteral("\"signatures\" must hold 1 to 8 entries"));
        int index = 0;
        for (const auto &entry : signatures) {
            Result<JwsSignature> parsed = parseSignature(entry, allowedAlgs, QStringLiteral("signature %1").arg(++index));
            if (!parsed)
                return parsed.error();
            jws.signatures << parsed.value();
        }
        return jws;
    }
    Result<JwsSignature> parsed = parseSignature(json, allowedAlgs, QStringLiteral("JWS"));
    if (!parsed)
        return parsed.error();
    jws.signatures << parsed.value();
    return jws;
}

Status verify(const Jws &jws, const Key &key)
{
    QStringList reasons;
    for (const JwsSignature &signature : jws.signatures) {
        const Result<SignatureScheme> scheme = schemeForAlg(signature.alg);
        if (!scheme) {
            reasons << scheme.error().message;
            continue;
        }
        const Status verified = verifyRaw(key, scheme.value(), signingInput(signature.protectedB64, jws.payloadB64), signature.signature);
        if (verified)
            return {};
        reasons << QStringLiteral("%1: %2").arg(signature.alg, verified.error().message);
    }
    return Error{QStringLiteral("jose.verify-failed"), QStringLiteral("no JWS signature verifies: %1").arg(reasons.join(QStringLiteral("; ")))};
}

} // namespace teep::crypto::jose
