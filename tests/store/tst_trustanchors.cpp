// The trust-anchor stores on a real database: imports in every format, every bad input refused
// with nothing stored, removal, and the audit trail of each change.
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "pkifixtures.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/trustanchors.h"
#include "tempdir.h"

#include <QSqlQuery>
#include <QTest>

using namespace teep::crypto;
using teep::FixedClock;
using teep::Result;
using teep::Status;
using teep::store::AuditLog;
using teep::store::Database;
using teep::store::TrustAnchor;
using teep::store::TrustAnchors;
using teep::test::Issued;

namespace {
const QDateTime kNow = QDateTime(QDate(2027, 3, 1), QTime(9, 0), Qt::UTC);
} // namespace

class TestTrustAnchors : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void importsPemDerAndPkcs7();
    void listsAndRemovesWithAudit();
    void verifierKeysMayBeBarePublicKeys();
    void badInputStoresNothing_data();
    void badInputStoresNothing();
    void bundleIsAllOrNothing();
    void auditChainDetectsTampering();

private:
    std::unique_ptr<teep::test::TempDir> m_dir;
    std::unique_ptr<Database> m_db;
    FixedClock m_clock{kNow};
    Issued m_root;
};

void TestTrustAnchors::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_db = std::move(Database::open(m_dir->database(QStringLiteral("teep.db")))).value();
    m_root = teep::test::makeRoot(QStringLiteral("Vendor TEE Root"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(5));
}

void TestTrustAnchors::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestTrustAnchors::importsPemDerAndPkcs7()
{
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    const Issued second = teep::test::makeRoot(QStringLiteral("Second Root"), KeyAlgorithm::Rsa2048, kNow.addYears(-1), kNow.addYears(5));
    const Issued third = teep::test::makeRoot(QStringLiteral("Third Root"), KeyAlgorithm::Ed25519, kNow.addYears(-1), kNow.addYears(5));

    QCOMPARE(anchors.importCertificates(TrustStore::TeeRoot, m_root.certificate.pem()).value().size(), 1);
    QCOMPARE(anchors.importCertificates(TrustStore::TeeRoot, second.certificate.der()).value().size(), 1);
    QCOMPARE(anchors.importCertificates(TrustStore::TfwRoot, writePkcs7({third.certificate}).value()).value().size(), 1);
    // The same root may sit in another store.
    QCOMPARE(anchors.importCertificates(TrustStore::SpSigner, m_root.certificate.pem()).value().size(), 1);

    const QList<TrustAnchor> tee = anchors.list(TrustStore::TeeRoot).value();
    QCOMPARE(tee.size(), 2);
    QCOMPARE(tee[0].label, QStringLiteral("Second Root"));
    QCOMPARE(tee[1].label, QStringLiteral("Vendor TEE Root"));
    QCOMPARE(tee[1].fingerprint, m_root.certificate.fingerprintSha256());
    QCOMPARE(tee[1].notAfter, m_root.certificate.notAfter());
    QVERIFY(tee[1].certificate() == m_root.certificate);
    QCOMPARE(anchors.certificates(TrustStore::TfwRoot).value().size(), 1);
    QCOMPARE(anchors.list(TrustStore::TamRoot).value().size(), 0);
}

void TestTrustAnchors::listsAndRemovesWithAudit()
{
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("alice via test"));
    const qint64 id = anchors.importCertificates(TrustStore::TamRoot, m_root.certificate.pem()).value().first();
    QVERIFY(anchors.remove(id).ok());
    QCOMPARE(anchors.list(TrustStore::TamRoot).value().size(), 0);
    QCOMPARE(anchors.remove(id).error().code, QStringLiteral("trust.not-found"));

    const QList<teep::store::AuditEntry> entries = AuditLog::entries(m_db->connection()).value();
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[0].action, QStringLiteral("trust-anchor.removed"));
    QCOMPARE(entries[1].action, QStringLiteral("trust-anchor.added"));
    QCOMPARE(entries[1].actor, QStringLiteral("alice via test"));
    QCOMPARE(entries[1].at, QStringLiteral("2027-03-01T09:00:00.000Z"));
    QVERIFY(entries[1].detailJson.contains(QStringLiteral("\"store\":\"tam-root\"")));
    QVERIFY(entries[1].detailJson.contains(m_root.certificate.fingerprintSha256()));
    QVERIFY(AuditLog::verify(m_db->connection()).ok);
}

void TestTrustAnchors::verifierKeysMayBeBarePublicKeys()
{
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    const QByteArray pem = teep::test::readAll(QStringLiteral(TEEP_VECTORS_DIR "/libteep/key/tam_prime256v1_pub.pem"));
    QVERIFY(!pem.isEmpty());
    const Result<qint64> id = anchors.importPublicKey(TrustStore::VerifierKey, pem, QStringLiteral("libteep verifier"));
    QVERIFY2(id.ok(), qPrintable(id.ok() ? QString() : id.error().message));
    const TrustAnchor anchor = anchors.get(id.value()).value();
    QVERIFY(!anchor.isCertificate);
    QCOMPARE(anchor.subject, QStringLiteral("EC P-256"));
    QCOMPARE(anchor.publicKey().description(), QStringLiteral("EC P-256"));
    QCOMPARE(anchors.importPublicKey(TrustStore::VerifierKey, pem, QStringLiteral("again")).error().code,
             QStringLiteral("trust.duplicate"));
    QCOMPARE(anchors.importPublicKey(TrustStore::TeeRoot, pem, QStringLiteral("x")).error().code,
             QStringLiteral("trust.public-key-store"));
}

void TestTrustAnchors::badInputStoresNothing_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("code");
    const Issued expired = teep::test::makeRoot(QStringLiteral("Expired"), KeyAlgorithm::P256, kNow.addYears(-3), kNow.addDays(-1));
    const Issued future = teep::test::makeRoot(QStringLiteral("Future"), KeyAlgorithm::P256, kNow.addDays(1), kNow.addYears(3));
    const Issued leaf = teep::test::issueUnder(m_root, QStringLiteral("A device"), CertificateProfile::TeeAttestation,
                                               KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(1));
    QByteArray badSignature = m_root.certificate.der();
    badSignature[badSignature.size() - 2] = static_cast<char>(badSignature[badSignature.size() - 2] ^ 0x40);
    const QByteArray pem = m_root.certificate.pem();

    QTest::newRow("garbage") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QStringLiteral("crypto.bad-der");
    QTest::newRow("truncated PEM") << pem.left(pem.size() - 40) << QStringLiteral("crypto.bad-pem");
    QTest::newRow("truncated DER") << m_root.certificate.der().left(200) << QStringLiteral("crypto.bad-der");
    QTest::newRow("oversized") << QByteArray(2 * 1024 * 1024, '-') << QStringLiteral("crypto.too-large");
    QTest::newRow("expired") << expired.certificate.pem() << QStringLiteral("trust.expired");
    QTest::newRow("not yet valid") << future.certificate.pem() << QStringLiteral("trust.not-yet-valid");
    QTest::newRow("not a CA") << leaf.certificate.pem() << QStringLiteral("trust.not-a-ca");
    QTest::newRow("signature does not verify") << badSignature << QStringLiteral("trust.bad-signature");
    QTest::newRow("same root twice in one file") << pem + pem << QStringLiteral("trust.duplicate");
}

void TestTrustAnchors::badInputStoresNothing()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, code);
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    const Result<QList<qint64>> imported = anchors.importCertificates(TrustStore::TeeRoot, input);
    QVERIFY(!imported.ok());
    QCOMPARE(imported.error().code, code);
    QVERIFY(!imported.error().message.isEmpty());
    QCOMPARE(teep::test::rowCount(m_db->connection(), QStringLiteral("trust_anchors")), 0);
    QCOMPARE(teep::test::rowCount(m_db->connection(), QStringLiteral("audit_log")), 0);
}

void TestTrustAnchors::bundleIsAllOrNothing()
{
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    QVERIFY(anchors.importCertificates(TrustStore::TeeRoot, m_root.certificate.pem()).ok());
    const Issued fresh = teep::test::makeRoot(QStringLiteral("Fresh"), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(2));
    // The fresh root first, then a duplicate: the fresh one must not be stored either.
    const Result<QList<qint64>> imported =
        anchors.importCertificates(TrustStore::TeeRoot, fresh.certificate.pem() + m_root.certificate.pem());
    QVERIFY(!imported.ok());
    QCOMPARE(imported.error().code, QStringLiteral("trust.duplicate"));
    QVERIFY(imported.error().message.contains(QStringLiteral("Vendor TEE Root")));
    QCOMPARE(teep::test::rowCount(m_db->connection(), QStringLiteral("trust_anchors")), 1);
    QCOMPARE(teep::test::rowCount(m_db->connection(), QStringLiteral("audit_log")), 1);
}

void TestTrustAnchors::auditChainDetectsTampering()
{
    TrustAnchors anchors(m_db->connection(), m_clock, QStringLiteral("tester"));
    for (int i = 0; i < 3; ++i) {
        const Issued root = teep::test::makeRoot(QStringLiteral("Root %1").arg(i), KeyAlgorithm::P256, kNow.addYears(-1), kNow.addYears(2));
        QVERIFY(anchors.importCertificates(TrustStore::TeeRoot, root.certificate.pem()).ok());
    }
    QCOMPARE(AuditLog::verify(m_db->connection()).entries, 3);

    // Someone with write access drops the protection and rewrites history.
    QSqlQuery query(m_db->connection());
    QVERIFY(teep::test::dropAuditProtection(m_db->connection()));
    QVERIFY(query.exec(QStringLiteral("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")));
    teep::store::AuditVerification verification = AuditLog::verify(m_db->connection());
    QVERIFY(!verification.ok);
    QCOMPARE(verification.firstBadId, 2);
    QVERIFY(verification.message.contains(QStringLiteral("altered")));

    QVERIFY(query.exec(QStringLiteral("UPDATE audit_log SET actor = 'tester' WHERE id = 2")));
    QVERIFY(AuditLog::verify(m_db->connection()).ok);
    QVERIFY(query.exec(QStringLiteral("DELETE FROM audit_log WHERE id = 2")));
    verification = AuditLog::verify(m_db->connection());
    QVERIFY(!verification.ok);
    QCOMPARE(verification.firstBadId, 3);
    QVERIFY(verification.message.contains(QStringLiteral("removed")));
}

QTEST_GUILESS_MAIN(TestTrustAnchors)
#include "tst_trustanchors.moc"
