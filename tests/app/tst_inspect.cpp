// teepctl inspect on captured messages from other implementations: the verdict and exit code a
// trainer or a script relies on, for each kind of input.
#include "crypto/pkcs8.h"
#include "otrpworld.h"
#include "processrun.h"
#include "protocol/otrp/getdevicestate.h"
#include "protocol/otrp/sdcommands.h"
#include "tempdir.h"

#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <nlohmann/json.hpp>

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
    void opensEveryOtrpLayer();
    void macAuthenticatedSuitIsNotVerifiable();
    void deeplyNestedJsonIsRefused();
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

void TestInspect::opensEveryOtrpLayer()
{
    using namespace teep::protocol::otrp;
    teep::test::OtrpWorld w;
    w.getDeviceState();
    QVERIFY(w.run(QStringLiteral("CreateSD"), createSdContent(w.kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), w.sp.certificate)).ok());
    QVERIFY(w.run(QStringLiteral("InstallTA"), taContent(w.kTamId, QStringLiteral("acme"), QStringLiteral("sd.acme"), QStringLiteral("ta-wallet")),
                  w.encryptedTa(TaOperation::Install, w.signedTa(QStringLiteral("ta-wallet"), 3, "wallet code")))
                .ok());
    teep::test::TempDir dir;
    const QString request = dir.path(QStringLiteral("install.json"));
    teep::test::writeAll(request, w.lastRequest);
    const QString teeKey = dir.path(QStringLiteral("tee.pem")), aikKey = dir.path(QStringLiteral("aik.pem")), spKey = dir.path(QStringLiteral("sp.pem"));
    teep::test::writeAll(teeKey, teep::crypto::pemEncode(teep::crypto::plainPrivateKey(w.tee.key).value().bytes(), "PRIVATE KEY"));
    teep::test::writeAll(aikKey, teep::crypto::pemEncode(teep::crypto::plainPrivateKey(w.device->spAiks().value(QStringLiteral("acme"))).value().bytes(), "PRIVATE KEY"));
    teep::test::writeAll(spKey, w.sp.key.publicKeyPem());

    // Every layer opened: the TAM's signature (x5c), content, the TA key, the SP-signed TA.
    ToolRun run = inspect({request, QStringLiteral("--decrypt-key"), teeKey, QStringLiteral("--decrypt-key"), aikKey, QStringLiteral("--key"), spKey});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    QVERIFY(run.out.contains("kind: OTrP InstallTARequest"));
    QVERIFY(run.out.contains("[ok]   signature (ES256): verified with the x5c certificate 'TAM'"));
    QVERIFY(run.out.contains("[ok]   decrypt content: opened with decryption key 1"));
    QVERIFY(run.out.contains("[ok]   decrypt encrypted_ta key: opened with decryption key 2"));
    QVERIFY(run.out.contains("[ok]   SP signature over the TA: verified"));
    QVERIFY(run.out.contains("\"taid\": \"ta-wallet\""));
    QVERIFY(run.out.contains("11 bytes, SHA-256"));

    // Without keys the layers stay closed, which is no failure; without the SP key the TA's
    // signature cannot be judged, which is.
    run = inspect({request});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("left encrypted: no --decrypt-key was given"));
    run = inspect({request, QStringLiteral("--decrypt-key"), aikKey});
    QCOMPARE(run.exitCode, 6);
    QVERIFY(run.err.contains("SP signature over the TA"));

    // A flipped signature byte: not verified (6). Another outer name: invalid (5).
    nlohmann::json message = nlohmann::json::parse(w.lastRequest.toStdString());
    std::string signature = message["InstallTARequest"]["signature"];
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
    nlohmann::json tampered = message;
    tampered["InstallTARequest"]["signature"] = signature;
    teep::test::writeAll(request, QByteArray::fromStdString(tampered.dump()));
    QCOMPARE(inspect({request}).exitCode, 6);
    teep::test::writeAll(request, QByteArray::fromStdString(nlohmann::json{{"DeleteTARequest", message["InstallTARequest"]}}.dump()));
    run = inspect({request});
    QCOMPARE(run.exitCode, 5);
    QVERIFY(run.err.contains("outer name does not match"));
    teep::test::writeAll(request, "{\"GetDeviceStateResponse\": 7}");
    QCOMPARE(inspect({request}).exitCode, 5);

    // A TEE's answer carries no certificate: it verifies with the TEE's key only.
    const QByteArray answer = QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateResponse", {w.device->process(
        buildGetDeviceStateRequest(w.nextRid(), w.target.tid, w.tamSigner()).value())}}}.dump());
    teep::test::writeAll(request, answer);
    QCOMPARE(inspect({request}).exitCode, 6);
    const QString teeCert = dir.path(QStringLiteral("tee.crt"));
    teep::test::writeAll(teeCert, w.tee.certificate.pem());
    run = inspect({request, QStringLiteral("--key"), teeCert, QStringLiteral("--decrypt-key"), teeKey});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    QVERIFY(run.out.contains("kind: OTrP GetDeviceStateResponse (1 TEE)"));
    QVERIFY(run.out.contains("TEE 1: decrypt edsi: left encrypted")); // edsi is for the TAM's key
}

void TestInspect::deeplyNestedJsonIsRefused()
{
    // 100,000 nested objects once crashed teepctl inspect (stack overflow while copying).
    teep::test::TempDir dir;
    QByteArray deep;
    for (int i = 0; i < 100000; ++i)
        deep += "{\"a\":";
    deep += "1" + QByteArray(100000, '}');
    teep::test::writeAll(dir.path(QStringLiteral("deep.json")), deep);
    const ToolRun run = inspect({dir.path(QStringLiteral("deep.json"))});
    QCOMPARE(run.exitCode, 5);
    QVERIFY2(run.err.contains("byte 320: JSON nested deeper than 64 levels"), run.err.constData());
}

void TestInspect::macAuthenticatedSuitIsNotVerifiable()
{
    // libcsuit's example with its signature replaced by a COSE_Mac0 (tag 17), written by an
    // independent encoder (python3-cbor2): well-formed, but only the device's shared key could
    // verify it, so exit 6 (not verified), not 5 (invalid).
    teep::test::TempDir dir;
    const QString mac = dir.path(QStringLiteral("mac0.suit"));
    const ToolRun made = teep::test::runProgram(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-c"), QStringLiteral("import cbor2, sys\n"
                                              "env = cbor2.loads(open(sys.argv[1], 'rb').read())\n"
                                              "m = env.value if isinstance(env, cbor2.CBORTag) else env\n"
                                              "auth = cbor2.loads(m[2])\n"
                                              "tag = cbor2.dumps(cbor2.CBORTag(17, [cbor2.dumps({1: 5}), {}, None, bytes(32)]))\n"
                                              "m[2] = cbor2.dumps([auth[0], tag])\n"
                                              "open(sys.argv[2], 'wb').write(cbor2.dumps(env))\n"),
         kVectors + QStringLiteral("libcsuit/suit_manifest_exp2A.suit"), mac});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    const ToolRun run = inspect({mac, QStringLiteral("--key"), kVectors + QStringLiteral("libcsuit/key/trust_anchor_secp256r1_pub.pem")});
    QCOMPARE(run.exitCode, 6);
    QVERIFY2(run.out.contains("kind: SUIT envelope"), run.out.constData());
    QVERIFY2(run.err.contains("COSE_Mac0"), run.err.constData());
}

QTEST_GUILESS_MAIN(TestInspect)
#include "tst_inspect.moc"
