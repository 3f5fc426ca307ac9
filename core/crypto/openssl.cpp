#include "crypto/openssl.h"

#include <openssl/err.h>
#include <openssl/sha.h>

#include <QStringList>

namespace teep::crypto {

QString takeOpenSslErrors()
{
    QStringList parts;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        const char *reason = ERR_reason_error_string(code);
        parts << QString::fromLatin1(reason ? reason : buffer);
    }
    parts.removeDuplicates();
    return parts.join(QStringLiteral("; "));
}

BioPtr memoryBio(const QByteArray &data)
{
    return BioPtr(BIO_new_mem_buf(data.constData(), static_cast<int>(data.size())));
}

BioPtr newMemoryBio()
{
    return BioPtr(BIO_new(BIO_s_mem()));
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, size);
}

QByteArray sha256(const QByteArray &data)
{
    QByteArray digest(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_Digest(data.constData(), static_cast<size_t>(data.size()),
               reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_sha256(), nullptr);
    return digest;
}

QByteArray sha384(const QByteArray &data)
{
    QByteArray digest(SHA384_DIGEST_LENGTH, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_Digest(data.constData(), static_cast<size_t>(data.size()),
               reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_sha384(), nullptr);
    return digest;
}

} // namespace teep::crypto
