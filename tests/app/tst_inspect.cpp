// teepctl inspect on captured messages from other implementations: the verdict and exit code a
// trainer or a script relies on, for each kind of input.
#include "processrun.h"
#include "tempdir.h"

#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using teep::test::ToolRun;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QString kVectors = QStringLiteral(TEEP_VECTORS_DIR "/");
#define VERIFIER_PUBLIC_KEY TEEP_TEST_BINARY_DIR "/verifier_prime256v1_pub.pem"

ToolRun inspect(const QStringList &arguments)
{
    return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("inspect")} + arguments);
}
} // namespace

class TestInspect : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void verdicts_data();
    void verdicts();
    void jsonOutputNamesEveryStep();
};

// libteep ships the Verifier's private key only; openssl derives the public one.
void TestInspect::initTestCase()
{
    const ToolRun run = teep::test::runProgram(QStringLiteral("openssl"),
        {QStringLiteral("pkey"), QStringLiteral("-in"), kVectors + QStringLiteral("libteep/key/verifier_prime256v1.pem"),
         QStringLiteral("-pubout"), QStringLiteral("-out"), QStringLiteral(VERIFIER_PUBLIC_KEY)});
    QCOMPARE(run.exitCode, 0);
}

void TestInspect::verdicts_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("shows");
    const QString tam = kVectors + QStringLiteral("libteep/key/tam_prime256v1_pub.pem");
    const QString agent = kVectors + QStringLiteral("libteep/key/teep_agent_prime256v1_pub.pem");
    const QString compat = QStringLiteral("--compat");
    QTest::newRow("signed Update, right key") << QStringList{kVectors + "libteep/update_cose.cbor", "--key", tam, compat} << 0
                                              << "TEEP Update (COSE_Sign1)" << "10 / manifest-list /";
    QTest::newRow("no key") << QStringList{kVectors + "libteep/update_cose.cbor", compat} << 6 << "TEEP Update" << "use --key";
    QTest::newRow("wrong key") << QStringList{kVectors + "libteep/update_cose.cbor", "--key", agent, compat} << 6 << "TEEP Update"
                               << "names another key";
    QTest::newRow("ES256 without --compat") << QStringList{kVectors + "libteep/update_cose.cbor", "--key", tam} << 6 << "TEEP Update"
                                            << "not accepted";
    QTest::newRow("agent's QueryResponse") << QStringList{kVectors + "libteep/query_response_cose.cbor", "--key", agent, compat} << 0
                                           << "TEEP QueryResponse" << "system-component-id";
    // libteep's err vectors are signed by a key it does not ship: both failures are shown, the
    // signature decides the exit code.
    QTest::newRow("err3: unknown signer, invalid token") << QStringList{kVectors + "libteep/query_request_err3_cose.cbor", "--key", tam, compat}
                                                         << 6 << "TEEP QueryRequest" << "is 2 bytes";
    QTest::newRow("attestation results by the Verifier") << QStringList{kVectors + "libteep/attestation_results_cose.cbor", "--key",
                                                                       QStringLiteral(VERIFIER_PUBLIC_KEY), compat}
                                                         << 0 << "EAT (COSE_Sign1)" << "Naive Verifier";
    QTest::newRow("draft hex text") << QStringList{kVectors + "teep-draft/query_request.hex.txt"} << 0 << "TEEP QueryRequest (unsigned)"
                                    << "20 / token /";
    QTest::newRow("SUIT with trust anchor") << QStringList{kVectors + "libcsuit/suit_manifest_exp2A.suit", "--key",
                                                           kVectors + "libcsuit/key/trust_anchor_secp256r1_pub.pem"}
                                            << 0 << "SUIT envelope" << "manifest-sequence-number";
    QTest::newRow("EAT evidence") << QStringList{kVectors + "libteep/evidence_cose.cbor", "--key", agent, compat} << 0 << "EAT (COSE_Sign1)"
                                  << "256 / ueid /";
    QTest::newRow("not CBOR") << QStringList{kVectors + "libteep/LICENSE"} << 4 << "not CBOR" << "";
}

void TestInspect::verdicts()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, kind);
    QFETCH(QString, shows);
    const ToolRun run = inspect(arguments);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.out.contains(("kind: " + kind).toUtf8()), run.out.constData());
    QVERIFY2((run.out + run.err).contains(shows.toUtf8()), (run.out + run.err).constData());
    if (exitCode != 0) {
        QVERIFY(run.err.startsWith("teepctl inspect: "));
        QCOMPARE(run.err.count('\n'), 1); // one line that says why
    }
}

void TestInspect::jsonOutputNamesEveryStep()
{
    const ToolRun run = inspect({kVectors + QStringLiteral("libcsuit/suit_manifest_exp1.suit"), QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 6);
    const QJsonObject json = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(json.value(QStringLiteral("kind")).toString(), QStringLiteral("SUIT envelope"));
    QCOMPARE(json.value(QStringLiteral("verdict")).toInt(), 6);
    QCOMPARE(json.value(QStringLiteral("steps")).toArray().size(), 2);
    QVERIFY(json.value(QStringLiteral("diagnostic")).toString().contains(QStringLiteral("http://example.com/file.bin")));
}

QTEST_GUILESS_MAIN(TestInspect)
#include "tst_inspect.moc"
