#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QDateTime>
#include <QList>
#include <QStringList>

#include <utility>

namespace teep::crypto {

// What a certificate is for; decides basicConstraints, keyUsage and extendedKeyUsage.
enum class CertificateProfile {
    RootCa,         // CA:TRUE, keyCertSign + cRLSign
    IntermediateCa, // same, under a root
    TamSigning,     // the TAM's message-signing certificate (and key agreement/encipherment for JWE)
    SpSigning,      // a service provider's TA signer: digitalSignature, codeSigning
    TeeAttestation, // a device TEE's attestation key
    TlsServer,      // the TAM listener over HTTPS: serverAuth
};

struct CertificateSpec
{
    QString commonName;
    QString organization;
    QString country;
    CertificateProfile profile = CertificateProfile::TamSigning;
    int pathLength = -1;       // CAs only; -1 leaves it unlimited
    QStringList uris;          // subjectAltName URIs, e.g. the TAM id
    QStringList registeredIds; // subjectAltName registeredID OIDs ("1.3.6.1.4.1...")
    QStringList dnsNames;      // subjectAltName DNS names (TLS)
    QDateTime notBefore;       // defaults: now - 1 minute
    QDateTime notAfter;        // defaults: notBefore + 10 years (CA) / 2 years (others)
    // Extensions OpenSSL has no configuration for, as (dotted OID, DER value), not critical: a
    // test PCK certificate's SGX Extensions.
    QList<std::pair<QString, QByteArray>> rawExtensions;
};

// Issues a certificate for `subjectKey` signed by `issuerKey`. With a null `issuer` the
// certificate is self-signed and `issuerKey` must be the subject key's private half.
Result<Certificate> issueCertificate(const CertificateSpec &spec, const Key &subjectKey,
                                     const Key &issuerKey, const Certificate &issuer = {});

// A PKCS#10 request (DER) an external CA can sign; carries the profile's extensions.
Result<QByteArray> createCsr(const CertificateSpec &spec, const Key &key);

} // namespace teep::crypto
