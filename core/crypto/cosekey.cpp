#include "crypto/cosekey.h"

#include "cbor/strictcbor.h"
#include "crypto/openssl.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

namespace teep::crypto {

namespace {

constexpr qint64 kKty = 1, kCrv = -1, kX = -2, kY = -3;
constexpr qint64 kKtyOkp = 1, kKtyEc2 = 2;
constexpr qint64 kCrvP256 = 1, kCrvP384 = 2, kCrvEd25519 = 6;

Result<QByteArray> bnParam(const Key &key, const char *name, int size)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1)
        return Error{QStringLiteral("cose.key"), takeOpenSslErrors()};
    const BignumPtr bn(raw);
    QByteArray bytes(size, '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char *>(bytes.data()), size) != size)
        return Error{QStringLiteral("cose.key"), QStringLiteral("coordinate too large")};
    return bytes;
}

// x || y of an EC public key. One read of the encoded point (0x04 || x || y) costs half of reading
// x and y as two parameters, which matters for the fresh ephemeral key of every JWE; a key that
// keeps its point compressed is read the long way.
Result<QByteArray> ecPoint(const Key &key, int size)
{
    unsigned char encoded[1 + 2 * 48];
    size_t length = 0;
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, encoded, sizeof encoded, &length) == 1 &&
        length == size_t(1 + 2 * size) && encoded[0] == 0x04)
        return QByteArray(reinterpret_cast<const char *>(encoded + 1), 2 * size);
    ERR_clear_error();
    const Result<QByteArray> x = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, size);
    const Result<QByteArray> y = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, size);
    if (!x || !y)
        return x ? y.error() : x.error();
    return x.value() + y.value();
}

} // namespace

Result<QCborMap> toCoseKey(const Key &key)
{
    if (EVP_PKEY_is_a(key.get(), "ED25519")) {
        QByteArray x(32, '\0');
        size_t length = 32;
        if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char *>(x.data()), &length) != 1)
            return Error{QStringLiteral("cose.key"), takeOpenSslErrors()};
        return QCborMap{{kKty, kKtyOkp}, {kCrv, kCrvEd25519}, {kX, x}};
    }
    const QString description = key.description();
    if (description == QLatin1String("EC P-256") || description == QLatin1String("EC P-384")) {
        const int size = description.endsWith(QLatin1String("256")) ? 32 : 48;
        QString failure;
        const QByteArray point = key.cached(Key::Fact::EcPoint, [&] {
            const Result<QByteArray> xy = ecPoint(key, size);
            if (!xy) {
                failure = xy.error().message;
                return QByteArray();
            }
            return xy.value();
        });
        if (point.size() != 2 * size)
            return Error{QStringLiteral("cose.key"), failure.isEmpty() ? QStringLiteral("the EC point could not be read") : failure};
        return QCborMap{{kKty, kKtyEc2}, {kCrv, size == 32 ? kCrvP256 : kCrvP384}, {kX, point.left(size)}, {kY, point.mid(size)}};
    }
    return Error{QStringLiteral("cose.key"), QStringLiteral("%1 keys have no COSE_Key form here").arg(description)};
}

Result<Key> fromCoseKey(const QCborMap &coseKey)
{
    const qint64 kty = coseKey.value(kKty).toInteger(-1);
    const qint64 crv = coseKey.value(kCrv).toInteger(-1);
    const QByteArray x = coseKey.value(kX).toByteArray();
    if (kty == kKtyOkp && crv == kCrvEd25519) {
        if (x.size() != 32)
            return Error{QStringLiteral("cose.key"), QStringLiteral("an Ed25519 COSE_Key needs a 32-byte x")};
        PKeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(x.constData()), 32));
        if (!pkey)
            return Error{QStringLiteral("cose.key"), takeOpenSslErrors()};
        return Key(std::move(pkey));
    }
    if (kty == kKtyEc2 && (crv == kCrvP256 || crv == kCrvP384)) {
        const int size = crv == kCrvP256 ? 32 : 48;
        const QByteArray y = coseKey.value(kY).toByteArray();
        if (x.size() != size || y.size() != size)
            return Error{QStringLiteral("cose.key"),
                         QStringLiteral("an EC2 COSE_Key on this curve needs %1-byte x and y").arg(size)};
        // The key remembers its point, so its COSE form and thumbprint need no OpenSSL call later.
        const Result<Key> made = Key::fromEcPoint(x, y);
        if (!made)
            return Error{QStringLiteral("cose.key"), QStringLiteral("the EC2 COSE_Key is %1").arg(made.error().message)};
        return made.value();
    }
    return Error{QStringLiteral("cose.key"), QStringLiteral("unsupported COSE_Key (kty %1, crv %2)").arg(kty).arg(crv)};
}

Result<QByteArray> coseKeyThumbprint(const Key &key)
{
    // Reading an EC key's affine coordinates out of OpenSSL is costly, and every COSE signature
    // and verification needs the thumbprint: it is computed once per key.
    QString failure;
    const QByteArray thumbprint = key.cached(Key::Fact::CoseThumbprint, [&] {
        const Result<QCborMap> coseKey = toCoseKey(key);
        if (!coseKey) {
            failure = coseKey.error().message;
            return QByteArray();
        }
        return sha256(cbor::encodeDeterministic(QCborValue(coseKey.value())));
    });
    if (thumbprint.isEmpty())
        return Error{QStringLiteral("cose.key"), failure.isEmpty() ? QStringLiteral("this key has no COSE_Key form") : failure};
    return thumbprint;
}

} // namespace teep::crypto
