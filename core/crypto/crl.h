#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QDateTime>

#include <memory>

typedef struct X509_crl_st X509_CRL;

// A certificate revocation list (RFC 5280), read from PEM or DER.
namespace teep::crypto {

class Crl
{
public:
    static Result<Crl> fromPemOrDer(const QByteArray &data);
    bool isNull() const { return !m_crl; }
    QString issuer() const; // RFC 2253 one-line form
    QDateTime thisUpdate() const;
    QDateTime nextUpdate() const; // invalid when the CRL names none
    int revokedCount() const;
    bool isSignedBy(const Key &key) const;
    bool issuedFor(const Certificate &certificate) const; // its issuer is the certificate's issuer
    bool revokes(const Certificate &certificate) const;   // by serial number; check issuedFor first

private:
    std::shared_ptr<X509_CRL> m_crl;
};

} // namespace teep::crypto
