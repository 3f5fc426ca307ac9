// The TAM's key in a PKCS#11 token (a throw-away SoftHSM2 token): a TEEP and an OTrP provisioning
// run signed by it (OTrP's ECDH derived in the token), verified by the simulated devices; the key store keeps only where the key is
// (its URI and public key), never the key; without the PIN, with a wrong one or with another
// token's key under the same URI, loading it is refused with what is wrong; so is a key the token
// may not sign with. A token unplugged mid-session fails that session and records nothing of it;
// a rollover moves the TAM to a key made in the token.
#include "crypto/pkcs11key.h"
#include "crypto/pkcs8.h"
#include "softhsm.h"
#include "store/keystore.h"
#include "sim/demomaterial.h"
#include "sim/teepagent.h"
#include "tam/tamcredentials.h"
#include "tam/tamrollover.h"
#include "tam/tamservice.h"
#include "tamfixture.h"
#include "transport/tamserver.h"

#include <QDir>
#include <QDirIterator>
#include <QSqlError>
#include <QSqlQuery>
#include <QFile>
#include <QTest>

#include <openssl/core_names.h>
#include <openssl/evp.h>

using namespace teep;

namespace {
const QByteArray kPin = QByteArrayLiteral("4711");
}

class TestTokenKeys : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        if (!test::SoftHsm::available())
            QSKIP("SoftHSM2 (installed by installers/install-deps.sh) is not here");
        const QString failed = m_token.init(QStringLiteral("tam hsm"), QString::fromLatin1(kPin));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        m_tam = std::make_unique<test::TamFixture>();
        const Status ready = m_tam->setUp();
        QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    }
    void cleanup() { m_tam.reset(); }

    void provisioningSignedByTheTokenKey()
    {
        // The demo TAM's key goes into the token; the TAM then signs with the token's key only.
        auto credentials = tam::loadActiveTam(m_tam->db->connection(), *m_tam->keys);
        QVERIFY(credentials.ok());
        const QString uri = m_token.uri(QStringLiteral("tam"));
        putIntoToken(credentials.value().key, QStringLiteral("tam"), QStringLiteral("01"));
        const auto inToken = crypto::loadPkcs11Key(uri, crypto::Secret(kPin));
        QVERIFY2(inToken.ok(), qPrintable(inToken.ok() ? QString() : inToken.error().toString()));
        QVERIFY(inToken.value().isInToken());
        credentials.value().key = inToken.value();
        QVERIFY(m_tam->restartTam(credentials.value()).ok());

        for (const sim::DeviceOutcome &outcome : m_tam->runDevices({QStringLiteral("agent-1"), QStringLiteral("agent-2")}, sim::SimProfile::Teep)) {
            QVERIFY2(outcome.ok, qPrintable(outcome.detail));
            QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
        }
        // OTrP devices encrypt to the TAM's key (ECDH-ES), derived in the token: this key was put
        // there without CKA_DERIVE (softhsm2-util --import), and the session says so.
        const QList<sim::DeviceOutcome> otrp = m_tam->runDevices({QStringLiteral("otrp-1")}, sim::SimProfile::Otrp, {}, {QStringLiteral("primary")});
        QCOMPARE(otrp.size(), 1);
        QVERIFY(otrp.first().installed.isEmpty());
        const QString why = m_tam->scalar(QStringLiteral("SELECT outcome FROM sessions WHERE profile = 'otrp'")).toString();
        QVERIFY2(why.contains(QStringLiteral("did not derive")) && why.contains(QStringLiteral("may the key derive?")), qPrintable(why));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'completed' AND profile = 'teep'")).toInt(), 2);
    }

    void theKeyStoreKeepsOnlyWhereTheKeyIs()
    {
        const auto key = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        QVERIFY(key.ok());
        const QString uri = m_token.uri(QStringLiteral("sp-acme"), QStringLiteral("%02"));
        putIntoToken(key.value(), QStringLiteral("sp-acme"), QStringLiteral("02"));
        const auto inToken = crypto::loadPkcs11Key(uri, crypto::Secret(kPin));
        QVERIFY(inToken.ok());
        const auto id = m_tam->keys->store(inToken.value(), QStringLiteral("sp acme signer"), SystemClock::instance());
        QVERIFY2(id.ok(), qPrintable(id.ok() ? QString() : id.error().toString()));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT LENGTH(pkcs8) FROM private_keys WHERE id = %1").arg(id.value())).toInt(), 0);
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT token_uri FROM private_keys WHERE id = %1").arg(id.value())).toString(), uri);

        store::KeyStore fresh(m_tam->db->connection());
        QCOMPARE(fresh.load(id.value()).error().code, QStringLiteral("keys.token-pin"));
        fresh.setTokenPin(crypto::Secret(QByteArrayLiteral("0000")));
        QCOMPARE(fresh.load(id.value()).error().code, QStringLiteral("crypto.pkcs11-login"));
        fresh.setTokenPin(crypto::Secret(kPin));
        const auto loaded = fresh.load(id.value());
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QVERIFY(loaded.value().samePublicKey(key.value()));
        fresh.lock(); // forgets the PIN too
        QCOMPARE(fresh.load(id.value()).error().code, QStringLiteral("keys.token-pin"));

        // Another key put under the same URI (another token in the slot) is not taken for it.
        const auto other = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        const QString swapped = m_token.uri(QStringLiteral("sp-acme-2"), QStringLiteral("%03"));
        putIntoToken(other.value(), QStringLiteral("sp-acme-2"), QStringLiteral("03"));
        QVERIFY(m_tam->db->connection().exec(QStringLiteral("UPDATE private_keys SET token_uri = '%1' WHERE id = %2").arg(swapped).arg(id.value())).lastError().type() ==
                QSqlError::NoError);
        fresh.setTokenPin(crypto::Secret(kPin));
        QCOMPARE(fresh.load(id.value()).error().code, QStringLiteral("keys.token-mismatch"));

        // The private key is nowhere in the database's files.
        BIGNUM *scalar = nullptr;
        QVERIFY(EVP_PKEY_get_bn_param(key.value().get(), OSSL_PKEY_PARAM_PRIV_KEY, &scalar) == 1);
        QByteArray secret(32, '\0');
        BN_bn2binpad(scalar, reinterpret_cast<unsigned char *>(secret.data()), 32);
        BN_clear_free(scalar);
        QDirIterator files(m_tam->dir->path(QString()), QDir::Files, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(secret), qPrintable(file.fileName()));
        }
    }

    void aKeyTheTokenMayNotSignWithIsRefused()
    {
        // Keys made inside the token by a token tool (GnuTLS's p11tool): one for signing, one for
        // decryption only (CKA_SIGN false).
        QString failed = m_token.generateKey(QStringLiteral("made-here"), QStringLiteral("11"), QString::fromLatin1(kPin));
        if (failed.contains(QStringLiteral("not installed")))
            QSKIP("p11tool (installed by installers/install-deps.sh) is not here");
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        failed = m_token.generateKey(QStringLiteral("decrypt-only"), QStringLiteral("12"), QString::fromLatin1(kPin), QStringLiteral("decrypt"));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        const auto signs = crypto::loadPkcs11Key(m_token.uri(QStringLiteral("made-here")), crypto::Secret(kPin));
        QVERIFY2(signs.ok(), qPrintable(signs.ok() ? QString() : signs.error().toString()));
        const auto refused = crypto::loadPkcs11Key(m_token.uri(QStringLiteral("decrypt-only")), crypto::Secret(kPin));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("crypto.pkcs11-no-sign"));
        QVERIFY2(refused.error().message.contains(QStringLiteral("'decrypt-only'")) && refused.error().message.contains(QStringLiteral("CKA_SIGN")),
                 qPrintable(refused.error().message));
        // What the console shows of the token, without its PIN.
        const crypto::TokenDescription token = crypto::describeToken(m_token.uri(QStringLiteral("made-here")));
        QVERIFY2(token.present, qPrintable(token.problem));
        QCOMPARE(token.label, QStringLiteral("tam hsm"));
        QCOMPARE(token.manufacturer, QStringLiteral("SoftHSM project"));
        QVERIFY(!token.serial.isEmpty());
    }

    void aTokenRemovedMidSessionFailsThatSessionOnly()
    {
        auto credentials = tam::loadActiveTam(m_tam->db->connection(), *m_tam->keys);
        QVERIFY(credentials.ok());
        putIntoToken(credentials.value().key, QStringLiteral("tam"), QStringLiteral("01"));
        const auto inToken = crypto::loadPkcs11Key(m_token.uri(QStringLiteral("tam")), crypto::Secret(kPin));
        QVERIFY(inToken.ok());
        credentials.value().key = inToken.value();
        QVERIFY(m_tam->restartTam(credentials.value()).ok());

        // The session opens (its QueryRequest signed in the token); then the token goes away.
        sim::TeepAgent agent(sim::deviceTeepIdentity(m_tam->material, QStringLiteral("agent-1"), QString(), false).value());
        const auto query = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
        QVERIFY2(query.ok(), qPrintable(query.ok() ? QString() : query.error().toString()));
        const QByteArray response = agent.process(query.value());
        QVERIFY(m_tam->service->makeDurable().ok());
        const QVariant installationsBefore = m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations"));
        const QVariant devicesBefore = m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM devices"));
        const QString removedState = m_token.tokenDir() + QStringLiteral(".unplugged");
        QVERIFY(QDir().rename(m_token.tokenDir(), removedState));

        const auto answer = m_tam->service->process(transport::Profile::Teep, response, QStringLiteral("127.0.0.1"));
        QVERIFY(m_tam->service->makeDurable().ok());
        QVERIFY(!answer.ok() || !answer.value().has_value() || answer.value()->isEmpty()); // nothing signed goes out
        const QString outcome = m_tam->scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT state FROM sessions ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("failed"));
        QVERIFY2(outcome.contains(QStringLiteral("could not be signed")) && outcome.contains(QStringLiteral("token=tam%20hsm;object=tam")) &&
                     outcome.contains(QStringLiteral("plugged in")),
                 qPrintable(outcome));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations")), installationsBefore);
        // The device's verified answer is what the failed session is recorded against; nothing of
        // what the TAM would have sent is.
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), devicesBefore.toInt() + 1);
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages WHERE direction = 'to-device' AND session_id = "
                                              "(SELECT MAX(id) FROM sessions)")).toInt(), 1);
        QVERIFY(!crypto::describeToken(m_token.uri(QStringLiteral("tam"))).present);

        // Plugged in again, the next session completes.
        QVERIFY(QDir().rename(removedState, m_token.tokenDir()));
        const auto again = crypto::loadPkcs11Key(m_token.uri(QStringLiteral("tam")), crypto::Secret(kPin));
        QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error().toString()));
        credentials.value().key = again.value();
        QVERIFY(m_tam->restartTam(credentials.value()).ok());
        const QList<sim::DeviceOutcome> outcomes = m_tam->runDevices({QStringLiteral("agent-1")}, sim::SimProfile::Teep);
        QVERIFY2(outcomes.first().ok, qPrintable(outcomes.first().detail));
    }

    void aRolloverToAKeyInTheToken()
    {
        QVERIFY(m_tam->keys->unlock(crypto::Secret(QByteArrayLiteral("rollover passphrase"))).ok());
        // Made in the token, for signing and deriving (OTrP's ECDH).
        const QString made = m_token.generateKey(QStringLiteral("tam-2027"), QStringLiteral("27"), QString::fromLatin1(kPin), QStringLiteral("sign-derive"));
        if (made.contains(QStringLiteral("not installed")))
            QSKIP("pkcs11-tool (installed by installers/install-deps.sh) is not here");
        QVERIFY2(made.isEmpty(), qPrintable(made));
        const auto key = crypto::loadPkcs11Key(m_token.uri(QStringLiteral("tam-2027")), crypto::Secret(kPin));
        QVERIFY(key.ok());
        m_tam->keys->setTokenPin(crypto::Secret(kPin));
        tam::RolloverOptions options;
        options.name = QStringLiteral("TAM in the HSM");
        options.key = key.value();
        const auto rolled = tam::TamRollover(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), QStringLiteral("test")).rollover(options);
        QVERIFY2(rolled.ok(), qPrintable(rolled.ok() ? QString() : rolled.error().toString()));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT k.token_uri FROM private_keys k JOIN tam_identities t ON t.key_id = k.id WHERE t.is_active = 1")).toString(),
                 m_token.uri(QStringLiteral("tam-2027")));
        QVERIFY(m_tam->restartTam().ok());
        // Agents pinning the old (file) key and the new (token) key both complete; an OTrP TEE
        // too, its messages to the TAM opened by ECDH in the token.
        QVERIFY(m_tam->runDevices({QStringLiteral("old-1")}, sim::SimProfile::Teep).first().ok);
        m_tam->material.tamCertificate = rolled.value().certificate;
        const QList<sim::DeviceOutcome> outcomes = m_tam->runDevices({QStringLiteral("new-1")}, sim::SimProfile::Teep);
        QVERIFY2(outcomes.first().ok, qPrintable(outcomes.first().detail));
        const QList<sim::DeviceOutcome> otrp = m_tam->runDevices({QStringLiteral("otrp-1")}, sim::SimProfile::Otrp);
        QVERIFY2(otrp.first().ok && otrp.first().installed == (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}),
                 qPrintable(m_tam->scalar(QStringLiteral("SELECT outcome FROM sessions WHERE profile = 'otrp'")).toString()));
        // Nothing of the token's keys anywhere in the test's files: no private key in PEM or DER form.
        QDirIterator files(m_tam->dir->path(QString()), QDir::Files, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            if (file.fileName().contains(QStringLiteral("/demo/")) || file.fileName().contains(QStringLiteral("/state/")))
                continue; // the demo's and the simulated devices' own keys
            QVERIFY2(!bytes.contains("PRIVATE KEY-----"), qPrintable(file.fileName()));
        }
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT LENGTH(k.pkcs8) FROM private_keys k JOIN tam_identities t ON t.key_id = k.id WHERE t.is_active = 1")).toInt(), 0);
    }

private:
    // As an operator puts a key into a token (softhsm2-util --import).
    void putIntoToken(const crypto::Key &key, const QString &object, const QString &idHex)
    {
        const auto pkcs8 = crypto::plainPrivateKey(key);
        QVERIFY(pkcs8.ok());
        const QString failed = m_token.importKey(pkcs8.value().bytes(), object, idHex, QString::fromLatin1(kPin));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    test::SoftHsm m_token;
    std::unique_ptr<test::TamFixture> m_tam;
};

QTEST_GUILESS_MAIN(TestTokenKeys)
#include "tst_tokenkeys.moc"
