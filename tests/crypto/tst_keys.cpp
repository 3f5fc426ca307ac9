// Keys and private keys at rest: generation, encrypted PKCS#8 that the openssl CLI reads, limits
// on hostile parameters.
#include "crypto/key.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "pkifixtures.h"
#include "tempdir.h"

#include <QElapsedTimer>
#include <QTest>

using namespace teep::crypto;
using teep::Result;
using teep::Status;
using teep::test::runOpenSsl;

class TestKeys : public QObject
{
    Q_OBJECT

private slots:
    void generatesEveryAlgorithm_data();
    void generatesEveryAlgorithm();
    void algorithmNamesRoundTrip();
    void publicKeyImportRefusesGarbage();
    void encryptedPkcs8RoundTrips();
    void encryptedPkcs8IsReadableByOpenSslCli();
    void defaultParametersAreStrong();
    void wrongPassphraseIsAClearError();
    void readsKeysOpenSslWrites();
    void refusesHostileIterationCounts();
    void refusesLegacyPbes1();
    void secretIsWipedOnClear();
};

void TestKeys::generatesEveryAlgorithm_data()
{
    QTest::addColumn<KeyAlgorithm>("algorithm");
    QTest::addColumn<QString>("description");
    QTest::addColumn<int>("bits");
    QTest::newRow("p256") << KeyAlgorithm::P256 << QStringLiteral("EC P-256") << 256;
    QTest::newRow("ed25519") << KeyAlgorithm::Ed25519 << QStringLiteral("Ed25519") << 256;
    QTest::newRow("rsa2048") << KeyAlgorithm::Rsa2048 << QStringLiteral("RSA 2048") << 2048;
    QTest::newRow("rsa3072") << KeyAlgorithm::Rsa3072 << QStringLiteral("RSA 3072") << 3072;
}

void TestKeys::generatesEveryAlgorithm()
{
    QFETCH(KeyAlgorithm, algorithm);
    QFETCH(QString, description);
    QFETCH(int, bits);
    const Result<Key> key = Key::generate(algorithm);
    QVERIFY(key.ok());
    QVERIFY(key.value().hasPrivateKey());
    QCOMPARE(key.value().description(), description);
    QCOMPARE(key.value().bits(), bits);

    const Result<Key> publicOnly = Key::fromPublicKey(key.value().publicKeyPem());
    QVERIFY(publicOnly.ok());
    QVERIFY(!publicOnly.value().hasPrivateKey());
    QVERIFY(publicOnly.value().samePublicKey(key.value()));
    QCOMPARE(Key::fromPublicKey(key.value().publicKeyDer()).value().publicKeyDer(), key.value().publicKeyDer());
}

void TestKeys::algorithmNamesRoundTrip()
{
    for (KeyAlgorithm algorithm : {KeyAlgorithm::P256, KeyAlgorithm::Ed25519, KeyAlgorithm::Rsa2048, KeyAlgorithm::Rsa3072})
        QCOMPARE(keyAlgorithmFromName(keyAlgorithmName(algorithm)).value(), algorithm);
    const Result<KeyAlgorithm> unknown = keyAlgorithmFromName(QStringLiteral("dsa1024"));
    QVERIFY(!unknown.ok());
    QVERIFY(unknown.error().message.contains(QStringLiteral("dsa1024")));
}

void TestKeys::publicKeyImportRefusesGarbage()
{
    QCOMPARE(Key::fromPublicKey("not a key").error().code, QStringLiteral("crypto.bad-public-key"));
    const QByteArray der = Key::generate(KeyAlgorithm::P256).value().publicKeyDer();
    QCOMPARE(Key::fromPublicKey(der.left(der.size() - 5)).error().code, QStringLiteral("crypto.bad-public-key"));
    QCOMPARE(Key::fromPublicKey(der + "xx").error().code, QStringLiteral("crypto.trailing-data"));
    QCOMPARE(Key::fromPublicKey(QByteArray(100000, 'A')).error().code, QStringLiteral("crypto.too-large"));

    // EC keys in the usual SPKI form are read from their point (OpenSSL 3.0's decoder is slow):
    // the same key and encoding as OpenSSL's own, and a point off the curve is still refused.
    const Key p384{PKeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"))};
    for (const Key &key : {Key::generate(KeyAlgorithm::P256).value(), p384}) {
        QByteArray spki = key.publicKeyDer();
        const Key read = Key::fromPublicKey(spki).value();
        QVERIFY(read.samePublicKey(key));
        QCOMPARE(read.publicKeyDer().toHex(), spki.toHex());
        QCOMPARE(read.description(), key.description());
        spki[spki.size() - 1] = static_cast<char>(spki.at(spki.size() - 1) ^ 0x01);
        QCOMPARE(Key::fromPublicKey(spki).error().code, QStringLiteral("crypto.bad-public-key"));
    }
}

void TestKeys::encryptedPkcs8RoundTrips()
{
    for (KeyAlgorithm algorithm : {KeyAlgorithm::P256, KeyAlgorithm::Ed25519, KeyAlgorithm::Rsa2048}) {
        const Key key = Key::generate(algorithm).value();
        const Result<QByteArray> encrypted = encryptPrivateKey(key, Secret("correct horse"), 2000);
        QVERIFY(encrypted.ok());
        const Result<Key> decrypted = decryptPrivateKey(encrypted.value(), Secret("correct horse"));
        QVERIFY(decrypted.ok());
        QVERIFY(decrypted.value().hasPrivateKey());
        QVERIFY(decrypted.value().samePublicKey(key));
    }
}

void TestKeys::encryptedPkcs8IsReadableByOpenSslCli()
{
    teep::test::TempDir dir;
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const QByteArray der = encryptPrivateKey(key, Secret("s3cret pass"), 2000).value();
    const QString path = dir.path(QStringLiteral("key.pem"));
    teep::test::writeAll(path, pemEncode(der, "ENCRYPTED PRIVATE KEY"));

    const auto out = runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path, QStringLiteral("-passin"),
                                 QStringLiteral("pass:s3cret pass"), QStringLiteral("-pubout")});
    QCOMPARE(out.exitCode, 0);
    QCOMPARE(out.out, key.publicKeyPem());
    const auto wrong = runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path, QStringLiteral("-passin"),
                                   QStringLiteral("pass:nope"), QStringLiteral("-noout")});
    QVERIFY(wrong.exitCode != 0);

    // The structure openssl reports: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC.
    const auto parsed = runOpenSsl({QStringLiteral("asn1parse"), QStringLiteral("-inform"), QStringLiteral("PEM"),
                                    QStringLiteral("-in"), path});
    QVERIFY(parsed.out.contains("PBES2"));
    QVERIFY(parsed.out.contains("PBKDF2"));
    QVERIFY(parsed.out.contains("hmacWithSHA256"));
    QVERIFY(parsed.out.contains("aes-256-cbc"));
}

void TestKeys::defaultParametersAreStrong()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const QByteArray der = encryptPrivateKey(key, Secret("pass")).value();
    const auto parsed = runOpenSsl({QStringLiteral("asn1parse"), QStringLiteral("-inform"), QStringLiteral("DER")}, der);
    // 600000 = 0x927C0
    QVERIFY2(parsed.out.contains(":0927C0"), parsed.out.constData());
}

void TestKeys::wrongPassphraseIsAClearError()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const QByteArray der = encryptPrivateKey(key, Secret("right"), 2000).value();
    const Result<Key> wrong = decryptPrivateKey(der, Secret("wrong"));
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.error().code, QStringLiteral("crypto.wrong-passphrase"));
    QCOMPARE(decryptPrivateKey(der.left(40), Secret("right")).error().code, QStringLiteral("crypto.bad-encrypted-key"));
    QCOMPARE(encryptPrivateKey(key, Secret()).error().code, QStringLiteral("crypto.empty-passphrase"));
}

void TestKeys::readsKeysOpenSslWrites()
{
    const auto generated = runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
                                       QStringLiteral("-aes-256-cbc"), QStringLiteral("-pass"), QStringLiteral("pass:abc12345")});
    QCOMPARE(generated.exitCode, 0);
    const Result<Key> key = readPrivateKeyPem(generated.out, Secret("abc12345"));
    QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
    QCOMPARE(key.value().description(), QStringLiteral("EC P-256"));
    QCOMPARE(readPrivateKeyPem(generated.out, Secret()).error().code, QStringLiteral("crypto.passphrase-required"));

    const auto plain = runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ED25519")});
    QVERIFY(readPrivateKeyPem(plain.out, Secret()).ok());
    QCOMPARE(readPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", Secret()).error().code,
             QStringLiteral("crypto.bad-private-key"));
}

void TestKeys::refusesHostileIterationCounts()
{
    // A key encrypted with 20 million iterations would take many seconds to try; it is refused
    // before any derivation.
    teep::test::TempDir dir;
    const auto plain = runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ED25519")});
    const auto hostile = runOpenSsl({QStringLiteral("pkcs8"), QStringLiteral("-topk8"), QStringLiteral("-v2"),
                                     QStringLiteral("aes-256-cbc"), QStringLiteral("-iter"), QStringLiteral("20000000"),
                                     QStringLiteral("-passout"), QStringLiteral("pass:x"), QStringLiteral("-outform"),
                                     QStringLiteral("DER")},
                                    plain.out);
    QCOMPARE(hostile.exitCode, 0);
    QElapsedTimer timer;
    timer.start();
    const Result<Key> refused = decryptPrivateKey(hostile.out, Secret("x"));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("crypto.kdf-iterations"));
    QVERIFY(refused.error().message.contains(QStringLiteral("20000000")));
    QVERIFY(timer.elapsed() < 1000);
}

void TestKeys::refusesLegacyPbes1()
{
    const auto plain = runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ED25519")});
    const auto legacy = runOpenSsl({QStringLiteral("pkcs8"), QStringLiteral("-topk8"), QStringLiteral("-v1"),
                                    QStringLiteral("PBE-SHA1-3DES"), QStringLiteral("-passout"), QStringLiteral("pass:x"),
                                    QStringLiteral("-outform"), QStringLiteral("DER")},
                                   plain.out);
    QCOMPARE(legacy.exitCode, 0);
    QCOMPARE(decryptPrivateKey(legacy.out, Secret("x")).error().code, QStringLiteral("crypto.weak-key-encryption"));
}

void TestKeys::secretIsWipedOnClear()
{
    Secret secret(QByteArray("hunter2-hunter2"));
    const char *data = secret.data();
    const qsizetype size = secret.size();
    QByteArray seen(data, size);
    QCOMPARE(seen, QByteArray("hunter2-hunter2"));
    Secret moved(std::move(secret));
    QVERIFY(secret.isEmpty()); // NOLINT(bugprone-use-after-move): checks the moved-from state
    QCOMPARE(moved.bytes(), QByteArray("hunter2-hunter2"));
    moved.clear();
    QVERIFY(moved.isEmpty());
}

QTEST_GUILESS_MAIN(TestKeys)
#include "tst_keys.moc"
