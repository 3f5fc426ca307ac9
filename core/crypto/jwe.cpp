#include "crypto/jwe.h"
#include "crypto/pkcs11key.h"
#include "common/json.h"

#include "crypto/cosekey.h"
#include "crypto/jws.h"
#include "crypto/openssl.h"
#include "crypto/symmetric.h"

#include <QCborMap>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

namespace teep::crypto::jose {

namespace {

Error jweError(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("jose.invalid"), message, where};
}

struct EncInfo
{
    int keyBytes;  // CEK: MAC key || ENC key (AES-128 or AES-256 by its half)
    const char *mac; // HMAC digest
};

Result<EncInfo> encInfo(const QString &enc)
{
    if (enc == QLatin1String("A128CBC-HS256"))
        return EncInfo{32, "SHA256"};
    if (enc == QLatin1String("A256CBC-HS512"))
        return EncInfo{64, "SHA512"};
    return Error{QStringLiteral("jose.unsupported-enc"), QStringLiteral("JWE enc '%1' is not supported").arg(enc)};
}

bool isKeyAlg(const QString &alg)
{
    return alg == QLatin1String("RSA-OAEP-256") || alg == QLatin1String("ECDH-ES+A128KW") ||
           alg == QLatin1String("ECDH-ES+A256KW") || alg == QLatin1String("RSA1_5");
}

Result<QByteArray> hmac(const char *digest, const QByteArray &key, const QByteArray &data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.constData(), size_t(key.size()),
                   reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()), out, sizeof out, &length))
        return jweError(takeOpenSslErrors());
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(length));
}

// AES_CBC_HMAC_SHA2 (RFC 7518 5.2.2): the tag is the first half of
// HMAC(MAC_KEY, AAD || IV || ciphertext || AL), AL the AAD length in bits, 64-bit big-endian.
Result<QByteArray> authenticationTag(const EncInfo &info, const QByteArray &macKey, const QByteArray &aad, const QByteArray &iv,
                                     const QByteArray &ciphertext)
{
    QByteArray al(8, '\0');
    const quint64 bits = quint64(aad.size()) * 8;
    for (int i = 0; i < 8; ++i)
        al[7 - i] = char((bits >> (8 * i)) & 0xff);
    Result<QByteArray> mac = hmac(info.mac, macKey, aad + iv + ciphertext + al);
    if (!mac)
        return mac;
    return mac.value().left(info.keyBytes / 2);
}

Result<QByteArray> aesKeyWrap(const QByteArray &kek, const QByteArray &input, bool wrap)
{
    const EVP_CIPHER *cipher = kek.size() == 16 ? EVP_aes_128_wrap() : EVP_aes_256_wrap();
    std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>> context(EVP_CIPHER_CTX_new());
    EVP_CIPHER_CTX_set_flags(context.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    QByteArray out(input.size() + 16, '\0');
    int written = 0;
    int final = 0;
    if (EVP_CipherInit_ex(context.get(), cipher, nullptr, reinterpret_cast<const unsigned char *>(kek.constData()), nullptr, wrap ? 1 : 0) != 1 ||
        EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char *>(out.data()), &written,
                         reinterpret_cast<const unsigned char *>(input.constData()), int(input.size())) != 1 ||
        EVP_CipherFinal_ex(context.get(), reinterpret_cast<unsigned char *>(out.data()) + written, &final) != 1) {
        takeOpenSslErrors();
        return jweError(wrap ? QStringLiteral("AES key wrap failed") : QStringLiteral("the wrapped key does not unwrap"));
    }
    out.resize(written + final);
    return out;
}

QByteArray lengthPrefixed(const QByteArray &data)
{
    QByteArray out(4, '\0');
    const quint32 length = quint32(data.size());
    for (int i = 0; i < 4; ++i)
        out[3 - i] = char((length >> (8 * i)) & 0xff);
    return out + data;
}

// RFC 7518 4.6.2 Concat KDF = NIST SP 800-56C single-step KDF with SHA-256 (OpenSSL's SSKDF).
Result<QByteArray> concatKdf(const QByteArray &z, const QString &alg, int keyBytes)
{
    QByteArray suppPub(4, '\0');
    const quint32 bits = quint32(keyBytes * 8);
    for (int i = 0; i < 4; ++i)
        suppPub[3 - i] = char((bits >> (8 * i)) & 0xff);
    QByteArray otherInfo = lengthPrefixed(alg.toLatin1()) + lengthPrefixed({}) + lengthPrefixed({}) + suppPub;
    const KdfPtr kdf(EVP_KDF_fetch(nullptr, "SSKDF", nullptr));
    const KdfCtxPtr context(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
    QByteArray out(keyBytes, '\0');
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char *>(z.constData()), size_t(z.size())),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, otherInfo.data(), size_t(otherInfo.size())),
        OSSL_PARAM_construct_end()};
    const bool ok = context && EVP_KDF_derive(context.get(), reinterpret_cast<unsigned char *>(out.data()), size_t(keyBytes), params) == 1;
    if (!ok)
        return jweError(QStringLiteral("Concat KDF failed: %1").arg(takeOpenSslErrors()));
    return out;
}

Result<QByteArray> ecdh(const Key &privateKey, const Key &peer)
{
    // The peer's point must be on the curve and not the point at infinity. On the prime-order
    // curves used here (cofactor 1) that is the whole validation; OpenSSL's default full check
    // adds a scalar multiplication, as costly as the ECDH itself, that proves nothing more.
    PKeyCtxPtr check(EVP_PKEY_CTX_new(peer.get(), nullptr));
    if (!check || EVP_PKEY_public_check_quick(check.get()) != 1)
        return jweError(QStringLiteral("the peer's public key is not a point of its curve: %1").arg(takeOpenSslErrors()));
    // OpenSSL 3.0 derives through its providers, which do not reach libp11 0.4's keys (it would
    // compute with a stand-in): a key in a token derives in the token.
    if (privateKey.isInToken())
        return tokenEcdh(privateKey, peer);
    PKeyCtxPtr context(EVP_PKEY_CTX_new(privateKey.get(), nullptr));
    size_t length = 0;
    if (!context || EVP_PKEY_derive_init(context.get()) != 1 || EVP_PKEY_derive_set_peer_ex(context.get(), peer.get(), 0) != 1 ||
        EVP_PKEY_derive(context.get(), nullptr, &length) != 1)
        return jweError(QStringLiteral("ECDH failed: %1").arg(takeOpenSslErrors()));
    QByteArray z(qsizetype(length), '\0');
    if (EVP_PKEY_derive(context.get(), reinterpret_cast<unsigned char *>(z.data()), &length) != 1)
        return jweError(QStringLiteral("ECDH failed: %1").arg(takeOpenSslErrors()));
    return z;
}

Result<QByteArray> rsaCrypt(const Key &key, const QByteArray &input, bool oaep, bool encrypt)
{
    PKeyCtxPtr context(EVP_PKEY_CTX_new(key.get(), nullptr));
    if (!context || (encrypt ? EVP_PKEY_encrypt_init(context.get()) : EVP_PKEY_decrypt_init(context.get())) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(context.get(), oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING) != 1 ||
        (oaep && (EVP_PKEY_CTX_set_rsa_oaep_md(context.get(), EVP_sha256()) != 1 ||
                  EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), EVP_sha256()) != 1)))
        return jweError(takeOpenSslErrors());
    size_t length = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(input.constData());
    const int sized = encrypt ? EVP_PKEY_encrypt(context.get(), nullptr, &length, in, size_t(input.size()))
                              : EVP_PKEY_decrypt(context.get(), nullptr, &length, in, size_t(input.size()));
    QByteArray out(qsizetype(length), '\0');
    const int done = sized == 1 ? (encrypt ? EVP_PKEY_encrypt(context.get(), reinterpret_cast<unsigned char *>(out.data()), &length, in, size_t(input.size()))
                                           : EVP_PKEY_decrypt(context.get(), reinterpret_cast<unsigned char *>(out.data()), &length, in, size_t(input.size())))
                                : 0;
    takeOpenSslErrors();
    if (done != 1)
        return jweError(encrypt ? QStringLiteral("RSA encryption failed") : QStringLiteral("the wrapped key does not unwrap"));
    out.resize(qsizetype(length));
    return out;
}

// A string member, or an empty string for a missing or non-string one (never throws).
std::string stringMember(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// RFC 7516 7.2.1: the header parameters of the three places must be disjoint.
Result<nlohmann::json> mergeHeaders(const nlohmann::json &a, const nlohmann::json &b)
{
    nlohmann::json merged = a;
    for (auto it = b.begin(); it != b.end(); ++it) {
        if (merged.contains(it.key()))
            return jweError(QStringLiteral("header parameter \"%1\" appears twice").arg(QString::fromStdString(it.key())));
        merged[it.key()] = it.value();
    }
    return merged;
}

int kwKeyBytes(const QString &alg)
{
    return alg == QLatin1String("ECDH-ES+A256KW") ? 32 : 16;
}

} // namespace

QString keyManagementFor(const Key &key)
{
    return EVP_PKEY_is_a(key.get(), "RSA") ? QStringLiteral("RSA-OAEP-256") : QStringLiteral("ECDH-ES+A128KW");
}

Result<nlohmann::json> encrypt(const QByteArray &plaintext, const QList<JweRecipient> &recipients, const QString &enc,
                               const Secret &givenCek, const JwePolicy &policy)
{
    const Result<EncInfo> info = encInfo(enc);
    if (!info)
        return info.error();
    if (recipients.isEmpty())
        return jweError(QStringLiteral("a JWE needs a recipient"));
    if (!givenCek.isEmpty() && givenCek.size() != info.value().keyBytes)
        return jweError(QStringLiteral("%1 needs a %2-byte CEK").arg(enc).arg(info.value().keyBytes));
    const Secret cek(givenCek.isEmpty() ? randomBytes(info.value().keyBytes) : givenCek.bytes());
    if (cek.size() != info.value().keyBytes)
        return jweError(QStringLiteral("no random CEK could be drawn"));

    nlohmann::json json{{"recipients", nlohmann::json::array()}};
    for (const JweRecipient &recipient : recipients) {
        if (!isKeyAlg(recipient.alg) || (recipient.alg == QLatin1String("RSA1_5") && !policy.allowRsa15))
            return Error{QStringLiteral("jose.unsupported-alg"), QStringLiteral("JWE alg '%1' is not allowed").arg(recipient.alg)};
        nlohmann::json header{{"alg", recipient.alg.toStdString()}};
        Result<QByteArray> encryptedKey = QByteArray();
        if (recipient.alg.startsWith(QLatin1String("RSA"))) {
            if (!EVP_PKEY_is_a(recipient.key.get(), "RSA"))
                return jweError(QStringLiteral("%1 needs an RSA key").arg(recipient.alg));
            encryptedKey = rsaCrypt(recipient.key, cek.bytes(), recipient.alg != QLatin1String("RSA1_5"), true);
        } else {
            if (recipient.key.description() != QLatin1String("EC P-256"))
                return jweError(QStringLiteral("%1 needs a P-256 key").arg(recipient.alg));
            const Result<Key> ephemeral = Key::generate(KeyAlgorithm::P256);
            const Result<QByteArray> z = ephemeral ? ecdh(ephemeral.value(), recipient.key) : Result<QByteArray>(ephemeral.error());
            const Result<QByteArray> kek = z ? concatKdf(z.value(), recipient.alg, kwKeyBytes(recipient.alg)) : z;
            if (!kek)
                return kek.error();
            encryptedKey = aesKeyWrap(kek.value(), cek.bytes(), true);
            const QCborMap epk = toCoseKey(ephemeral.value()).value();
            header["epk"] = {{"kty", "EC"}, {"crv", "P-256"},
                             {"x", base64UrlEncode(epk.value(-2).toByteArray()).toStdString()},
                             {"y", base64UrlEncode(epk.value(-3).toByteArray()).toStdString()}};
        }
        if (!encryptedKey)
            return encryptedKey.error();
        json["recipients"].push_back({{"header", header}, {"encrypted_key", base64UrlEncode(encryptedKey.value()).toStdString()}});
    }
    const QByteArray protectedB64 = base64UrlEncode(QByteArray::fromStdString(nlohmann::json{{"enc", enc.toStdString()}}.dump()));
    const QByteArray iv = randomBytes(16);
    const int half = info.value().keyBytes / 2;
    const Result<QByteArray> ciphertext = aesCbc(cek.bytes().mid(half), iv, plaintext, true);
    if (!ciphertext)
        return ciphertext.error();
    const Result<QByteArray> tag = authenticationTag(info.value(), cek.bytes().left(half), protectedB64, iv, ciphertext.value());
    if (!tag)
        return tag.error();
    json["protected"] = protectedB64.toStdString();
    json["iv"] = base64UrlEncode(iv).toStdString();
    json["ciphertext"] = base64UrlEncode(ciphertext.value()).toStdString();
    json["tag"] = base64UrlEncode(tag.value()).toStdString();
    return json;
}

Result<Decrypted> decrypt(const nlohmann::json &json, const Key &privateKey, const JwePolicy &policy)
{
    if (!json.is_object())
        return jweError(QStringLiteral("a JWE is a JSON object"));
    auto member = [&json](const char *name) -> Result<QByteArray> {
        const auto it = json.find(name);
        if (it == json.end() || !it->is_string())
            return jweError(QStringLiteral("\"%1\" must be a string").arg(QString::fromLatin1(name)), QStringLiteral("JWE"));
        return base64UrlDecode(QByteArray::fromStdString(it->get<std::string>()), QStringLiteral("JWE %1").arg(QString::fromLatin1(name)));
    };
    const Result<QByteArray> protectedBytes = member("protected");
    const Result<QByteArray> iv = member("iv");
    const Result<QByteArray> ciphertext = member("ciphertext");
    const Result<QByteArray> tag = member("tag");
    for (const Result<QByteArray> *part : {&protectedBytes, &iv, &ciphertext, &tag}) {
        if (!*part)
            return part->error();
    }
    if (json.contains("aad"))
        return jweError(QStringLiteral("OTrP JWEs carry no AAD member"));
    const nlohmann::json protectedHeader = parseJson(protectedBytes.value().toStdString());
    if (protectedHeader.is_discarded() || !protectedHeader.is_object())
        return jweError(QStringLiteral("the protected header is not a JSON object"));
    const nlohmann::json shared = json.value("unprotected", nlohmann::json::object());
    if (!shared.is_object())
        return jweError(QStringLiteral("\"unprotected\" must be an object"));
    const Result<nlohmann::json> common = mergeHeaders(protectedHeader, shared);
    if (!common)
        return common.error();
    const nlohmann::json &header = common.value();
    if (!header.contains("enc") || !header["enc"].is_string())
        return jweError(QStringLiteral("the header must name enc"));
    if (header.contains("zip") || header.contains("crit"))
        return jweError(QStringLiteral("zip and crit are not supported"));
    const QString enc = QString::fromStdString(header["enc"].get<std::string>());
    const Result<EncInfo> info = encInfo(enc);
    if (!info)
        return info.error();
    if (iv.value().size() != 16 || tag.value().size() != info.value().keyBytes / 2)
        return jweError(QStringLiteral("the IV or the tag has the wrong length for %1").arg(enc));
    const auto recipients = json.find("recipients");
    if (recipients == json.end() || !recipients->is_array() || recipients->empty() || recipients->size() > 16)
        return jweError(QStringLiteral("\"recipients\" must hold 1 to 16 entries"));

    QStringList reasons;
    for (const auto &recipient : *recipients) {
        if (!recipient.is_object() || !recipient.value("header", nlohmann::json::object()).is_object()) {
            reasons << QStringLiteral("a recipient entry is malformed");
            continue;
        }
        // The JOSE header of this recipient: protected, shared and per-recipient, disjoint.
        const Result<nlohmann::json> merged = mergeHeaders(header, recipient.value("header", nlohmann::json::object()));
        if (!merged) {
            reasons << merged.error().message;
            continue;
        }
        const nlohmann::json &entryHeader = merged.value();
        const QString alg = QString::fromStdString(stringMember(entryHeader, "alg"));
        if (!isKeyAlg(alg) || (alg == QLatin1String("RSA1_5") && !policy.allowRsa15)) {
            reasons << QStringLiteral("alg '%1' is not allowed").arg(alg);
            continue;
        }
        const bool rsa = alg.startsWith(QLatin1String("RSA"));
        if (rsa != bool(EVP_PKEY_is_a(privateKey.get(), "RSA")))
            continue; // an entry for another kind of key
        const auto wrapped = base64UrlDecode(QByteArray::fromStdString(stringMember(recipient, "encrypted_key")), QStringLiteral("encrypted_key"));
        if (!wrapped) {
            reasons << wrapped.error().message;
            continue;
        }
        Result<QByteArray> cek = QByteArray();
        if (rsa) {
            cek = rsaCrypt(privateKey, wrapped.value(), alg != QLatin1String("RSA1_5"), false);
            // RFC 7516 11.5: with RSA1_5, a bad unwrap continues with a random CEK, so the answer is
            // the same tag failure as any other tampering and no padding oracle is offered.
            if (alg == QLatin1String("RSA1_5") && (!cek || cek.value().size() != info.value().keyBytes))
                cek = randomBytes(info.value().keyBytes);
        } else {
            const nlohmann::json epk = entryHeader.value("epk", nlohmann::json::object());
            if (!epk.is_object()) {
                reasons << QStringLiteral("epk must be a P-256 public key");
                continue;
            }
            const auto x = base64UrlDecode(QByteArray::fromStdString(stringMember(epk, "x")), QStringLiteral("epk x"));
            const auto y = base64UrlDecode(QByteArray::fromStdString(stringMember(epk, "y")), QStringLiteral("epk y"));
            if (stringMember(epk, "kty") != "EC" || stringMember(epk, "crv") != "P-256" || !x || !y) {
                reasons << QStringLiteral("epk must be a P-256 public key");
                continue;
            }
            const Result<Key> ephemeral = fromCoseKey(QCborMap{{1, 2}, {-1, 1}, {-2, x.value()}, {-3, y.value()}});
            if (!ephemeral) {
                reasons << QStringLiteral("epk: %1").arg(ephemeral.error().message);
                continue;
            }
            const Result<QByteArray> z = ecdh(privateKey, ephemeral.value());
            const Result<QByteArray> kek = z ? concatKdf(z.value(), alg, kwKeyBytes(alg)) : z;
            cek = kek ? aesKeyWrap(kek.value(), wrapped.value(), false) : kek;
        }
        if (!cek || cek.value().size() != info.value().keyBytes) {
            // A key in a token says why it could not (the token unplugged, the key may not derive).
            reasons << (!cek && privateKey.isInToken()
                            ? QStringLiteral("%1: %2").arg(alg, cek.error().message)
                            : QStringLiteral("%1: the wrapped key does not unwrap with this key").arg(alg));
            continue;
        }
        Secret key(cek.value());
        const int half = info.value().keyBytes / 2;
        const Result<QByteArray> expected =
            authenticationTag(info.value(), key.bytes().left(half), QByteArray::fromStdString(json["protected"].get<std::string>()),
                              iv.value(), ciphertext.value());
        if (!expected || CRYPTO_memcmp(expected.value().constData(), tag.value().constData(), size_t(tag.value().size())) != 0) {
            reasons << QStringLiteral("%1: the JWE does not decrypt (authentication failed)").arg(alg);
            continue;
        }
        const Result<QByteArray> plaintext = aesCbc(key.bytes().mid(half), iv.value(), ciphertext.value(), false);
        if (!plaintext) {
            reasons << QStringLiteral("%1: the JWE does not decrypt").arg(alg);
            continue;
        }
        return Decrypted{plaintext.value(), std::move(key), alg, enc};
    }
    return Error{QStringLiteral("jose.decrypt-failed"),
                 reasons.isEmpty() ? QStringLiteral("no recipient entry is for this kind of key")
                                   : QStringLiteral("the JWE does not decrypt: %1").arg(reasons.join(QStringLiteral("; ")))};
}

} // namespace teep::crypto::jose
