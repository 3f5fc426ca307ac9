#include "crypto/crl.h"

#include "crypto/openssl.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

namespace teep::crypto {

namespace {

QDateTime fromAsn1(const ASN1_TIME *time)
{
    struct tm parts = {};
    if (!time || ASN1_TIME_to_tm(time, &parts) != 1)
        return {};
    return QDateTime(QDate(parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday), QTime(parts.tm_hour, parts.tm_min, parts.tm_sec), Qt::UTC);
}

} // namespace

Result<Crl> Crl::fromPemOrDer(const QByteArray &data)
{
    X509_CRL *crl = nullptr;
    if (data.trimmed().startsWith("-----BEGIN")) {
        BioPtr bio = memoryBio(data);
        crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    } else {
        const unsigned char *cursor = reinterpret_cast<const unsigned char *>(data.constData());
        crl = d2i_X509_CRL(nullptr, &cursor, data.size());
        if (crl && cursor != reinterpret_cast<const unsigned char *>(data.constData()) + data.size()) {
            X509_CRL_free(crl);
            return Error{QStringLiteral("crypto.bad-crl"), QStringLiteral("bytes after the CRL")};
        }
    }
    if (!crl)
        return Error{QStringLiteral("crypto.bad-crl"), QStringLiteral("not a certificate revocation list: %1").arg(takeOpenSslErrors())};
    Crl out;
    out.m_crl.reset(crl, X509_CRL_free);
    return out;
}

QString Crl::issuer() const
{
    if (!m_crl)
        return {};
    BioPtr bio = newMemoryBio();
    X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(m_crl.get()), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return QString::fromUtf8(bioContents(bio.get()));
}

QDateTime Crl::thisUpdate() const
{
    return m_crl ? fromAsn1(X509_CRL_get0_lastUpdate(m_crl.get())) : QDateTime();
}

QDateTime Crl::nextUpdate() const
{
    return m_crl ? fromAsn1(X509_CRL_get0_nextUpdate(m_crl.get())) : QDateTime();
}

int Crl::revokedCount() const
{
    const STACK_OF(X509_REVOKED) *revoked = m_crl ? X509_CRL_get_REVOKED(m_crl.get()) : nullptr;
    return revoked ? sk_X509_REVOKED_num(revoked) : 0;
}

bool Crl::isSignedBy(const Key &key) const
{
    const bool ok = m_crl && !key.isNull() && X509_CRL_verify(m_crl.get(), key.get()) == 1;
    takeOpenSslErrors();
    return ok;
}

bool Crl::issuedFor(const Certificate &certificate) const
{
    return m_crl && !certificate.isNull() && X509_NAME_cmp(X509_CRL_get_issuer(m_crl.get()), X509_get_issuer_name(certificate.get())) == 0;
}

bool Crl::revokes(const Certificate &certificate) const
{
    X509_REVOKED *entry = nullptr;
    return m_crl && !certificate.isNull() && X509_CRL_get0_by_cert(m_crl.get(), &entry, certificate.get()) == 1;
}

} // namespace teep::crypto
