#include "crypto/signature.h"

#include "crypto/pkcs11key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>

namespace teep::crypto {

namespace {

int coordinateSize(SignatureScheme scheme)
{
    return scheme == SignatureScheme::EcdsaP384Sha384 ? 48 : 32;
}

const EVP_MD *digestFor(SignatureScheme scheme)
{
    switch (scheme) {
    case SignatureScheme::EcdsaP256Sha256:
    case SignatureScheme::RsaPkcs1Sha256:
        return EVP_sha256();
    case SignatureScheme::EcdsaP384Sha384:
        return EVP_sha384();
    case SignatureScheme::Ed25519:
        return nullptr;
    }
    return nullptr;
}

QString curveOf(const Key &key)
{
    return QString::fromLatin1(key.cached(Key::Fact::CurveName, [&key] {
        char group[64] = {};
        size_t length = 0;
        if (!key.get() || EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1)
            return QByteArray();
        return QByteArray(group, static_cast<qsizetype>(length));
    }));
}

// DER ECDSA-Sig-Value -> r||s, each left-padded to the coordinate size.
Result<QByteArray> derToRaw(const QByteArray &der, int size)
{
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig)
        return Error{QStringLiteral("crypto.sign"), takeOpenSslErrors()};
    QByteArray raw(2 * size, '\0');
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    const bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char *>(raw.data()), size) == size &&
                    BN_bn2binpad(s, reinterpret_cast<unsigned char *>(raw.data()) + size, size) == size;
    if (!ok)
        return Error{QStringLiteral("crypto.sign"), QStringLiteral("ECDSA signature does not fit the curve size")};
    return raw;
}

// r||s -> DER, for OpenSSL's verifier.
Result<QByteArray> rawToDer(const QByteArray &raw, int size)
{
    if (raw.size() != 2 * size)
        return Error{QStringLiteral("crypto.bad-signature"),
                     QStringLiteral("an ECDSA signature here is %1 bytes (r||s), not %2").arg(2 * size).arg(raw.size())};
    const auto *bytes = reinterpret_cast<const unsigned char *>(raw.constData());
    BignumPtr r(BN_bin2bn(bytes, size, nullptr));
    BignumPtr s(BN_bin2bn(bytes + size, size, nullptr));
    const EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return Error{QStringLiteral("crypto.bad-signature"), takeOpenSslErrors()};
    // The signature owns r and s now.
    r.release();
    s.release();
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0)
        return Error{QStringLiteral("crypto.bad-signature"), takeOpenSslErrors()};
    return takeDer(der, length);
}

bool isEcdsa(SignatureScheme scheme)
{
    return scheme == SignatureScheme::EcdsaP256Sha256 || scheme == SignatureScheme::EcdsaP384Sha384;
}

} // namespace

QString schemeName(SignatureScheme scheme)
{
    switch (scheme) {
    case SignatureScheme::EcdsaP256Sha256:
        return QStringLiteral("ECDSA P-256 SHA-256");
    case SignatureScheme::EcdsaP384Sha384:
        return QStringLiteral("ECDSA P-384 SHA-384");
    case SignatureScheme::Ed25519:
        return QStringLiteral("Ed25519");
    case SignatureScheme::RsaPkcs1Sha256:
        return QStringLiteral("RSA PKCS#1 v1.5 SHA-256");
    }
    return {};
}

Status checkKeyFits(const Key &key, SignatureScheme scheme)
{
    bool fits = false;
    switch (scheme) {
    case SignatureScheme::EcdsaP256Sha256:
        fits = EVP_PKEY_is_a(key.get(), "EC") && curveOf(key) == QLatin1String("prime256v1");
        break;
    case SignatureScheme::EcdsaP384Sha384:
        fits = EVP_PKEY_is_a(key.get(), "EC") && curveOf(key) == QLatin1String("secp384r1");
        break;
    case SignatureScheme::Ed25519:
        fits = EVP_PKEY_is_a(key.get(), "ED25519");
        break;
    case SignatureScheme::RsaPkcs1Sha256:
        fits = EVP_PKEY_is_a(key.get(), "RSA") && key.bits() >= 2048;
        break;
    }
    if (fits)
        return {};
    return Error{QStringLiteral("crypto.key-mismatch"),
                 QStringLiteral("%1 needs a matching key; this key is %2").arg(schemeName(scheme), key.description())};
}

Result<QByteArray> signRaw(const Key &key, SignatureScheme scheme, const QByteArray &message)
{
    if (const Status fits = checkKeyFits(key, scheme); !fits)
        return fits.error();
    if (!key.hasPrivateKey())
        return Error{QStringLiteral("crypto.no-private-key"), QStringLiteral("signing needs the private key")};
    std::unique_lock<std::recursive_mutex> tokenGuard;
    if (key.isInToken())
        tokenGuard = std::unique_lock<std::recursive_mutex>(pkcs11Lock());
    // A key in a token fails when the token is gone (unplugged, its module's session lost): said
    // so, naming the token key, not only in the module's words.
    const auto failed = [&key] {
        const QString reason = takeOpenSslErrors();
        if (!key.isInToken())
            return Error{QStringLiteral("crypto.sign"), reason};
        return Error{QStringLiteral("crypto.token-sign"),
                     QStringLiteral("the key in PKCS#11 token %1 did not sign (is the token still plugged in?): %2")
                         .arg(key.tokenUri().section(QLatin1Char('?'), 0, 0), reason)};
    };
    MdCtxPtr context(EVP_MD_CTX_new());
    size_t length = 0;
    if (!context || EVP_DigestSignInit(context.get(), nullptr, digestFor(scheme), nullptr, key.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char *>(message.constData()),
                       static_cast<size_t>(message.size())) != 1)
        return failed();
    QByteArray signature(static_cast<qsizetype>(length), '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                       reinterpret_cast<const unsigned char *>(message.constData()), static_cast<size_t>(message.size())) != 1)
        return failed();
    signature.resize(static_cast<qsizetype>(length));
    if (isEcdsa(scheme))
        return derToRaw(signature, coordinateSize(scheme));
    return signature;
}

Status verifyRaw(const Key &key, SignatureScheme scheme, const QByteArray &message, const QByteArray &signature)
{
    if (const Status fits = checkKeyFits(key, scheme); !fits)
        return fits;
    std::unique_lock<std::recursive_mutex> tokenGuard;
    if (key.isInToken())
        tokenGuard = std::unique_lock<std::recursive_mutex>(pkcs11Lock());
    QByteArray encoded = signature;
    if (isEcdsa(scheme)) {
        Result<QByteArray> der = rawToDer(signature, coordinateSize(scheme));
        if (!der)
            return der.error();
        encoded = der.value();
    }
    MdCtxPtr context(EVP_MD_CTX_new());
    const int verified =
        context && EVP_DigestVerifyInit(context.get(), nullptr, digestFor(scheme), nullptr, key.get()) == 1
            ? EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(encoded.constData()),
                               static_cast<size_t>(encoded.size()), reinterpret_cast<const unsigned char *>(message.constData()),
                               static_cast<size_t>(message.size()))
            : -1;
    takeOpenSslErrors();
    if (verified != 1)
        return Error{QStringLiteral("crypto.bad-signature"),
                     QStringLiteral("the %1 signature does not verify with this key").arg(schemeName(scheme))};
    return {};
}

} // namespace teep::crypto
