#include "crypto/symmetric.h"

#include "crypto/openssl.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace teep::crypto {

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, '\0');
    if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), count) != 1) {
        takeOpenSslErrors();
        return {};
    }
    return bytes;
}

Result<QByteArray> aesCbc(const QByteArray &key, const QByteArray &iv, const QByteArray &input,
                          bool encrypt)
{
    const Error failed{QStringLiteral("crypto.aes-cbc"), QStringLiteral("AES-CBC failed")};
    const EVP_CIPHER *cipher = key.size() == 16   ? EVP_aes_128_cbc()
                               : key.size() == 32 ? EVP_aes_256_cbc()
                                                  : nullptr;
    if (!cipher || iv.size() != 16 || input.size() > (1 << 30))
        return failed;
    std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>> context(
        EVP_CIPHER_CTX_new());
    QByteArray out(input.size() + 16, '\0');
    int written = 0;
    int final = 0;
    if (!context ||
        EVP_CipherInit_ex(context.get(), cipher, nullptr,
                          reinterpret_cast<const unsigned char *>(key.constData()),
                          reinterpret_cast<const unsigned char *>(iv.constData()),
                          encrypt ? 1 : 0) != 1 ||
        EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char *>(out.data()), &written,
                         reinterpret_cast<const unsigned char *>(input.constData()),
                         int(input.size())) != 1 ||
        EVP_CipherFinal_ex(context.get(), reinterpret_cast<unsigned char *>(out.data()) + written,
                           &final) != 1) {
        takeOpenSslErrors();
        return failed;
    }
    out.resize(written + final);
    return out;
}

} // namespace teep::crypto
