// Cross-check with independent implementations in pure JavaScript (npm `cbor`, @noble/curves):
// they verify our COSE_Sign1 objects and decode our CBOR; we verify what they sign.
#include "cbor/strictcbor.h"
#include "crypto/cosekey.h"
#include "crypto/cosesign.h"
#include "processrun.h"
#include "protocol/teep/teepcodec.h"
#include "tempdir.h"

#include <QTest>

using namespace teep;

namespace {
const QString kScript = QStringLiteral(TEEP_INTEROP_DIR "/cose_crosscheck.mjs");

test::ToolRun node(const QString &mode, const QString &dir)
{
    return test::runProgram(QStringLiteral("node"), {kScript, mode, dir});
}
} // namespace

class TestInteropNode : public QObject
{
    Q_OBJECT

private slots:
    void nodeVerifiesOurSignaturesAndDecodesOurCbor();
    void weVerifyWhatNodeSigns();
};

void TestInteropNode::nodeVerifiesOurSignaturesAndDecodesOurCbor()
{
    test::TempDir dir;
    protocol::QueryResponse response;
    response.token = QByteArray(16, '\x42');
    response.selectedVersion = 0;
    response.tcList = QCborArray{QCborMap{{0, QCborArray{QByteArray("ta-uuid-0001")}}}};
    const QByteArray payload = protocol::encodeMessage(response);
    const QList<std::pair<crypto::KeyAlgorithm, qint64>> cases = {{crypto::KeyAlgorithm::P256, crypto::cose::kESP256},
                                                                 {crypto::KeyAlgorithm::P256, crypto::cose::kES256},
                                                                 {crypto::KeyAlgorithm::Ed25519, crypto::cose::kEd25519},
                                                                 {crypto::KeyAlgorithm::Ed25519, crypto::cose::kEdDSA}};
    for (const auto &[algorithm, alg] : cases) {
        const crypto::Key key = crypto::Key::generate(algorithm).value();
        const QString name = QStringLiteral("ours%1").arg(-alg);
        test::writeAll(dir.path(name + QStringLiteral(".cose")), crypto::cose::sign1(payload, {key, alg}).value());
        test::writeAll(dir.path(name + QStringLiteral(".key.cbor")),
                       cbor::encodeDeterministic(QCborValue(crypto::toCoseKey(key).value())));
    }
    const test::ToolRun run = node(QStringLiteral("verify"), dir.path(QString()));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(run.out.count(" ok (alg "), 4);

    // A tampered object must fail on their side too.
    QByteArray tampered = test::readAll(dir.path(QStringLiteral("ours9.cose")));
    tampered[tampered.size() - 5] = static_cast<char>(tampered[tampered.size() - 5] ^ 0x10);
    test::writeAll(dir.path(QStringLiteral("ours9.cose")), tampered);
    const test::ToolRun refused = node(QStringLiteral("verify"), dir.path(QString()));
    QVERIFY(refused.exitCode != 0);
    QVERIFY(refused.err.contains("ours9.cose: signature does not verify"));
}

void TestInteropNode::weVerifyWhatNodeSigns()
{
    test::TempDir dir;
    const test::ToolRun run = node(QStringLiteral("sign"), dir.path(QString()));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    for (const QString &name : {QStringLiteral("node-esp256"), QStringLiteral("node-ed25519")}) {
        const auto value = cbor::decodeStrict(test::readAll(dir.path(name + QStringLiteral(".cose"))));
        QVERIFY2(value.ok(), qPrintable(name));
        const auto object = crypto::cose::parse(value.value());
        QVERIFY2(object.ok(), qPrintable(object.ok() ? QString() : object.error().message));
        const auto coseKey = cbor::decodeStrict(test::readAll(dir.path(name + QStringLiteral(".key.cbor"))));
        const auto key = crypto::fromCoseKey(coseKey.value().toMap());
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        const Status verified = crypto::cose::verify(object.value(), key.value(), crypto::cose::AlgorithmPolicy::standard());
        QVERIFY2(verified.ok(), qPrintable(name + QStringLiteral(": ") + (verified.ok() ? QString() : verified.error().message)));
        const auto message = protocol::decodeMessageBytes(object.value().payload);
        QVERIFY(message.ok());
        QCOMPARE(std::get<protocol::Success>(message.value().message).msg, QStringLiteral("node signed this"));
        // And a different key does not verify it.
        QVERIFY(!crypto::cose::verify(object.value(), crypto::Key::generate(name.endsWith(QLatin1String("25519"))
                                                                                 ? crypto::KeyAlgorithm::Ed25519
                                                                                 : crypto::KeyAlgorithm::P256).value(),
                                      crypto::cose::AlgorithmPolicy::standard()).ok());
    }
}

QTEST_GUILESS_MAIN(TestInteropNode)
#include "tst_interop_node.moc"
