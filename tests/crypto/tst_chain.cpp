// Chain verification at a chosen time and the rules for admitting a trust anchor.
#include "crypto/chainverifier.h"
#include "crypto/truststore.h"
#include "pkifixtures.h"

#include <QElapsedTimer>
#include <QTest>

#include <openssl/x509v3.h>

using namespace teep::crypto;
using teep::Result;
using teep::Status;
using teep::FixedClock;
using teep::test::Issued;
using teep::test::issueUnder;
using teep::test::makeRoot;

namespace {
const QDateTime kStart = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
const QDateTime kEnd = QDateTime(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC);
const QDateTime kMiddle = QDateTime(QDate(2027, 6, 1), QTime(12, 0), Qt::UTC);

// A certificate whose signature bytes were altered after signing.
Certificate tampered(const Certificate &cert)
{
    QByteArray der = cert.der();
    der[der.size() - 3] = static_cast<char>(der[der.size() - 3] ^ 0x01);
    return Certificate::fromDer(der).value();
}
} // namespace

class TestChain : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void validChainBuildsPath();
    void expiredAndNotYetValidAtClockTime();
    void unknownRootIsUntrusted();
    void nonCaIssuerIsRefused();
    void pathLengthIsEnforced();
    void tamperedSignatureIsRefused();
    void anchorWithBadSelfSignatureIsRefused();
    void loopingChainFailsQuickly();
    void leafKeyUsageIsChecked();
    void trustAnchorAdmission();

private:
    Issued m_root;
    Issued m_intermediate;
    Issued m_leaf;
};

void TestChain::initTestCase()
{
    m_root = makeRoot(QStringLiteral("TEE Root"), KeyAlgorithm::P256, kStart, kEnd, 1);
    m_intermediate = issueUnder(m_root, QStringLiteral("TEE Issuing CA"), CertificateProfile::IntermediateCa,
                                KeyAlgorithm::P256, kStart, kEnd, 0);
    m_leaf = issueUnder(m_intermediate, QStringLiteral("device 0042 TEE"), CertificateProfile::TeeAttestation,
                        KeyAlgorithm::P256, kStart, kEnd.addYears(-1));
}

void TestChain::validChainBuildsPath()
{
    FixedClock clock(kMiddle);
    const ChainResult result = ChainVerifier({m_root.certificate}, clock).verify(m_leaf.certificate, {m_intermediate.certificate});
    QVERIFY2(result.ok, qPrintable(result.message));
    QCOMPARE(result.path.size(), 3);
    QVERIFY(result.path.first() == m_leaf.certificate);
    QVERIFY(result.path.last() == m_root.certificate);
}

void TestChain::expiredAndNotYetValidAtClockTime()
{
    FixedClock clock(kEnd.addDays(-100)); // leaf expired a year before kEnd; CAs still valid
    ChainResult result = ChainVerifier({m_root.certificate}, clock).verify(m_leaf.certificate, {m_intermediate.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("expired"));
    QCOMPARE(result.depth, 0);
    QVERIFY(result.message.contains(QStringLiteral("device 0042 TEE")));

    clock.set(kStart.addDays(-1));
    result = ChainVerifier({m_root.certificate}, clock).verify(m_leaf.certificate, {m_intermediate.certificate});
    QCOMPARE(result.code, QStringLiteral("not-yet-valid"));
}

void TestChain::unknownRootIsUntrusted()
{
    FixedClock clock(kMiddle);
    const Issued other = makeRoot(QStringLiteral("Someone else"), KeyAlgorithm::P256, kStart, kEnd);
    const ChainResult result = ChainVerifier({other.certificate}, clock).verify(m_leaf.certificate, {m_intermediate.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("untrusted"));
    QVERIFY(result.message.contains(QStringLiteral("depth")));
}

void TestChain::nonCaIssuerIsRefused()
{
    FixedClock clock(kMiddle);
    // A leaf certificate misused as an issuer.
    const Issued fakeCa = issueUnder(m_root, QStringLiteral("Not a CA"), CertificateProfile::TeeAttestation,
                                     KeyAlgorithm::P256, kStart, kEnd);
    const Issued victim = issueUnder(fakeCa, QStringLiteral("victim"), CertificateProfile::TeeAttestation,
                                     KeyAlgorithm::P256, kStart, kEnd);
    const ChainResult result = ChainVerifier({m_root.certificate}, clock).verify(victim.certificate, {fakeCa.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("not-a-ca"));
    QCOMPARE(result.depth, 1);
}

void TestChain::pathLengthIsEnforced()
{
    FixedClock clock(kMiddle);
    // m_intermediate has pathlen 0: it may not issue another CA.
    const Issued sub = issueUnder(m_intermediate, QStringLiteral("Sub CA"), CertificateProfile::IntermediateCa,
                                  KeyAlgorithm::P256, kStart, kEnd);
    const Issued leaf = issueUnder(sub, QStringLiteral("deep leaf"), CertificateProfile::TeeAttestation,
                                   KeyAlgorithm::P256, kStart, kEnd);
    const ChainResult result = ChainVerifier({m_root.certificate}, clock)
                                   .verify(leaf.certificate, {sub.certificate, m_intermediate.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("path-length"));
}

void TestChain::tamperedSignatureIsRefused()
{
    FixedClock clock(kMiddle);
    const ChainResult result = ChainVerifier({m_root.certificate}, clock)
                                   .verify(tampered(m_leaf.certificate), {m_intermediate.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("bad-signature"));
    QCOMPARE(result.depth, 0);
}

void TestChain::anchorWithBadSelfSignatureIsRefused()
{
    // The anchors' self-signatures are checked once per anchor set, not per verification: still
    // checked, and the failure names the anchor.
    FixedClock clock(kMiddle);
    const Certificate badRoot = tampered(m_root.certificate);
    for (int attempt = 0; attempt < 2; ++attempt) { // the second time with the shared anchor set
        const ChainResult result = ChainVerifier({badRoot}, clock).verify(m_leaf.certificate, {m_intermediate.certificate});
        QVERIFY(!result.ok);
        QCOMPARE(result.code, QStringLiteral("bad-signature"));
        QCOMPARE(result.depth, 2);
        QVERIFY(result.path.isEmpty());
    }
    QVERIFY(ChainVerifier({m_root.certificate}, clock).verify(m_leaf.certificate, {m_intermediate.certificate}).ok);
}

void TestChain::loopingChainFailsQuickly()
{
    // A and B issue each other: path building must end with a clear error, not spin.
    FixedClock clock(kMiddle);
    const Key keyA = Key::generate(KeyAlgorithm::P256).value();
    const Key keyB = Key::generate(KeyAlgorithm::P256).value();
    const Certificate selfA = issueCertificate({QStringLiteral("Loop A"), {}, {}, CertificateProfile::RootCa, -1, {}, {}, {}, kStart, kEnd, {}}, keyA, keyA).value();
    const Certificate selfB = issueCertificate({QStringLiteral("Loop B"), {}, {}, CertificateProfile::RootCa, -1, {}, {}, {}, kStart, kEnd, {}}, keyB, keyB).value();
    CertificateSpec spec{QStringLiteral("Loop A"), {}, {}, CertificateProfile::IntermediateCa, -1, {}, {}, {}, kStart, kEnd, {}};
    const Certificate aByB = issueCertificate(spec, keyA, keyB, selfB).value();
    spec.commonName = QStringLiteral("Loop B");
    const Certificate bByA = issueCertificate(spec, keyB, keyA, selfA).value();
    const Issued leaf = issueUnder({keyA, aByB}, QStringLiteral("looped leaf"), CertificateProfile::TeeAttestation,
                                   KeyAlgorithm::P256, kStart, kEnd);

    QElapsedTimer timer;
    timer.start();
    const ChainResult result = ChainVerifier({m_root.certificate}, clock).verify(leaf.certificate, {aByB, bByA});
    QVERIFY(!result.ok);
    QVERIFY2(result.code == QStringLiteral("untrusted") || result.code == QStringLiteral("chain-too-long"),
             qPrintable(result.code + QLatin1Char(' ') + result.message));
    QVERIFY(timer.elapsed() < 2000);
}

void TestChain::leafKeyUsageIsChecked()
{
    FixedClock clock(kMiddle);
    ChainVerifier verifier({m_root.certificate}, clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    QVERIFY(verifier.verify(m_leaf.certificate, {m_intermediate.certificate}).ok);
    verifier.setRequiredLeafKeyUsage(KU_KEY_CERT_SIGN);
    const ChainResult result = verifier.verify(m_leaf.certificate, {m_intermediate.certificate});
    QVERIFY(!result.ok);
    QCOMPARE(result.code, QStringLiteral("key-usage"));
}

void TestChain::trustAnchorAdmission()
{
    FixedClock clock(kMiddle);
    QVERIFY(checkTrustAnchor(m_root.certificate, TrustStore::TeeRoot, clock).ok());
    // An intermediate CA may serve as an anchor (partial chain).
    QVERIFY(checkTrustAnchor(m_intermediate.certificate, TrustStore::TeeRoot, clock).ok());

    Status status = checkTrustAnchor(m_leaf.certificate, TrustStore::TeeRoot, clock);
    QCOMPARE(status.error().code, QStringLiteral("trust.not-a-ca"));
    QVERIFY(status.error().message.contains(QStringLiteral("TEE Root CAs")));
    // Verifier keys need not be CAs.
    QVERIFY(checkTrustAnchor(m_leaf.certificate, TrustStore::VerifierKey, clock).ok());

    clock.set(kEnd.addDays(1));
    status = checkTrustAnchor(m_root.certificate, TrustStore::TamRoot, clock);
    QCOMPARE(status.error().code, QStringLiteral("trust.expired"));
    QVERIFY(status.error().message.contains(QStringLiteral("2030-01-01")));
    clock.set(kStart.addDays(-1));
    QCOMPARE(checkTrustAnchor(m_root.certificate, TrustStore::TamRoot, clock).error().code, QStringLiteral("trust.not-yet-valid"));

    clock.set(kMiddle);
    QCOMPARE(checkTrustAnchor(tampered(m_root.certificate), TrustStore::TamRoot, clock).error().code,
             QStringLiteral("trust.bad-signature"));

    EVP_PKEY *weak = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
    const Key weakKey{PKeyPtr(weak)};
    const Certificate weakRoot = issueCertificate({QStringLiteral("Weak"), {}, {}, CertificateProfile::RootCa, -1, {}, {}, {}, kStart, kEnd, {}},
                                                  weakKey, weakKey).value();
    QCOMPARE(checkTrustAnchor(weakRoot, TrustStore::SpSigner, clock).error().code, QStringLiteral("trust.weak-key"));

    QCOMPARE(trustStoreFromKey(QStringLiteral("tee-root")).value(), TrustStore::TeeRoot);
    QVERIFY(trustStoreFromKey(QStringLiteral("tea-root")).error().message.contains(QStringLiteral("tam-root")));
}

QTEST_GUILESS_MAIN(TestChain)
#include "tst_chain.moc"
