// EAT evidence: what the simulated TEE builds verifies on the TAM side; each way evidence can be
// wrong fails its own named check; libteep's evidence is judged claim by claim.
#include "attestation/eat.h"
#include "tempdir.h"

#include <QTest>

using namespace teep;
using attestation::Outcome;

namespace {
const QByteArray kNonce = QByteArray::fromHex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");

Outcome outcomeOf(const attestation::EvidenceVerification &result, const QString &name)
{
    for (const attestation::Check &check : result.checks) {
        if (check.name == name)
            return check.outcome;
    }
    qFatal("no check named %s", qPrintable(name));
}

attestation::EvidenceSpec spec(const crypto::Key &agent)
{
    return {QByteArray::fromHex("0198f50a4ff6c05861c8860d13a638ea56"), QByteArray::fromHex("894823"), QByteArray("model-7"),
            QStringLiteral("1.3.4"), QCborArray{QCborArray{QStringLiteral("application/suit-report+cbor"), QByteArray("r")}},
            agent, kNonce, {}};
}
} // namespace

class TestEat : public QObject
{
    Q_OBJECT

private slots:
    void builtEvidencePassesEveryCheck();
    void eachFaultFailsItsCheck();
    void libteepEvidenceIsJudgedClaimByClaim();
    void malformedTokenIsAFormatFailure();
    void attestationChainTravelsAsX5chain();
};

void TestEat::builtEvidencePassesEveryCheck()
{
    const crypto::Key tee = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::Ed25519).value();
    const auto token = attestation::buildEvidence(spec(agent), {tee, crypto::cose::kESP256});
    QVERIFY(token.ok());
    const auto result = attestation::verifyEvidence(token.value(), tee, crypto::cose::AlgorithmPolicy::standard(), kNonce, agent);
    QVERIFY2(result.passed(), qPrintable(result.summary()));
    QCOMPARE(result.summary(), QStringLiteral("all checks passed"));
    QCOMPARE(result.checks.size(), 8); // signature, nonce, cnf, five required claims
    QCOMPARE(result.claims.value(attestation::claim::Hwmodel).toByteArray(), QByteArray("model-7"));
}

void TestEat::eachFaultFailsItsCheck()
{
    const crypto::Key tee = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const crypto::Key stranger = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const QByteArray token = attestation::buildEvidence(spec(agent), {tee, crypto::cose::kESP256}).value();
    const auto policy = crypto::cose::AlgorithmPolicy::standard();

    auto result = attestation::verifyEvidence(token, stranger, policy, kNonce, agent);
    QCOMPARE(outcomeOf(result, QStringLiteral("signature")), Outcome::Fail);
    QCOMPARE(outcomeOf(result, QStringLiteral("nonce")), Outcome::Pass); // the other checks still run and are shown
    QVERIFY(result.summary().startsWith(QStringLiteral("signature:")));

    result = attestation::verifyEvidence(token, tee, policy, QByteArray(16, 'x'), agent);
    QCOMPARE(outcomeOf(result, QStringLiteral("nonce")), Outcome::Fail);
    QVERIFY(!result.passed());

    result = attestation::verifyEvidence(token, tee, policy, kNonce, stranger);
    QCOMPARE(outcomeOf(result, QStringLiteral("cnf")), Outcome::Fail);

    // A device not known yet: the agent key is learned from cnf, but only from evidence whose
    // signature verifies.
    result = attestation::verifyEvidence(token, tee, policy, kNonce, crypto::Key());
    QVERIFY2(result.passed(), qPrintable(result.summary()));
    QVERIFY(result.boundAgentKey.samePublicKey(agent));
    result = attestation::verifyEvidence(token, stranger, policy, kNonce, crypto::Key());
    QCOMPARE(outcomeOf(result, QStringLiteral("signature")), Outcome::Fail);
    QVERIFY(result.boundAgentKey.isNull());

    const QByteArray legacy = attestation::buildEvidence(spec(agent), {tee, crypto::cose::kES256}).value();
    QCOMPARE(outcomeOf(attestation::verifyEvidence(legacy, tee, policy, kNonce, agent), QStringLiteral("signature")), Outcome::Fail);
    QVERIFY(attestation::verifyEvidence(legacy, tee, crypto::cose::AlgorithmPolicy::compatible(), kNonce, agent).passed());
}

void TestEat::libteepEvidenceIsJudgedClaimByClaim()
{
    const QString keys = QStringLiteral(TEEP_VECTORS_DIR "/libteep/key/");
    const auto agent = crypto::Key::fromPublicKey(test::readAll(keys + QStringLiteral("teep_agent_prime256v1_pub.pem"))).value();
    const QByteArray token = test::readAll(QStringLiteral(TEEP_VECTORS_DIR "/libteep/evidence_cose.cbor"));
    const auto result = attestation::verifyEvidence(token, agent, crypto::cose::AlgorithmPolicy::compatible(), kNonce, agent);
    // Signed by the agent key (ES256) and fresh; but it predates the TEEP profile's manifests
    // claim, and its cnf kid is not an RFC 9679 thumbprint of the agent key.
    QCOMPARE(outcomeOf(result, QStringLiteral("signature")), Outcome::Pass);
    QCOMPARE(outcomeOf(result, QStringLiteral("nonce")), Outcome::Pass);
    QCOMPARE(outcomeOf(result, QStringLiteral("claim ueid")), Outcome::Pass);
    QCOMPARE(outcomeOf(result, QStringLiteral("claim oemid")), Outcome::Pass);
    QCOMPARE(outcomeOf(result, QStringLiteral("claim hwversion")), Outcome::Pass);
    QCOMPARE(outcomeOf(result, QStringLiteral("claim manifests")), Outcome::Fail);
    QCOMPARE(outcomeOf(result, QStringLiteral("cnf")), Outcome::Fail);
    QVERIFY(!result.passed());
    QCOMPARE(result.claims.value(1).toString(), QStringLiteral("Intel SGX TEEP Agent"));
}

void TestEat::malformedTokenIsAFormatFailure()
{
    const crypto::Key key = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    for (const QByteArray &token : {QByteArray(), QByteArray("\xd2\x84", 2), QByteArray::fromHex("a0")}) {
        const auto result = attestation::verifyEvidence(token, key, crypto::cose::AlgorithmPolicy::standard(), kNonce, key);
        QCOMPARE(result.checks.size(), 1);
        QCOMPARE(result.checks.first().name, QStringLiteral("format"));
        QVERIFY(!result.passed());
    }
}

void TestEat::attestationChainTravelsAsX5chain()
{
    const crypto::Key tee = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    for (const QList<QByteArray> &chain : {QList<QByteArray>{"leaf"}, QList<QByteArray>{"leaf", "ca"}}) {
        attestation::EvidenceSpec withChain = spec(agent);
        withChain.attestationChain = chain;
        const auto token = attestation::buildEvidence(withChain, {tee, crypto::cose::kESP256});
        QVERIFY(token.ok());
        const auto object = crypto::cose::parse(QCborValue::fromCbor(token.value()));
        QVERIFY(object.ok());
        QCOMPARE(object.value().body.x5chain, chain);
        // The chain is only a hint: the signature still verifies with the key alone.
        QVERIFY(attestation::verifyEvidence(token.value(), tee, crypto::cose::AlgorithmPolicy::standard(), kNonce, agent).passed());
    }
    // Anything but a bstr or an array of 2..8 bstr is refused.
    for (const QCborValue &bad : {QCborValue(42), QCborValue(QCborArray{QByteArray("only one")}), QCborValue(QCborArray{QByteArray("a"), 7})}) {
        const QCborArray sign1{QCborValue(QCborMap{{1, -9}}).toCbor(), QCborMap{{33, bad}}, QByteArray("payload"), QByteArray(64, 's')};
        QVERIFY(!crypto::cose::parse(QCborValue(QCborTag(18), sign1)).ok());
    }
}

QTEST_GUILESS_MAIN(TestEat)
#include "tst_eat.moc"
