// Signatures per second with the TAM's key in a file (in memory, OpenSSL) and in a PKCS#11 token
// (SoftHSM2, through libp11), ES256 over a typical TEEP Update's to-be-signed bytes. Prints
// figures and their ratio; asserts nothing (see README). Skips the token when SoftHSM2 is absent.
#include "crypto/pkcs11key.h"
#include "crypto/pkcs8.h"
#include "crypto/signature.h"
#include "softhsm.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>
#include <functional>

using namespace teep;

namespace {
double signaturesPerSecond(const crypto::Key &key, qint64 budgetMs)
{
    const QByteArray message(600, 'u');
    QElapsedTimer timer;
    qint64 made = 0;
    timer.start();
    while (timer.elapsed() < budgetMs) {
        if (!crypto::signRaw(key, crypto::SignatureScheme::EcdsaP256Sha256, message))
            return -1;
        ++made;
    }
    return double(made) * 1000.0 / double(timer.elapsed());
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const qint64 budgetMs = argc > 1 ? qMax(50, atoi(argv[1])) : 1000;
    const auto file = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!file)
        return 1;
    const double fileRate = signaturesPerSecond(file.value(), budgetMs);
    std::printf("ES256 signatures/s, key in memory (file key):  %10.0f\n", fileRate);
    if (!test::SoftHsm::available()) {
        std::printf("ES256 signatures/s, key in a PKCS#11 token:    (SoftHSM2 not installed)\n");
        return 0;
    }
    test::SoftHsm token;
    if (const QString failed = token.init(QStringLiteral("bench"), QStringLiteral("4711")); !failed.isEmpty()) {
        std::printf("SoftHSM2 token not made: %s\n", qPrintable(failed));
        return 1;
    }
    const QString uri = token.uri(QStringLiteral("tam"));
    const auto pkcs8 = crypto::plainPrivateKey(file.value());
    if (!pkcs8 || !token.importKey(pkcs8.value().bytes(), QStringLiteral("tam"), QStringLiteral("01"), QStringLiteral("4711")).isEmpty())
        return 1;
    const auto inToken = crypto::loadPkcs11Key(uri, crypto::Secret(QByteArrayLiteral("4711")));
    if (!inToken)
        return 1;
    const double tokenRate = signaturesPerSecond(inToken.value(), budgetMs);
    std::printf("ES256 signatures/s, key in a PKCS#11 token:    %10.0f  (SoftHSM2 via libp11)\n", tokenRate);
    std::printf("token / file:                                  %10.2f\n", tokenRate / fileRate);
    return 0;
}
