// The TAM identity (generate, import, CSR then issued certificate), the key store that guards its
// keys, and service providers whose certificates must chain to an SP signer CA.
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "pkifixtures.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/trustanchors.h"
#include "tam/serviceproviders.h"
#include "tam/tamidentity.h"
#include "tempdir.h"

#include <QSqlQuery>
#include <QTest>

using namespace teep::crypto;
using teep::FixedClock;
using teep::Result;
using teep::Status;
using teep::store::Database;
using teep::store::KeyStore;
using teep::store::TrustAnchors;
using teep::tam::ServiceProviders;
using teep::tam::TamIdentities;
using teep::tam::TamIdentity;
using teep::test::Issued;
using teep::test::runOpenSsl;
using teep::test::writeAll;

namespace {
const QDateTime kNow = QDateTime(QDate(2027, 3, 1), QTime(9, 0), Qt::UTC);
} // namespace

class TestTamIdentity : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void keyStoreLocksAndChecksPassphrase();
    void keyStoreUnlocksInStepsAndAcrossConnections();
    void generatedIdentityChainsAndIsExportable();
    void storedKeysAreEncryptedPkcs8ForOpenSsl();
    void demoIdentityIsLabelledAndNeedsNoPassphrase();
    void importsExistingFromPkcs12();
    void importRefusesWrongOrIncompleteInput();
    void csrThenIssuedCertificate();
    void serviceProviderCertificatesChainToSignerCa();

private:
    std::unique_ptr<teep::test::TempDir> m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<KeyStore> m_keys;
    FixedClock m_clock{kNow};
};

void TestTamIdentity::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_db = std::move(Database::open(m_dir->database(QStringLiteral("teep.db")))).value();
    m_keys = std::make_unique<KeyStore>(m_db->connection());
}

void TestTamIdentity::cleanup()
{
    m_keys.reset();
    m_db.reset();
    m_dir.reset();
}

void TestTamIdentity::keyStoreLocksAndChecksPassphrase()
{
    QVERIFY(!m_keys->isUnlocked());
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    QCOMPARE(m_keys->store(key, QStringLiteral("k"), m_clock).error().code, QStringLiteral("keys.locked"));
    QCOMPARE(m_keys->unlock(Secret("short")).error().code, QStringLiteral("keys.short-passphrase"));
    QVERIFY(m_keys->unlock(Secret("factory line 7 passphrase")).ok());
    const qint64 id = m_keys->store(key, QStringLiteral("k"), m_clock).value();
    QVERIFY(m_keys->load(id).value().samePublicKey(key));

    m_keys->lock();
    QCOMPARE(m_keys->load(id).error().code, QStringLiteral("keys.locked"));
    KeyStore other(m_db->connection());
    QVERIFY(other.probe().value().protectedKey);
    QCOMPARE(other.unlock(Secret("not the passphrase")).error().code, QStringLiteral("keys.wrong-passphrase"));
    QVERIFY(!other.isUnlocked());
    QVERIFY(other.unlock(Secret("factory line 7 passphrase")).ok());
    QVERIFY(other.load(id).value().hasPrivateKey());
    QCOMPARE(other.load(999).error().code, QStringLiteral("keys.not-found"));
}

// The console checks the passphrase off its GUI thread (probe, check, unlockChecked), and its TAM
// thread reads keys through its own connection, unlocked as the console's key store is.
void TestTamIdentity::keyStoreUnlocksInStepsAndAcrossConnections()
{
    const KeyStore::PassphraseProbe empty = m_keys->probe().value();
    QVERIFY(!empty.protectedKey); // nothing stored: the first unlock chooses
    QCOMPARE(KeyStore::check(empty, Secret("short")).error().code, QStringLiteral("keys.short-passphrase"));
    QVERIFY(KeyStore::check(empty, Secret("a new passphrase")).ok());
    QVERIFY(m_keys->unlock(Secret("a new passphrase")).ok());
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const qint64 id = m_keys->store(key, QStringLiteral("k"), m_clock).value();

    KeyStore guiKeys(m_db->connection());
    const KeyStore::PassphraseProbe probe = guiKeys.probe().value();
    QVERIFY(probe.protectedKey);
    QCOMPARE(KeyStore::check(probe, Secret("not it at all")).error().code, QStringLiteral("keys.wrong-passphrase"));
    QCOMPARE(KeyStore::check(probe, Secret()).error().code, QStringLiteral("keys.empty-passphrase"));
    QVERIFY(!guiKeys.isUnlocked());
    QVERIFY(KeyStore::check(probe, Secret("a new passphrase")).ok());
    guiKeys.unlockChecked(Secret("a new passphrase"));
    QVERIFY(guiKeys.load(id).value().samePublicKey(key));

    auto second = Database::open(m_dir->database(QStringLiteral("teep.db")));
    QVERIFY(second.ok());
    KeyStore threadKeys(second.value()->connection(), guiKeys);
    QVERIFY(threadKeys.isUnlocked());
    QVERIFY(threadKeys.load(id).value().samePublicKey(key));
    // A copy of the passphrase, not a view of it: locking one leaves the other as it was.
    guiKeys.lock();
    QVERIFY(threadKeys.load(id).ok());
    KeyStore fromLocked(second.value()->connection(), guiKeys);
    QCOMPARE(fromLocked.load(id).error().code, QStringLiteral("keys.locked"));
}

void TestTamIdentity::generatedIdentityChainsAndIsExportable()
{
    QVERIFY(m_keys->unlock(Secret("correct horse battery")).ok());
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("tester"));
    QCOMPARE(identities.active().error().code, QStringLiteral("tam.no-identity"));
    teep::tam::GenerateOptions options;
    options.name = QStringLiteral("Line 7 TAM");
    options.tamId = QStringLiteral("https://tam.factory.example/teep");
    options.organization = QStringLiteral("Example Factory");
    const Result<TamIdentity> generated = identities.generate(options);
    QVERIFY2(generated.ok(), qPrintable(generated.ok() ? QString() : generated.error().message));
    const TamIdentity identity = generated.value();
    QVERIFY(identity.active);
    QCOMPARE(identity.state, QStringLiteral("ready"));
    QCOMPARE(identity.tamId, QStringLiteral("https://tam.factory.example/teep"));
    QCOMPARE(teep::tam::tamIdFromCertificate(identity.certificate), identity.tamId);
    QCOMPARE(identity.chain.size(), 1);
    QVERIFY(identity.chain.first().isCa());
    QCOMPARE(identity.chain.first().pathLength(), 0);
    QVERIFY(!identity.demoUnprotected);

    // The root is what devices embed: it is in the TAM root CA store, and openssl verifies the
    // TAM certificate against it.
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    const QList<Certificate> roots = anchors.certificates(TrustStore::TamRoot).value();
    QCOMPARE(roots.size(), 1);
    QVERIFY(roots.first() == identity.chain.first());
    const QString rootPath = m_dir->path(QStringLiteral("root.pem"));
    const QString tamPath = m_dir->path(QStringLiteral("tam.pem"));
    writeAll(rootPath, roots.first().pem());
    writeAll(tamPath, identity.certificate.pem());
    const auto verified = runOpenSsl({QStringLiteral("verify"), QStringLiteral("-x509_strict"), QStringLiteral("-attime"),
                                      QString::number(kNow.toSecsSinceEpoch()), QStringLiteral("-CAfile"), rootPath, tamPath});
    QVERIFY2(verified.exitCode == 0, verified.err.constData());

    QCOMPARE(identities.generate(options).error().code, QStringLiteral("tam.duplicate"));
    const auto entries = teep::store::AuditLog::entries(m_db->connection()).value();
    QCOMPARE(entries.first().action, QStringLiteral("tam-identity.generated"));
    QVERIFY(entries.first().detailJson.contains(QStringLiteral("\"demo_unprotected\":false")));
    QVERIFY(teep::store::AuditLog::verify(m_db->connection()).ok);
}

void TestTamIdentity::storedKeysAreEncryptedPkcs8ForOpenSsl()
{
    QVERIFY(m_keys->unlock(Secret("correct horse battery")).ok());
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("tester"));
    const TamIdentity identity = identities.generate({}).value();
    QSqlQuery query(m_db->connection());
    query.prepare(QStringLiteral("SELECT pkcs8, protection FROM private_keys WHERE id = ?"));
    query.addBindValue(identity.keyId);
    QVERIFY(query.exec() && query.next());
    QCOMPARE(query.value(1).toString(), QStringLiteral("passphrase"));
    const QString path = m_dir->path(QStringLiteral("stored.der"));
    writeAll(path, query.value(0).toByteArray());
    const auto read = runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-inform"), QStringLiteral("DER"), QStringLiteral("-in"),
                                  path, QStringLiteral("-passin"), QStringLiteral("pass:correct horse battery"),
                                  QStringLiteral("-pubout")});
    QCOMPARE(read.exitCode, 0);
    QCOMPARE(read.out, identity.certificate.publicKey().publicKeyPem());
    const auto refused = runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-inform"), QStringLiteral("DER"), QStringLiteral("-in"),
                                     path, QStringLiteral("-passin"), QStringLiteral("pass:"), QStringLiteral("-noout")});
    QVERIFY(refused.exitCode != 0);
}

void TestTamIdentity::demoIdentityIsLabelledAndNeedsNoPassphrase()
{
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("trainer"));
    teep::tam::GenerateOptions options;
    options.name = QStringLiteral("Demo TAM");
    options.demoUnprotected = true;
    options.algorithm = KeyAlgorithm::Ed25519;
    const TamIdentity identity = identities.generate(options).value();
    QVERIFY(identity.demoUnprotected);
    QVERIFY(!m_keys->isUnlocked());
    QVERIFY(m_keys->load(identity.keyId).value().samePublicKey(identity.certificate.publicKey()));
    QVERIFY(!m_keys->probe().value().protectedKey);
}

void TestTamIdentity::importsExistingFromPkcs12()
{
    QVERIFY(m_keys->unlock(Secret("correct horse battery")).ok());
    const Issued root = teep::test::makeRoot(QStringLiteral("Corporate TAM Root"), KeyAlgorithm::Rsa2048,
                                             kNow.addYears(-1), kNow.addYears(10));
    CertificateSpec spec;
    spec.commonName = QStringLiteral("Corporate TAM");
    spec.profile = CertificateProfile::TamSigning;
    spec.registeredIds = {QStringLiteral("1.3.6.1.4.1.99999.7")};
    spec.notBefore = kNow.addDays(-10);
    spec.notAfter = kNow.addYears(2);
    const Key key = Key::generate(KeyAlgorithm::Rsa2048).value();
    const Certificate cert = issueCertificate(spec, key, root.key, root.certificate).value();
    const QByteArray p12 = writePkcs12(key, cert, {root.certificate}, Secret("export"), QStringLiteral("tam")).value();

    const Pkcs12Contents contents = readPkcs12(p12, Secret("export")).value();
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("tester"));
    const Result<TamIdentity> imported =
        identities.importExisting(QStringLiteral("Corporate"), QList<Certificate>{contents.certificate} + contents.chain, contents.key);
    QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().message));
    QCOMPARE(imported.value().tamId, QStringLiteral("oid:1.3.6.1.4.1.99999.7"));
    QVERIFY(imported.value().active);
    QVERIFY(TrustAnchors(m_db->connection(), m_clock, QStringLiteral("t")).certificates(TrustStore::TamRoot).value().contains(root.certificate));
}

void TestTamIdentity::importRefusesWrongOrIncompleteInput()
{
    QVERIFY(m_keys->unlock(Secret("correct horse battery")).ok());
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("tester"));
    const Issued root = teep::test::makeRoot(QStringLiteral("R"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(3));
    const Issued noTamId = teep::test::issueUnder(root, QStringLiteral("No id"), CertificateProfile::TamSigning,
                                                  KeyAlgorithm::P256, kNow.addDays(-1), kNow.addYears(1));
    const Key otherKey = Key::generate(KeyAlgorithm::P256).value();

    QCOMPARE(identities.importExisting(QStringLiteral("a"), {noTamId.certificate, root.certificate}, otherKey).error().code,
             QStringLiteral("tam.key-mismatch"));
    QCOMPARE(identities.importExisting(QStringLiteral("b"), {noTamId.certificate, root.certificate}, noTamId.key).error().code,
             QStringLiteral("tam.no-tam-id"));
    QCOMPARE(identities.importExisting(QStringLiteral("c"), {root.certificate}, root.key).error().code,
             QStringLiteral("tam.leaf-is-ca"));
    CertificateSpec spec;
    spec.commonName = QStringLiteral("Orphan");
    spec.uris = {QStringLiteral("urn:example:orphan")};
    spec.notBefore = kNow.addDays(-1);
    spec.notAfter = kNow.addYears(1);
    const Certificate orphan = issueCertificate(spec, otherKey, root.key, root.certificate).value();
    const Result<TamIdentity> noRoot = identities.importExisting(QStringLiteral("d"), {orphan}, otherKey);
    QCOMPARE(noRoot.error().code, QStringLiteral("tam.chain"));
    QVERIFY(noRoot.error().message.contains(QStringLiteral("TAM root CA")));

    for (const QString &table : {QStringLiteral("tam_identities"), QStringLiteral("private_keys"),
                                 QStringLiteral("trust_anchors"), QStringLiteral("audit_log")})
        QCOMPARE(teep::test::rowCount(m_db->connection(), table), 0);
}

void TestTamIdentity::csrThenIssuedCertificate()
{
    QVERIFY(m_keys->unlock(Secret("correct horse battery")).ok());
    TamIdentities identities(m_db->connection(), *m_keys, m_clock, QStringLiteral("tester"));
    const TamIdentity pending = identities.createCsr(QStringLiteral("External"), QStringLiteral("urn:example:tam:ext"),
                                                     KeyAlgorithm::P256).value();
    QCOMPARE(pending.state, QStringLiteral("csr-pending"));
    QVERIFY(!pending.active);
    QVERIFY(!pending.csrDer.isEmpty());

    // The external CA is openssl, signing with a root of its own.
    const Issued ca = teep::test::makeRoot(QStringLiteral("External CA"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(5));
    const QString csrPath = m_dir->path(QStringLiteral("tam.csr"));
    const QString caPath = m_dir->path(QStringLiteral("ca.pem"));
    const QString caKeyPath = m_dir->path(QStringLiteral("ca.key"));
    writeAll(csrPath, pemEncode(pending.csrDer, "CERTIFICATE REQUEST"));
    writeAll(caPath, ca.certificate.pem());
    writeAll(caKeyPath, pemEncode(plainPrivateKey(ca.key).value().bytes(), "PRIVATE KEY"));
    const auto issued = runOpenSsl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csrPath,
                                    QStringLiteral("-CA"), caPath, QStringLiteral("-CAkey"), caKeyPath,
                                    QStringLiteral("-copy_extensions"), QStringLiteral("copy"), QStringLiteral("-days"),
                                    QStringLiteral("3650")});
    QCOMPARE(issued.exitCode, 0);

    // Without the CA the chain is incomplete; with it, the identity becomes ready and active.
    const QList<Certificate> leafOnly = parseCertificates(issued.out).value();
    QCOMPARE(identities.installIssuedCertificate(pending.id, leafOnly).error().code, QStringLiteral("tam.chain"));
    const Result<TamIdentity> ready = identities.installIssuedCertificate(pending.id, leafOnly + QList<Certificate>{ca.certificate});
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().message));
    QCOMPARE(ready.value().state, QStringLiteral("ready"));
    QCOMPARE(ready.value().tamId, QStringLiteral("urn:example:tam:ext"));
    QVERIFY(ready.value().active);
    QCOMPARE(identities.installIssuedCertificate(pending.id, leafOnly).error().code, QStringLiteral("tam.not-pending"));
}

void TestTamIdentity::serviceProviderCertificatesChainToSignerCa()
{
    ServiceProviders providers(m_db->connection(), m_clock, QStringLiteral("tester"));
    QCOMPARE(providers.add(QStringLiteral("bad id!"), QStringLiteral("x")).error().code, QStringLiteral("sp.bad-id"));
    QVERIFY(providers.add(QStringLiteral("acme-pay"), QStringLiteral("ACME Payments")).ok());
    QCOMPARE(providers.add(QStringLiteral("acme-pay"), QStringLiteral("again")).error().code, QStringLiteral("sp.duplicate"));

    const Issued signerCa = teep::test::makeRoot(QStringLiteral("SP Signer CA"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(5));
    const Issued signer = teep::test::issueUnder(signerCa, QStringLiteral("ACME TA signer"), CertificateProfile::SpSigning,
                                                 KeyAlgorithm::P256, kNow.addDays(-1), kNow.addYears(1));
    QCOMPARE(providers.addCertificate(QStringLiteral("acme-pay"), signer.certificate.pem()).error().code,
             QStringLiteral("sp.no-signer-ca"));
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    QVERIFY(anchors.importCertificates(TrustStore::SpSigner, signerCa.certificate.pem()).ok());
    const Issued stranger = teep::test::makeRoot(QStringLiteral("Stranger"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(5));
    const Issued strangeSigner = teep::test::issueUnder(stranger, QStringLiteral("Not ours"), CertificateProfile::SpSigning,
                                                        KeyAlgorithm::P256, kNow.addDays(-1), kNow.addYears(1));
    QCOMPARE(providers.addCertificate(QStringLiteral("acme-pay"), strangeSigner.certificate.pem()).error().code,
             QStringLiteral("sp.chain"));
    QCOMPARE(providers.addCertificate(QStringLiteral("acme-pay"), signerCa.certificate.pem()).error().code,
             QStringLiteral("sp.signer-is-ca"));

    const Result<teep::tam::ServiceProvider> sp = providers.addCertificate(QStringLiteral("acme-pay"), signer.certificate.pem());
    QVERIFY2(sp.ok(), qPrintable(sp.ok() ? QString() : sp.error().message));
    QCOMPARE(sp.value().certificates.size(), 1);
    QCOMPARE(providers.addCertificate(QStringLiteral("nobody"), signer.certificate.pem()).error().code, QStringLiteral("sp.not-found"));
    QVERIFY(providers.remove(QStringLiteral("acme-pay")).ok());
    QCOMPARE(providers.list().value().size(), 0);
    QCOMPARE(teep::test::rowCount(m_db->connection(), QStringLiteral("sp_certificates")), 0);
}

QTEST_GUILESS_MAIN(TestTamIdentity)
#include "tst_tamidentity.moc"
