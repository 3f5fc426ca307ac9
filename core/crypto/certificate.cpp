#include "crypto/certificate.h"

#include <QHash>
#include <QMutex>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace teep::crypto {

namespace {

QDateTime fromAsn1Time(const ASN1_TIME *time)
{
    struct tm parts = {};
    if (!time || ASN1_TIME_to_tm(time, &parts) != 1)
        return {};
    return QDateTime(QDate(parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday),
                     QTime(parts.tm_hour, parts.tm_min, parts.tm_sec), Qt::UTC);
}

QString nameToString(const X509_NAME *name)
{
    BioPtr bio = newMemoryBio();
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return QString::fromUtf8(bioContents(bio.get()));
}

QString generalNameToString(const GENERAL_NAME *name)
{
    switch (name->type) {
    case GEN_URI:
        return QStringLiteral("URI:") + QString::fromUtf8(reinterpret_cast<const char *>(
                   ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)));
    case GEN_DNS:
        return QStringLiteral("DNS:") + QString::fromUtf8(reinterpret_cast<const char *>(
                   ASN1_STRING_get0_data(name->d.dNSName)));
    case GEN_EMAIL:
        return QStringLiteral("email:") + QString::fromUtf8(reinterpret_cast<const char *>(
                   ASN1_STRING_get0_data(name->d.rfc822Name)));
    case GEN_RID: {
        char oid[128] = {};
        OBJ_obj2txt(oid, sizeof oid, name->d.registeredID, 1);
        return QStringLiteral("RID:") + QString::fromLatin1(oid);
    }
    default:
        return QStringLiteral("other:%1").arg(name->type);
    }
}

} // namespace

Certificate::Certificate(X509Ptr x509) : m_x509(std::move(x509)) {}

Certificate::Certificate(const Certificate &other)
{
    *this = other;
}

Certificate &Certificate::operator=(const Certificate &other)
{
    if (this != &other) {
        if (other.m_x509)
            X509_up_ref(other.m_x509.get());
        m_x509.reset(other.m_x509.get());
    }
    return *this;
}

namespace {
// Parsing is the costly part of a certificate in OpenSSL 3.0 (decoder lookups under a global lock,
// about 50 us for d2i_X509), and a TAM parses the same few certificates again and again: trust
// anchors, SP signers, each device's TEE certificate in each session. Parsed X509 objects are
// reference-counted and not changed after parsing, so identical DER shares one. Bounded; kept
// for the life of the process (allocated after OpenSSL's own initialisation, never destroyed, so
// nothing is freed after OpenSSL has cleaned up at exit).
struct ParsedCertificates
{
    static constexpr qsizetype kMaxEntries = 4096;
    QMutex mutex;
    QHash<QByteArray, Certificate> entries;
};

ParsedCertificates &parsedCertificates()
{
    static ParsedCertificates *cache = [] {
        OPENSSL_init_crypto(0, nullptr);
        return new ParsedCertificates;
    }();
    return *cache;
}
} // namespace

Result<Certificate> Certificate::fromDer(const QByteArray &der)
{
    ParsedCertificates &cache = parsedCertificates();
    {
        const QMutexLocker lock(&cache.mutex);
        if (const auto hit = cache.entries.constFind(der); hit != cache.entries.cend())
            return hit.value();
    }
    const auto *start = reinterpret_cast<const unsigned char *>(der.constData());
    const unsigned char *p = start;
    X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x509)
        return Error{QStringLiteral("crypto.bad-certificate"),
                     QStringLiteral("not a DER X.509 certificate: %1").arg(takeOpenSslErrors())};
    if (p != start + der.size())
        return Error{QStringLiteral("crypto.trailing-data"),
                     QStringLiteral("the certificate is followed by %1 unexpected bytes")
                         .arg(start + der.size() - p)};
    Certificate certificate(std::move(x509));
    const QMutexLocker lock(&cache.mutex);
    if (cache.entries.size() >= ParsedCertificates::kMaxEntries)
        cache.entries.clear();
    cache.entries.insert(der, certificate);
    return certificate;
}

QByteArray Certificate::der() const
{
    unsigned char *der = nullptr;
    const int length = m_x509 ? i2d_X509(m_x509.get(), &der) : -1;
    return takeDer(der, length);
}

QByteArray Certificate::pem() const
{
    BioPtr bio = newMemoryBio();
    if (!m_x509 || PEM_write_bio_X509(bio.get(), m_x509.get()) != 1)
        return {};
    return bioContents(bio.get());
}

QString Certificate::subject() const
{
    return m_x509 ? nameToString(X509_get_subject_name(m_x509.get())) : QString();
}

QString Certificate::issuer() const
{
    return m_x509 ? nameToString(X509_get_issuer_name(m_x509.get())) : QString();
}

QString Certificate::commonName() const
{
    if (!m_x509)
        return {};
    const X509_NAME *name = X509_get_subject_name(m_x509.get());
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0)
        return subject();
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char *utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    const OpenSslMemory<unsigned char> owned(utf8);
    if (length < 0)
        return subject();
    return QString::fromUtf8(reinterpret_cast<const char *>(utf8), length);
}

QString Certificate::serialHex() const
{
    if (!m_x509)
        return {};
    const BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(m_x509.get()), nullptr));
    const OpenSslMemory<char> hex(bn ? BN_bn2hex(bn.get()) : nullptr);
    return hex ? QString::fromLatin1(hex.get()) : QString();
}

QDateTime Certificate::notBefore() const
{
    return m_x509 ? fromAsn1Time(X509_get0_notBefore(m_x509.get())) : QDateTime();
}

QDateTime Certificate::notAfter() const
{
    return m_x509 ? fromAsn1Time(X509_get0_notAfter(m_x509.get())) : QDateTime();
}

Key Certificate::publicKey() const
{
    if (!m_x509)
        return {};
    EVP_PKEY *pkey = X509_get_pubkey(m_x509.get()); // new reference
    // The certificate holds the key's SPKI: re-encoding that ASN.1 is cheap, while asking the
    // parsed key for its point or SPKI costs more than the rest of a signature check.
    unsigned char *spki = nullptr;
    const int length = pkey ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(m_x509.get()), &spki) : -1;
    return Key::withKnownSpki(PKeyPtr(pkey), takeDer(spki, length));
}

QString Certificate::fingerprintHex() const
{
    return QString::fromLatin1(sha256(der()).toHex().toUpper());
}

QString Certificate::fingerprintSha256() const
{
    return QString::fromLatin1(sha256(der()).toHex(':').toUpper());
}

bool Certificate::isCa() const
{
    return m_x509 && X509_check_ca(m_x509.get()) == 1 &&
           (X509_get_extension_flags(m_x509.get()) & EXFLAG_CA);
}

int Certificate::pathLength() const
{
    if (!isCa())
        return -1;
    return static_cast<int>(X509_get_pathlen(m_x509.get()));
}

bool Certificate::isSelfIssued() const
{
    return m_x509 && (X509_get_extension_flags(m_x509.get()) & EXFLAG_SI);
}

bool Certificate::isSignedBy(const Key &issuer) const
{
    const bool ok = m_x509 && !issuer.isNull() && X509_verify(m_x509.get(), issuer.get()) == 1;
    takeOpenSslErrors();
    return ok;
}

long Certificate::keyUsage() const
{
    if (!m_x509 || !(X509_get_extension_flags(m_x509.get()) & EXFLAG_KUSAGE))
        return -1;
    return static_cast<long>(X509_get_key_usage(m_x509.get()));
}

QStringList Certificate::extendedKeyUsage() const
{
    QStringList usages;
    if (!m_x509)
        return usages;
    const Asn1ObjectStackPtr eku(static_cast<EXTENDED_KEY_USAGE *>(X509_get_ext_d2i(m_x509.get(), NID_ext_key_usage, nullptr, nullptr)));
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        // Short names ("codeSigning", "serverAuth"); the dotted OID for unknown purposes.
        const ASN1_OBJECT *object = sk_ASN1_OBJECT_value(eku.get(), i);
        const int nid = OBJ_obj2nid(object);
        char oid[128] = {};
        OBJ_obj2txt(oid, sizeof oid, object, 1);
        usages << QString::fromLatin1(nid != NID_undef ? OBJ_nid2sn(nid) : oid);
    }
    return usages;
}

QStringList Certificate::subjectAltNames() const
{
    QStringList names;
    if (!m_x509)
        return names;
    const GeneralNamesPtr sans(static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(m_x509.get(), NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i)
        names << generalNameToString(sk_GENERAL_NAME_value(sans.get(), i));
    return names;
}

QStringList Certificate::extensions() const
{
    QStringList lines;
    const int count = m_x509 ? X509_get_ext_count(m_x509.get()) : 0;
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION *extension = X509_get_ext(m_x509.get(), i);
        char name[128] = {};
        OBJ_obj2txt(name, sizeof name, X509_EXTENSION_get_object(extension), 0);
        BioPtr bio = newMemoryBio();
        if (X509V3_EXT_print(bio.get(), extension, 0, 0) != 1)
            ASN1_STRING_print(bio.get(), X509_EXTENSION_get_data(extension));
        const QString value = QString::fromUtf8(bioContents(bio.get())).simplified();
        lines << QStringLiteral("%1%2: %3")
                     .arg(QString::fromLatin1(name),
                          X509_EXTENSION_get_critical(extension) ? QStringLiteral(" [critical]") : QString(),
                          value);
    }
    takeOpenSslErrors();
    return lines;
}

QByteArray Certificate::extensionValue(const QString &oid) const
{
    if (!m_x509)
        return {};
    ASN1_OBJECT *object = OBJ_txt2obj(oid.toLatin1().constData(), 1);
    if (!object) {
        takeOpenSslErrors();
        return {};
    }
    const int index = X509_get_ext_by_OBJ(m_x509.get(), object, -1);
    ASN1_OBJECT_free(object);
    if (index < 0)
        return {};
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(m_x509.get(), index));
    return QByteArray(reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)), ASN1_STRING_length(data));
}

bool Certificate::operator==(const Certificate &other) const
{
    if (!m_x509 || !other.m_x509)
        return m_x509 == other.m_x509;
    return X509_cmp(m_x509.get(), other.m_x509.get()) == 0;
}

Validity validityAt(const Certificate &certificate, const QDateTime &at, int soonDays)
{
    if (at < certificate.notBefore())
        return Validity::NotYetValid;
    if (at > certificate.notAfter())
        return Validity::Expired;
    if (at.addDays(soonDays) > certificate.notAfter())
        return Validity::ExpiresSoon;
    return Validity::Valid;
}

} // namespace teep::crypto
