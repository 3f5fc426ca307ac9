#pragma once

#include "common/error.h"
#include "crypto/openssl.h"

#include <QString>

#include <functional>
#include <memory>

namespace teep::crypto {

enum class KeyAlgorithm { P256, Ed25519, Rsa2048, Rsa3072 };

// "p256", "ed25519", "rsa2048", "rsa3072": the names the CLI and settings use.
QString keyAlgorithmName(KeyAlgorithm algorithm);
Result<KeyAlgorithm> keyAlgorithmFromName(const QString &name);

// An asymmetric key: a key pair, or a public key alone. Shares the underlying EVP_PKEY on copy
// (OpenSSL reference counting); never prints or logs its private part.
class Key
{
public:
    Key() = default;
    explicit Key(PKeyPtr pkey);
    Key(const Key &other);
    Key &operator=(const Key &other);
    Key(Key &&) noexcept = default;
    ~Key(); // a key in a token is let go under pkcs11Lock() (pkcs11key.h)
    Key &operator=(Key &&) noexcept = default;

    static Result<Key> generate(KeyAlgorithm algorithm);
    // SubjectPublicKeyInfo, PEM ("PUBLIC KEY") or DER.
    static Result<Key> fromPublicKey(const QByteArray &pemOrDer);
    // A P-256 (32-byte) or P-384 (48-byte) public key from its affine coordinates, checked to be
    // on the curve; its SPKI and point are known without asking OpenSSL for them again.
    static Result<Key> fromEcPoint(const QByteArray &x, const QByteArray &y);
    // A key OpenSSL has already parsed (from a certificate) with the SubjectPublicKeyInfo it came
    // from: a P-256/P-384 key's SPKI and point are then known without asking OpenSSL.
    static Key withKnownSpki(PKeyPtr pkey, const QByteArray &spkiDer);
    // A key whose private part stays in a token (crypto/pkcs11key): it signs through `pkey`, and
    // `session` (the open token) lives as long as any copy of the key.
    static Key inToken(PKeyPtr pkey, std::shared_ptr<void> session, const QString &uri);
    // True for a key whose private part is in a token; its pkcs11: URI.
    bool isInToken() const;
    QString tokenUri() const;

    bool isNull() const { return !m_pkey; }
    bool hasPrivateKey() const;
    EVP_PKEY *get() const { return m_pkey.get(); }

    QByteArray publicKeyDer() const; // SubjectPublicKeyInfo
    QByteArray publicKeyPem() const;
    // "EC P-256", "RSA 3072", "Ed25519", ...
    QString description() const;
    int bits() const;
    // The digest to sign with: SHA-256 for EC and RSA, none for Ed25519.
    const EVP_MD *signatureDigest() const;
    bool samePublicKey(const Key &other) const;

    // Derived public facts (e.g. the RFC 9679 thumbprint) are computed once per key and shared by
    // its copies; the first value computed for a slot stays. Thread-safe.
    // EcPoint: x||y of an EC public key. PublicKeyDer: the SubjectPublicKeyInfo (OpenSSL 3.0's
    // encoder costs ~50 us a call). A key made from known parts may seed them (see fromCoseKey).
    enum class Fact { CoseThumbprint, CurveName, HasPrivateKey, EcPoint, PublicKeyDer };
    QByteArray cached(Fact fact, const std::function<QByteArray()> &compute) const;

private:
    bool probePrivateKey() const;
    struct Facts;
    // Declared first, destroyed last: a token key's EVP_PKEY goes before its token session.
    std::shared_ptr<Facts> m_facts;
    PKeyPtr m_pkey;
};

} // namespace teep::crypto
