#include "crypto/pkiformats.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace teep::crypto {

namespace {

Error inputError(const QString &code, const QString &message)
{
    return Error{code, message};
}

Status appendFromPkcs7(PKCS7 *p7, QList<Certificate> &out)
{
    if (!p7 || OBJ_obj2nid(p7->type) != NID_pkcs7_signed || !p7->d.sign)
        return inputError(QStringLiteral("crypto.bad-pkcs7"),
                          QStringLiteral("the PKCS#7 structure is not a signed-data certificate bundle"));
    STACK_OF(X509) *certs = p7->d.sign->cert;
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
        X509 *x509 = sk_X509_value(certs, i);
        X509_up_ref(x509);
        out << Certificate(X509Ptr(x509));
    }
    return {};
}

Result<QList<Certificate>> parsePem(const QByteArray &data)
{
    QList<Certificate> out;
    QStringList otherLabels;
    BioPtr bio = memoryBio(data);
    for (int block = 1;; ++block) {
        char *name = nullptr;
        char *header = nullptr;
        unsigned char *bytes = nullptr;
        long length = 0;
        ERR_clear_error();
        if (PEM_read_bio(bio.get(), &name, &header, &bytes, &length) != 1) {
            const unsigned long error = ERR_peek_last_error();
            const bool endOfInput = ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
            const QString reason = takeOpenSslErrors();
            if (endOfInput)
                break;
            return inputError(QStringLiteral("crypto.bad-pem"),
                              QStringLiteral("PEM block %1 is truncated or damaged (%2)").arg(block).arg(reason));
        }
        const OpenSslMemory<char> ownedName(name), ownedHeader(header);
        const OpenSslSecretMemory<unsigned char> ownedBytes(bytes, OpenSslClearFree{static_cast<size_t>(length)});
        const QByteArray label(name);
        const QByteArray der(reinterpret_cast<const char *>(bytes), length);
        if (label == "CERTIFICATE") {
            Result<Certificate> cert = Certificate::fromDer(der);
            if (!cert)
                return inputError(cert.error().code,
                                  QStringLiteral("PEM block %1: %2").arg(block).arg(cert.error().message));
            out << cert.value();
        } else if (label == "PKCS7") {
            const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
            Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
            if (const Status status = appendFromPkcs7(p7.get(), out); !status)
                return inputError(status.error().code,
                                  QStringLiteral("PEM block %1: %2").arg(block).arg(status.error().message));
        } else {
            otherLabels << QString::fromLatin1(label);
        }
        if (out.size() > kMaxCertificatesPerInput)
            break;
    }
    if (out.isEmpty())
        return inputError(QStringLiteral("crypto.no-certificate"),
                          otherLabels.isEmpty()
                              ? QStringLiteral("the PEM input holds no certificate")
                              : QStringLiteral("the PEM input holds no certificate (found: %1)")
                                    .arg(otherLabels.join(QStringLiteral(", "))));
    return out;
}

Result<QList<Certificate>> parseDer(const QByteArray &data)
{
    if (Result<Certificate> cert = Certificate::fromDer(data))
        return QList<Certificate>{cert.value()};
    takeOpenSslErrors();
    const auto *start = reinterpret_cast<const unsigned char *>(data.constData());
    const unsigned char *p = start;
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(data.size())));
    if (p7 && p == start + data.size()) {
        QList<Certificate> out;
        if (const Status status = appendFromPkcs7(p7.get(), out); !status)
            return status.error();
        if (out.isEmpty())
            return inputError(QStringLiteral("crypto.no-certificate"), QStringLiteral("the PKCS#7 bundle is empty"));
        return out;
    }
    takeOpenSslErrors();
    return inputError(QStringLiteral("crypto.bad-der"),
                      QStringLiteral("the input is neither PEM nor a DER certificate or PKCS#7 bundle "
                                     "(it may be truncated)"));
}

} // namespace

Result<QList<Certificate>> parseCertificates(const QByteArray &data)
{
    if (data.isEmpty())
        return inputError(QStringLiteral("crypto.empty-input"), QStringLiteral("the input is empty"));
    if (data.size() > kMaxPkiInputBytes)
        return inputError(QStringLiteral("crypto.too-large"),
                          QStringLiteral("the input is %1 bytes; at most %2 are accepted")
                              .arg(data.size())
                              .arg(kMaxPkiInputBytes));
    Result<QList<Certificate>> parsed = data.contains("-----BEGIN ") ? parsePem(data) : parseDer(data);
    if (parsed && parsed.value().size() > kMaxCertificatesPerInput)
        return inputError(QStringLiteral("crypto.too-many"),
                          QStringLiteral("the input holds more than %1 certificates").arg(kMaxCertificatesPerInput));
    return parsed;
}

Result<Pkcs12Contents> readPkcs12(const QByteArray &data, const Secret &password)
{
    if (data.size() > kMaxPkiInputBytes)
        return inputError(QStringLiteral("crypto.too-large"), QStringLiteral("the PKCS#12 file is too large"));
    const auto *p = reinterpret_cast<const unsigned char *>(data.constData());
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
    if (!p12) {
        takeOpenSslErrors();
        return inputError(QStringLiteral("crypto.bad-pkcs12"),
                          QStringLiteral("not a PKCS#12 file (or it is truncated)"));
    }
    if (PKCS12_mac_present(p12.get())) {
        const ASN1_INTEGER *iterations = nullptr;
        PKCS12_get0_mac(nullptr, nullptr, nullptr, &iterations, p12.get());
        const long count = iterations ? ASN1_INTEGER_get(iterations) : 1;
        if (count < 1 || count > kMaxPkcs12MacIterations)
            return inputError(QStringLiteral("crypto.kdf-iterations"),
                              QStringLiteral("the PKCS#12 MAC iteration count %1 is out of range").arg(count));
        if (PKCS12_verify_mac(p12.get(), password.data(), static_cast<int>(password.size())) != 1) {
            takeOpenSslErrors();
            return inputError(QStringLiteral("crypto.wrong-password"),
                              QStringLiteral("the PKCS#12 password is wrong (or the file was altered)"));
        }
    }
    EVP_PKEY *pkey = nullptr;
    X509 *cert = nullptr;
    STACK_OF(X509) *ca = nullptr;
    if (PKCS12_parse(p12.get(), password.data(), &pkey, &cert, &ca) != 1) {
        takeOpenSslErrors();
        return inputError(QStringLiteral("crypto.wrong-password"),
                          QStringLiteral("the PKCS#12 file cannot be decrypted with this password"));
    }
    X509StackPtr chain(ca);
    Pkcs12Contents contents{Key(PKeyPtr(pkey)), Certificate(X509Ptr(cert)), {}};
    for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i) {
        X509 *x509 = sk_X509_value(chain.get(), i);
        X509_up_ref(x509);
        contents.chain << Certificate(X509Ptr(x509));
    }
    if (contents.key.isNull() || contents.certificate.isNull())
        return inputError(QStringLiteral("crypto.incomplete-pkcs12"),
                          QStringLiteral("the PKCS#12 file must hold a private key and its certificate"));
    if (!contents.certificate.publicKey().samePublicKey(contents.key))
        return inputError(QStringLiteral("crypto.key-mismatch"),
                          QStringLiteral("the PKCS#12 private key does not belong to its certificate"));
    return contents;
}

Result<QByteArray> writePkcs12(const Key &key, const Certificate &certificate,
                               const QList<Certificate> &chain, const Secret &password,
                               const QString &friendlyName)
{
    if (password.isEmpty())
        return inputError(QStringLiteral("crypto.empty-passphrase"), QStringLiteral("the PKCS#12 password is empty"));
    X509StackPtr ca(sk_X509_new_null());
    for (const Certificate &cert : chain) {
        X509_up_ref(cert.get());
        sk_X509_push(ca.get(), cert.get());
    }
    const QByteArray name = friendlyName.toUtf8();
    // Copy the password into a NUL-terminated buffer that is wiped afterwards.
    Secret terminated(password.bytes() + QByteArray(1, '\0'));
    Pkcs12Ptr p12(PKCS12_create_ex(terminated.data(), name.constData(), key.get(), certificate.get(),
                                   ca.get(), NID_aes_256_cbc, NID_aes_256_cbc, 100000, 100000, 0,
                                   nullptr, nullptr));
    if (!p12)
        return inputError(QStringLiteral("crypto.pkcs12"), takeOpenSslErrors());
    unsigned char *der = nullptr;
    const int length = i2d_PKCS12(p12.get(), &der);
    if (length <= 0)
        return inputError(QStringLiteral("crypto.pkcs12"), takeOpenSslErrors());
    return takeDer(der, length);
}

QByteArray writePem(const QList<Certificate> &certificates)
{
    QByteArray pem;
    for (const Certificate &cert : certificates)
        pem += cert.pem();
    return pem;
}

Result<QByteArray> writePkcs7(const QList<Certificate> &certificates)
{
    Pkcs7Ptr p7(PKCS7_new());
    if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 ||
        PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1)
        return inputError(QStringLiteral("crypto.pkcs7"), takeOpenSslErrors());
    for (const Certificate &cert : certificates) {
        if (PKCS7_add_certificate(p7.get(), cert.get()) != 1)
            return inputError(QStringLiteral("crypto.pkcs7"), takeOpenSslErrors());
    }
    unsigned char *der = nullptr;
    const int length = i2d_PKCS7(p7.get(), &der);
    if (length <= 0)
        return inputError(QStringLiteral("crypto.pkcs7"), takeOpenSslErrors());
    return takeDer(der, length);
}

} // namespace teep::crypto
