#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QList>

namespace teep::crypto {

// Limits on anything read from a file, a paste or a network peer.
inline constexpr qsizetype kMaxPkiInputBytes = 1024 * 1024;
inline constexpr qsizetype kMaxCertificatesPerInput = 64;
inline constexpr long kMaxPkcs12MacIterations = 10000000;

// Every certificate in `data`: PEM (any number of CERTIFICATE and PKCS7 blocks), a DER
// certificate, or a DER PKCS#7 bundle. Refuses empty, oversized, truncated and garbage input with
// an error that says which.
Result<QList<Certificate>> parseCertificates(const QByteArray &data);

struct Pkcs12Contents
{
    Key key;
    Certificate certificate;
    QList<Certificate> chain;
};

Result<Pkcs12Contents> readPkcs12(const QByteArray &data, const Secret &password);
// AES-256-CBC with PBKDF2 for key and certificates, as `openssl pkcs12 -export` writes in 3.x.
Result<QByteArray> writePkcs12(const Key &key, const Certificate &certificate,
                               const QList<Certificate> &chain, const Secret &password,
                               const QString &friendlyName);

QByteArray writePem(const QList<Certificate> &certificates);
Result<QByteArray> writePkcs7(const QList<Certificate> &certificates); // DER, certificates only

} // namespace teep::crypto
