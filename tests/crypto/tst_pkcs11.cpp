// Keys in a PKCS#11 token (a throw-away SoftHSM2 token in a temporary folder): a key imported into
// the token signs through it, and the signature verifies with its public key; its private part cannot
// be read out; a wrong PIN, a missing token, a missing key and a PIN in the URI are refused with
// what is wrong.
#include "crypto/pkcs11key.h"
#include "crypto/pkcs8.h"
#include "crypto/signature.h"
#include "softhsm.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTest>

#include <openssl/core_names.h>
#include <openssl/evp.h>

using teep::crypto::Key;
using teep::crypto::Secret;

namespace {
const QString kModule = QString::fromLatin1(teep::test::SoftHsm::kModule);
}

class TestPkcs11 : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!teep::test::SoftHsm::available())
            QSKIP("SoftHSM2 (installed by installers/install-deps.sh) is not here");
        const QString failed = m_token.init(QStringLiteral("teep test"), QStringLiteral("4711"));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    void aKeyInTheTokenSignsAndStaysThere()
    {
        const QString uri = QStringLiteral("pkcs11:token=teep%20test;object=tam-2026;id=%01?module-path=") + kModule;
        const auto outside = Key::generate(teep::crypto::KeyAlgorithm::P256);
        QVERIFY(outside.ok());
        const auto pkcs8 = teep::crypto::plainPrivateKey(outside.value());
        QVERIFY(pkcs8.ok());
        const QString imported = m_token.importKey(pkcs8.value().bytes(), QStringLiteral("tam-2026"), QStringLiteral("01"), QStringLiteral("4711"));
        QVERIFY2(imported.isEmpty(), qPrintable(imported));

        const auto inToken = teep::crypto::loadPkcs11Key(uri, Secret(QByteArrayLiteral("4711")));
        QVERIFY2(inToken.ok(), qPrintable(inToken.ok() ? QString() : inToken.error().toString()));
        QVERIFY(inToken.value().isInToken());
        QVERIFY(inToken.value().hasPrivateKey());
        QVERIFY(inToken.value().samePublicKey(outside.value()));
        const QByteArray message = QByteArrayLiteral("a TEEP Update to sign");
        const auto signature = teep::crypto::signRaw(inToken.value(), teep::crypto::SignatureScheme::EcdsaP256Sha256, message);
        QVERIFY2(signature.ok(), qPrintable(signature.ok() ? QString() : signature.error().toString()));
        QCOMPARE(signature.value().size(), 64); // r || s
        QVERIFY(teep::crypto::verifyRaw(outside.value(), teep::crypto::SignatureScheme::EcdsaP256Sha256, message, signature.value()).ok());
        QVERIFY(!teep::crypto::verifyRaw(outside.value(), teep::crypto::SignatureScheme::EcdsaP256Sha256, message + "!", signature.value()).ok());

        // The private scalar cannot be read from the token's key (libp11 may show a stand-in).
        BIGNUM *real = nullptr;
        QVERIFY(EVP_PKEY_get_bn_param(outside.value().get(), OSSL_PKEY_PARAM_PRIV_KEY, &real) == 1);
        QByteArray scalar(32, '\0');
        BN_bn2binpad(real, reinterpret_cast<unsigned char *>(scalar.data()), 32);
        BN_clear_free(real);
        unsigned char *der = nullptr;
        const int length = i2d_PrivateKey(inToken.value().get(), &der);
        QVERIFY(length <= 0 || !QByteArray(reinterpret_cast<const char *>(der), length).contains(scalar));
        OPENSSL_free(der);
        BIGNUM *shown = nullptr;
        if (EVP_PKEY_get_bn_param(inToken.value().get(), OSSL_PKEY_PARAM_PRIV_KEY, &shown) == 1) {
            QByteArray standIn(32, '\0');
            BN_bn2binpad(shown, reinterpret_cast<unsigned char *>(standIn.data()), 32);
            QVERIFY(standIn != scalar);
        }
        BN_clear_free(shown);

        // By id alone, too.
        QVERIFY(teep::crypto::loadPkcs11Key(QStringLiteral("pkcs11:token=teep%20test;id=%01?module-path=") + kModule, Secret(QByteArrayLiteral("4711"))).ok());
    }

    void refusalsSayWhatIsWrong_data()
    {
        QTest::addColumn<QString>("uri");
        QTest::addColumn<QByteArray>("pin");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("says");
        const QString module = QStringLiteral("?module-path=") + kModule;
        QTest::newRow("wrong PIN") << "pkcs11:token=teep%20test;object=tam-2026" + module << QByteArray("0000") << "crypto.pkcs11-login"
                                   << "refused the PIN";
        QTest::newRow("missing token") << "pkcs11:token=not%20here;object=tam-2026" + module << QByteArray("4711") << "crypto.pkcs11-token"
                                       << "no token labelled 'not here'";
        QTest::newRow("missing key") << "pkcs11:token=teep%20test;object=sp-acme" + module << QByteArray("4711") << "crypto.pkcs11-key"
                                     << "no private key labelled 'sp-acme'";
        QTest::newRow("PIN in the URI") << "pkcs11:token=teep%20test;object=tam-2026;pin-value=4711" + module << QByteArray("4711") << "crypto.pkcs11-uri"
                                        << "never part of the URI";
        QTest::newRow("no module") << QStringLiteral("pkcs11:token=teep%20test;object=tam-2026") << QByteArray("4711") << "crypto.pkcs11-uri"
                                   << "module-path";
        QTest::newRow("module that is not one") << QStringLiteral("pkcs11:object=tam-2026?module-path=/nonexistent/module.so") << QByteArray("4711")
                                                << "crypto.pkcs11-module" << "does not load";
        QTest::newRow("no key named") << "pkcs11:token=teep%20test" + module << QByteArray("4711") << "crypto.pkcs11-uri" << "names no key";
    }
    void refusalsSayWhatIsWrong()
    {
        QFETCH(QString, uri);
        QFETCH(QByteArray, pin);
        QFETCH(QString, code);
        QFETCH(QString, says);
        qunsetenv("TEEP_PKCS11_MODULE");
        const auto loaded = teep::crypto::loadPkcs11Key(uri, Secret(pin));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, code);
        QVERIFY2(loaded.error().message.contains(says), qPrintable(loaded.error().message));
        QVERIFY(!loaded.error().message.contains(QString::fromLatin1(pin)) || code == QLatin1String("crypto.pkcs11-uri"));
    }

private:
    teep::test::SoftHsm m_token;
};

QTEST_GUILESS_MAIN(TestPkcs11)
#include "tst_pkcs11.moc"
