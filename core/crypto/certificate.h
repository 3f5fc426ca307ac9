#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/openssl.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace teep::crypto {

// One X.509 certificate and what a person or a policy wants to know about it. Copies share the
// underlying X509 (reference counted).
class Certificate
{
public:
    Certificate() = default;
    explicit Certificate(X509Ptr x509);
    Certificate(const Certificate &other);
    Certificate &operator=(const Certificate &other);
    Certificate(Certificate &&) noexcept = default;
    Certificate &operator=(Certificate &&) noexcept = default;

    // Exactly one certificate in DER (no trailing bytes).
    static Result<Certificate> fromDer(const QByteArray &der);

    bool isNull() const { return !m_x509; }
    X509 *get() const { return m_x509.get(); }

    QByteArray der() const;
    QByteArray pem() const;
    QString subject() const; // RFC 2253 one-line form
    QString issuer() const;
    QString commonName() const;
    QString serialHex() const;
    QDateTime notBefore() const;
    QDateTime notAfter() const;
    Key publicKey() const;
    // "AB:CD:..." upper-case hex of SHA-256 over the DER; `fingerprintHex` without colons.
    QString fingerprintSha256() const;
    QString fingerprintHex() const;

    bool isCa() const;
    int pathLength() const; // -1 when unlimited or not a CA
    bool isSelfIssued() const;
    // True when this certificate's signature verifies with `issuer`'s public key.
    bool isSignedBy(const Key &issuer) const;
    // keyUsage bits (X509v3 KU_* values) or -1 when the extension is absent.
    long keyUsage() const;
    QStringList extendedKeyUsage() const;
    QStringList subjectAltNames() const; // "URI:...", "RID:1.2.3", "DNS:..."
    // Each extension as "name [critical]: value", in the certificate's order.
    QStringList extensions() const;
    // The value (the DER inside the extnValue octet string) of the extension with this dotted
    // OID; empty when the certificate has none.
    QByteArray extensionValue(const QString &oid) const;

    bool operator==(const Certificate &other) const;

private:
    X509Ptr m_x509;
};

// Validity of a certificate at a moment, for the expiry colours and import checks.
enum class Validity { NotYetValid, Valid, ExpiresSoon, Expired };
Validity validityAt(const Certificate &certificate, const QDateTime &at, int soonDays = 30);

} // namespace teep::crypto
