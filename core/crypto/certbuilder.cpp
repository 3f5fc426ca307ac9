#include "crypto/certbuilder.h"

#include "crypto/pkcs11key.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace teep::crypto {

namespace {

using ExtensionStack = STACK_OF(X509_EXTENSION);

struct ExtensionValue
{
    int nid;
    QString value;
};

bool isCaProfile(CertificateProfile profile)
{
    return profile == CertificateProfile::RootCa || profile == CertificateProfile::IntermediateCa;
}

QList<ExtensionValue> profileExtensions(const CertificateSpec &spec, const Key &subjectKey)
{
    const bool rsa = EVP_PKEY_is_a(subjectKey.get(), "RSA");
    const bool ec = EVP_PKEY_is_a(subjectKey.get(), "EC");
    // Keys that also receive encrypted content (JWE to the TAM or TEE key) need the usage for it.
    const QString receiveUsage = rsa ? QStringLiteral(",keyEncipherment")
                                     : (ec ? QStringLiteral(",keyAgreement") : QString());
    QList<ExtensionValue> list;
    if (isCaProfile(spec.profile)) {
        QString constraints = QStringLiteral("critical,CA:TRUE");
        if (spec.pathLength >= 0)
            constraints += QStringLiteral(",pathlen:%1").arg(spec.pathLength);
        list << ExtensionValue{NID_basic_constraints, constraints}
             << ExtensionValue{NID_key_usage, QStringLiteral("critical,keyCertSign,cRLSign")};
    } else {
        list << ExtensionValue{NID_basic_constraints, QStringLiteral("critical,CA:FALSE")};
        switch (spec.profile) {
        case CertificateProfile::TamSigning:
        case CertificateProfile::TeeAttestation:
            list << ExtensionValue{NID_key_usage, QStringLiteral("critical,digitalSignature") + receiveUsage};
            break;
        case CertificateProfile::SpSigning:
            list << ExtensionValue{NID_key_usage, QStringLiteral("critical,digitalSignature")}
                 << ExtensionValue{NID_ext_key_usage, QStringLiteral("codeSigning")};
            break;
        case CertificateProfile::TlsServer:
            list << ExtensionValue{NID_key_usage, QStringLiteral("critical,digitalSignature") +
                                                      (rsa ? QStringLiteral(",keyEncipherment") : QString())}
                 << ExtensionValue{NID_ext_key_usage, QStringLiteral("serverAuth")};
            break;
        default:
            break;
        }
    }
    QStringList names;
    for (const QString &uri : spec.uris)
        names << QStringLiteral("URI:") + uri;
    for (const QString &oid : spec.registeredIds)
        names << QStringLiteral("RID:") + oid;
    for (const QString &dns : spec.dnsNames)
        names << QStringLiteral("DNS:") + dns;
    if (!names.isEmpty())
        list << ExtensionValue{NID_subject_alt_name, names.join(QLatin1Char(','))};
    return list;
}

Status validateSpec(const CertificateSpec &spec)
{
    if (spec.commonName.trimmed().isEmpty())
        return Error{QStringLiteral("crypto.spec"), QStringLiteral("a certificate needs a common name")};
    if (spec.commonName.size() > 64)
        return Error{QStringLiteral("crypto.spec"), QStringLiteral("the common name is longer than 64 characters")};
    if (!spec.country.isEmpty() && spec.country.size() != 2)
        return Error{QStringLiteral("crypto.spec"), QStringLiteral("the country must be a two-letter code")};
    // Values go into OpenSSL's extension syntax, where ',' and ':' separate entries.
    for (const QString &value : spec.uris + spec.registeredIds + spec.dnsNames) {
        if (value.isEmpty() || value.contains(QLatin1Char(',')) || value.contains(QLatin1Char('\n')))
            return Error{QStringLiteral("crypto.spec"),
                         QStringLiteral("subjectAltName entry '%1' is empty or contains ','").arg(value)};
    }
    return {};
}

Result<X509NamePtr> buildName(const CertificateSpec &spec)
{
    X509NamePtr name(X509_NAME_new());
    auto add = [&name](const char *field, const QString &value) {
        if (value.isEmpty())
            return true;
        const QByteArray utf8 = value.toUtf8();
        return name && X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char *>(utf8.constData()),
                                          static_cast<int>(utf8.size()), -1, 0) == 1;
    };
    if (!name || !add("C", spec.country) || !add("O", spec.organization) || !add("CN", spec.commonName))
        return Error{QStringLiteral("crypto.spec"),
                     QStringLiteral("invalid subject name: %1").arg(takeOpenSslErrors())};
    return name;
}

Status addExtension(X509V3_CTX *context, int nid, const QString &value, X509 *cert, ExtensionStack *stack)
{
    const QByteArray text = value.toUtf8();
    X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, text.constData()));
    if (!extension)
        return Error{QStringLiteral("crypto.extension"),
                     QStringLiteral("cannot build %1 = %2: %3")
                         .arg(QString::fromLatin1(OBJ_nid2sn(nid)), value, takeOpenSslErrors())};
    // X509_add_ext copies the extension; a stack takes it over when the push succeeds.
    const bool ok = cert ? X509_add_ext(cert, extension.get(), -1) == 1 : sk_X509_EXTENSION_push(stack, extension.get()) > 0;
    if (!ok)
        return Error{QStringLiteral("crypto.extension"), takeOpenSslErrors()};
    if (!cert)
        extension.release();
    return {};
}

Status addRawExtension(const QString &oid, const QByteArray &der, X509 *cert)
{
    ASN1_OBJECT *object = OBJ_txt2obj(oid.toLatin1().constData(), 1);
    ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
    bool ok = object && value && ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char *>(der.constData()), int(der.size())) == 1;
    X509ExtensionPtr extension(ok ? X509_EXTENSION_create_by_OBJ(nullptr, object, 0, value) : nullptr);
    ok = extension && X509_add_ext(cert, extension.get(), -1) == 1;
    ASN1_OBJECT_free(object);
    ASN1_OCTET_STRING_free(value);
    if (!ok)
        return Error{QStringLiteral("crypto.extension"), QStringLiteral("cannot add extension %1: %2").arg(oid, takeOpenSslErrors())};
    return {};
}

bool setRandomSerial(X509 *cert)
{
    const BignumPtr bn(BN_new());
    // 127 random bits: positive and at most 16 bytes, as RFC 5280 asks.
    if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
        return false;
    const Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    return serial && X509_set_serialNumber(cert, serial.get()) == 1;
}

} // namespace

Result<Certificate> issueCertificate(const CertificateSpec &spec, const Key &subjectKey,
                                     const Key &issuerKey, const Certificate &issuer)
{
    if (const Status valid = validateSpec(spec); !valid)
        return valid.error();
    if (subjectKey.isNull() || !issuerKey.hasPrivateKey())
        return Error{QStringLiteral("crypto.spec"), QStringLiteral("the issuer's private key is required")};
    if (issuer.isNull() && !subjectKey.samePublicKey(issuerKey))
        return Error{QStringLiteral("crypto.spec"),
                     QStringLiteral("a self-signed certificate must be signed by its own key")};
    if (!issuer.isNull() && !issuer.publicKey().samePublicKey(issuerKey))
        return Error{QStringLiteral("crypto.spec"),
                     QStringLiteral("the issuer key does not belong to the issuer certificate")};

    X509Ptr cert(X509_new());
    const Result<X509NamePtr> name = buildName(spec);
    if (!name)
        return name.error();
    const QDateTime notBefore = spec.notBefore.isValid() ? spec.notBefore
                                                         : QDateTime::currentDateTimeUtc().addSecs(-60);
    const QDateTime notAfter = spec.notAfter.isValid()
                                   ? spec.notAfter
                                   : notBefore.addYears(isCaProfile(spec.profile) ? 10 : 2);
    bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 && setRandomSerial(cert.get()) &&
              X509_set_subject_name(cert.get(), name.value().get()) == 1 &&
              X509_set_issuer_name(cert.get(), issuer.isNull() ? name.value().get()
                                                               : X509_get_subject_name(issuer.get())) == 1 &&
              ASN1_TIME_set(X509_getm_notBefore(cert.get()), notBefore.toSecsSinceEpoch()) &&
              ASN1_TIME_set(X509_getm_notAfter(cert.get()), notAfter.toSecsSinceEpoch()) &&
              X509_set_pubkey(cert.get(), subjectKey.get()) == 1;
    if (!ok)
        return Error{QStringLiteral("crypto.issue"), takeOpenSslErrors()};

    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer.isNull() ? cert.get() : issuer.get(), cert.get(), nullptr, nullptr, 0);
    QList<ExtensionValue> extensions = profileExtensions(spec, subjectKey);
    extensions << ExtensionValue{NID_subject_key_identifier, QStringLiteral("hash")}
               << ExtensionValue{NID_authority_key_identifier, QStringLiteral("keyid:always")};
    for (const ExtensionValue &extension : extensions) {
        if (const Status added = addExtension(&context, extension.nid, extension.value, cert.get(), nullptr); !added)
            return added.error();
    }
    for (const auto &[oid, der] : spec.rawExtensions) {
        if (const Status added = addRawExtension(oid, der, cert.get()); !added)
            return added.error();
    }
    std::unique_lock<std::recursive_mutex> tokenGuard;
    if (issuerKey.isInToken())
        tokenGuard = std::unique_lock<std::recursive_mutex>(pkcs11Lock());
    if (X509_sign(cert.get(), issuerKey.get(), issuerKey.signatureDigest()) <= 0)
        return Error{QStringLiteral("crypto.sign"),
                     QStringLiteral("signing the certificate failed: %1").arg(takeOpenSslErrors())};
    return Certificate(std::move(cert));
}

Result<QByteArray> createCsr(const CertificateSpec &spec, const Key &key)
{
    if (const Status valid = validateSpec(spec); !valid)
        return valid.error();
    if (!key.hasPrivateKey())
        return Error{QStringLiteral("crypto.spec"), QStringLiteral("a CSR is signed with the private key")};
    X509ReqPtr request(X509_REQ_new());
    const Result<X509NamePtr> name = buildName(spec);
    if (!name)
        return name.error();
    bool ok = X509_REQ_set_version(request.get(), 0) == 1 &&
              X509_REQ_set_subject_name(request.get(), name.value().get()) == 1 &&
              X509_REQ_set_pubkey(request.get(), key.get()) == 1;
    if (!ok)
        return Error{QStringLiteral("crypto.csr"), takeOpenSslErrors()};

    X509V3_CTX context;
    X509V3_set_ctx(&context, nullptr, nullptr, request.get(), nullptr, 0);
    const X509ExtensionStackPtr stack(sk_X509_EXTENSION_new_null());
    for (const ExtensionValue &extension : profileExtensions(spec, key)) {
        if (const Status added = addExtension(&context, extension.nid, extension.value, nullptr, stack.get()); !added)
            return added.error();
    }
    ok = stack && X509_REQ_add_extensions(request.get(), stack.get()) == 1;
    std::unique_lock<std::recursive_mutex> tokenGuard;
    if (key.isInToken())
        tokenGuard = std::unique_lock<std::recursive_mutex>(pkcs11Lock());
    if (!ok || X509_REQ_sign(request.get(), key.get(), key.signatureDigest()) <= 0)
        return Error{QStringLiteral("crypto.csr"), takeOpenSslErrors()};
    unsigned char *der = nullptr;
    const int length = i2d_X509_REQ(request.get(), &der);
    if (length <= 0)
        return Error{QStringLiteral("crypto.csr"), takeOpenSslErrors()};
    return takeDer(der, length);
}

} // namespace teep::crypto
