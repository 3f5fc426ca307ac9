#include "crypto/pkcs8.h"

#include <openssl/pem.h>
#include <openssl/rand.h>

namespace teep::crypto {

namespace {

constexpr qsizetype kMaxKeyInput = 256 * 1024;

Error keyError(const QString &code, const QString &message)
{
    return Error{code, message};
}

// Reads the PBES2/PBKDF2 parameters and refuses anything we would not write ourselves in kind:
// this runs before any key derivation, so a hostile iteration count costs nothing.
Status checkPbes2Parameters(const X509_SIG *sig)
{
    const X509_ALGOR *algorithm = nullptr;
    X509_SIG_get0(sig, &algorithm, nullptr);
    if (OBJ_obj2nid(algorithm->algorithm) != NID_pbes2)
        return keyError(QStringLiteral("crypto.weak-key-encryption"),
                        QStringLiteral("the key is encrypted with a legacy scheme (%1); only PBES2 "
                                       "is accepted")
                            .arg(QString::fromLatin1(OBJ_nid2sn(OBJ_obj2nid(algorithm->algorithm)))));
    const Pbe2ParamPtr pbe2(static_cast<PBE2PARAM *>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), algorithm->parameter)));
    if (!pbe2)
        return keyError(QStringLiteral("crypto.bad-key-encryption"),
                        QStringLiteral("the PBES2 parameters cannot be read"));
    Status status;
    if (OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2) {
        status = keyError(QStringLiteral("crypto.unsupported-kdf"),
                          QStringLiteral("the key derivation %1 is not supported (PBKDF2 is)")
                              .arg(QString::fromLatin1(OBJ_nid2sn(OBJ_obj2nid(pbe2->keyfunc->algorithm)))));
    } else if (const Pbkdf2ParamPtr kdf(static_cast<PBKDF2PARAM *>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
               kdf) {
        const long iterations = ASN1_INTEGER_get(kdf->iter);
        if (iterations < kPbkdf2MinIterations || iterations > kPbkdf2MaxIterations)
            status = keyError(QStringLiteral("crypto.kdf-iterations"),
                              QStringLiteral("PBKDF2 iteration count %1 is outside %2..%3")
                                  .arg(iterations)
                                  .arg(kPbkdf2MinIterations)
                                  .arg(kPbkdf2MaxIterations));
    } else {
        status = keyError(QStringLiteral("crypto.bad-key-encryption"),
                          QStringLiteral("the PBKDF2 parameters cannot be read"));
    }
    return status;
}

} // namespace

Result<QByteArray> encryptPrivateKey(const Key &key, const Secret &passphrase, int iterations)
{
    if (!key.hasPrivateKey())
        return keyError(QStringLiteral("crypto.no-private-key"), QStringLiteral("the key has no private part"));
    if (passphrase.isEmpty())
        return keyError(QStringLiteral("crypto.empty-passphrase"), QStringLiteral("the passphrase is empty"));
    P8InfoPtr info(EVP_PKEY2PKCS8(key.get()));
    unsigned char salt[16];
    if (!info || RAND_bytes(salt, sizeof salt) != 1)
        return keyError(QStringLiteral("crypto.pkcs8"), takeOpenSslErrors());
    // A null IV lets OpenSSL draw a random one.
    X509AlgorPtr pbe(PKCS5_pbe2_set_iv_ex(EVP_aes_256_cbc(), iterations, salt, sizeof salt, nullptr,
                                          NID_hmacWithSHA256, nullptr));
    if (!pbe)
        return keyError(QStringLiteral("crypto.pkcs8"), takeOpenSslErrors());
    X509SigPtr sig(PKCS8_set0_pbe_ex(passphrase.data(), static_cast<int>(passphrase.size()),
                                     info.get(), pbe.get(), nullptr, nullptr));
    if (!sig)
        return keyError(QStringLiteral("crypto.pkcs8"), takeOpenSslErrors());
    pbe.release(); // owned by sig now
    unsigned char *der = nullptr;
    const int length = i2d_X509_SIG(sig.get(), &der);
    if (length <= 0)
        return keyError(QStringLiteral("crypto.pkcs8"), takeOpenSslErrors());
    return takeDer(der, length);
}

Result<Key> decryptPrivateKey(const QByteArray &encryptedDer, const Secret &passphrase)
{
    if (encryptedDer.size() > kMaxKeyInput)
        return keyError(QStringLiteral("crypto.too-large"), QStringLiteral("the encrypted key is too large"));
    const auto *p = reinterpret_cast<const unsigned char *>(encryptedDer.constData());
    X509SigPtr sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(encryptedDer.size())));
    if (!sig)
        return keyError(QStringLiteral("crypto.bad-encrypted-key"),
                        QStringLiteral("not a PKCS#8 EncryptedPrivateKeyInfo: %1").arg(takeOpenSslErrors()));
    if (const Status parameters = checkPbes2Parameters(sig.get()); !parameters)
        return parameters.error();
    P8InfoPtr info(PKCS8_decrypt_ex(sig.get(), passphrase.data(), static_cast<int>(passphrase.size()),
                                    nullptr, nullptr));
    if (!info) {
        takeOpenSslErrors();
        return keyError(QStringLiteral("crypto.wrong-passphrase"),
                        QStringLiteral("the passphrase is wrong or the key is damaged"));
    }
    PKeyPtr pkey(EVP_PKCS82PKEY(info.get()));
    if (!pkey)
        return keyError(QStringLiteral("crypto.bad-private-key"), takeOpenSslErrors());
    return Key(std::move(pkey));
}

Result<Secret> plainPrivateKey(const Key &key)
{
    if (!key.hasPrivateKey())
        return keyError(QStringLiteral("crypto.no-private-key"), QStringLiteral("the key has no private part"));
    P8InfoPtr info(EVP_PKEY2PKCS8(key.get()));
    unsigned char *der = nullptr;
    const int length = info ? i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der) : -1;
    const OpenSslSecretMemory<unsigned char> owned(der, OpenSslClearFree{length > 0 ? static_cast<size_t>(length) : 0});
    if (length <= 0)
        return keyError(QStringLiteral("crypto.pkcs8"), takeOpenSslErrors());
    return Secret(QByteArray(reinterpret_cast<const char *>(der), length));
}

Result<Key> readPlainPrivateKey(const QByteArray &der)
{
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    P8InfoPtr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    PKeyPtr pkey(info ? EVP_PKCS82PKEY(info.get()) : nullptr);
    if (!pkey)
        return keyError(QStringLiteral("crypto.bad-private-key"),
                        QStringLiteral("not an unencrypted PKCS#8 private key: %1").arg(takeOpenSslErrors()));
    return Key(std::move(pkey));
}

Result<Key> readPrivateKeyPem(const QByteArray &pem, const Secret &passphrase)
{
    if (pem.size() > kMaxKeyInput)
        return keyError(QStringLiteral("crypto.too-large"), QStringLiteral("the key file is too large"));
    // Encrypted PKCS#8 goes through our bounded reader (iteration limits).
    if (const QByteArray der = pemDecode(pem, "ENCRYPTED PRIVATE KEY"); !der.isEmpty()) {
        if (passphrase.isEmpty())
            return keyError(QStringLiteral("crypto.passphrase-required"),
                            QStringLiteral("the private key is encrypted; a passphrase is required"));
        return decryptPrivateKey(der, passphrase);
    }
    BioPtr bio = memoryBio(pem);
    // Traditional encrypted PEM ("Proc-Type: 4,ENCRYPTED") asks through the callback.
    auto callback = [](char *buffer, int size, int, void *user) -> int {
        const auto *secret = static_cast<const Secret *>(user);
        const int length = static_cast<int>(std::min<qsizetype>(secret->size(), size));
        memcpy(buffer, secret->data(), static_cast<size_t>(length));
        return length;
    };
    PKeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, callback, const_cast<Secret *>(&passphrase)));
    if (!pkey) {
        const QString reason = takeOpenSslErrors();
        if (pem.contains("ENCRYPTED"))
            return keyError(QStringLiteral("crypto.wrong-passphrase"),
                            QStringLiteral("the passphrase is wrong or the key is damaged"));
        return keyError(QStringLiteral("crypto.bad-private-key"),
                        QStringLiteral("no private key found in the PEM input: %1").arg(reason));
    }
    return Key(std::move(pkey));
}

QByteArray pemEncode(const QByteArray &der, const char *label)
{
    BioPtr bio = newMemoryBio();
    PEM_write_bio(bio.get(), label, "", reinterpret_cast<const unsigned char *>(der.constData()),
                  static_cast<long>(der.size()));
    return bioContents(bio.get());
}

QByteArray pemDecode(const QByteArray &pem, const char *label)
{
    BioPtr bio = memoryBio(pem);
    char *name = nullptr;
    char *header = nullptr;
    unsigned char *data = nullptr;
    long length = 0;
    QByteArray result;
    while (PEM_read_bio(bio.get(), &name, &header, &data, &length) == 1) {
        const OpenSslMemory<char> ownedName(name), ownedHeader(header);
        const OpenSslSecretMemory<unsigned char> ownedData(data, OpenSslClearFree{static_cast<size_t>(length)});
        if (qstrcmp(name, label) == 0) {
            result = QByteArray(reinterpret_cast<const char *>(data), length);
            break;
        }
    }
    takeOpenSslErrors(); // "no start line" at the end of input is expected
    return result;
}

} // namespace teep::crypto
