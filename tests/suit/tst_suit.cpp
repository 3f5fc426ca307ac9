// SUIT envelopes: libcsuit's signed manifests verify with their trust anchor and read as their
// diagnostic notation says; the TEEP draft's envelopes decode; every flipped byte is caught; our
// SP-signed TA envelopes verify, carry the payload's digest and refuse rollback.
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "processrun.h"
#include "suit/suitenvelope.h"
#include "tempdir.h"

#include <QCborArray>
#include <QDir>
#include <QTest>

using namespace teep;

namespace {
const QString kCsuit = QStringLiteral(TEEP_VECTORS_DIR "/libcsuit/");
const QString kDraft = QStringLiteral(TEEP_VECTORS_DIR "/teep-draft/");

crypto::Key trustAnchor()
{
    return crypto::Key::fromPublicKey(test::readAll(kCsuit + QStringLiteral("key/trust_anchor_secp256r1_pub.pem"))).value();
}

QByteArray draftHex(const QString &name)
{
    QByteArray hex;
    for (const QByteArray &line : test::readAll(kDraft + name).split('\n'))
        hex += line.left(line.indexOf('#') < 0 ? line.size() : line.indexOf('#')).simplified().replace(' ', "");
    return QByteArray::fromHex(hex);
}
} // namespace

class TestSuit : public QObject
{
    Q_OBJECT

private slots:
    void libcsuitManifestsVerify();
    void libcsuitExample1ReadsAsItsDiagnostic();
    void everyFlippedByteIsCaught();
    void draftEnvelopesDecode_data();
    void draftEnvelopesDecode();
    void builtEnvelopeVerifiesAndChecksPayload_data();
    void builtEnvelopeVerifiesAndChecksPayload();
    void uriEnvelopeCarriesNoPayload();
    void badInputIsRefused();
};

void TestSuit::libcsuitManifestsVerify()
{
    const QStringList files = QDir(kCsuit).entryList({QStringLiteral("*.suit")}, QDir::Files);
    QCOMPARE(files.size(), 6);
    for (const QString &file : files) {
        const auto envelope = suit::parseEnvelope(test::readAll(kCsuit + file));
        QVERIFY2(envelope.ok(), qPrintable(file + QStringLiteral(": ") + (envelope.ok() ? QString() : envelope.error().toString())));
        QCOMPARE(envelope.value().signatures.size(), 1);
        const Status verified = suit::verifyEnvelope(envelope.value(), trustAnchor(), crypto::cose::AlgorithmPolicy::standard());
        QVERIFY2(verified.ok(), qPrintable(file + QStringLiteral(": ") + (verified.ok() ? QString() : verified.error().message)));
        const auto stranger = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        QCOMPARE(suit::verifyEnvelope(envelope.value(), stranger).error().code, QStringLiteral("suit.signature"));
    }
}

void TestSuit::libcsuitExample1ReadsAsItsDiagnostic()
{
    const auto envelope = suit::parseEnvelope(test::readAll(kCsuit + QStringLiteral("suit_manifest_exp1.suit"))).value();
    QCOMPARE(envelope.sequenceNumber, quint64(1));
    QCOMPARE(envelope.components.size(), 1);
    QCOMPARE(envelope.components.first().toArray().at(0).toByteArray(), QByteArray::fromHex("00"));
    QCOMPARE(envelope.vendorId.toHex(), QByteArray("fa6b4a53d5ad5fdfbe9de663e4d41ffe"));
    QCOMPARE(envelope.classId.toHex(), QByteArray("1492af1425695e48bf429b2d51f2ab45"));
    QCOMPARE(envelope.imageDigest.toHex(), QByteArray("00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"));
    QCOMPARE(envelope.imageSize.value_or(0), quint64(34768));
    QCOMPARE(envelope.uri, QStringLiteral("http://example.com/file.bin"));
    QCOMPARE(envelope.sections, (QList<qint64>{1, 2, 3, 7, 20}));
    QVERIFY(suit::checkSequence(envelope, 0).ok());
    QCOMPARE(suit::checkSequence(envelope, 1).error().code, QStringLiteral("suit.rollback"));
}

void TestSuit::everyFlippedByteIsCaught()
{
    const QByteArray original = test::readAll(kCsuit + QStringLiteral("suit_manifest_exp1.suit"));
    for (qsizetype i = 0; i < original.size(); ++i) {
        QByteArray tampered = original;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        const auto envelope = suit::parseEnvelope(tampered);
        if (!envelope)
            continue;
        QVERIFY2(!suit::verifyEnvelope(envelope.value(), trustAnchor()).ok(), qPrintable(QStringLiteral("byte %1").arg(i)));
    }
}

void TestSuit::draftEnvelopesDecode_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("integrated") << "suit_integrated.hex.txt";
    QTest::newRow("uri") << "suit_uri.hex.txt";
    QTest::newRow("personalization") << "suit_personalization.hex.txt";
}

void TestSuit::draftEnvelopesDecode()
{
    QFETCH(QString, file);
    const auto envelope = suit::parseEnvelope(draftHex(file));
    QVERIFY2(envelope.ok(), qPrintable(envelope.ok() ? QString() : envelope.error().toString()));
    QVERIFY(!envelope.value().components.isEmpty());
    QCOMPARE(envelope.value().signatures.size(), 1);
    // An integrated payload must match the digest the manifest carries.
    for (auto it = envelope.value().integratedPayloads.cbegin(); it != envelope.value().integratedPayloads.cend(); ++it)
        QVERIFY2(suit::checkPayload(envelope.value(), it.value()).ok(), qPrintable(it.key()));
}

void TestSuit::builtEnvelopeVerifiesAndChecksPayload_data()
{
    QTest::addColumn<crypto::KeyAlgorithm>("keyAlgorithm");
    QTest::addColumn<qint64>("alg");
    QTest::newRow("ESP256") << crypto::KeyAlgorithm::P256 << crypto::cose::kESP256;
    QTest::newRow("Ed25519") << crypto::KeyAlgorithm::Ed25519 << crypto::cose::kEd25519;
}

void TestSuit::builtEnvelopeVerifiesAndChecksPayload()
{
    QFETCH(crypto::KeyAlgorithm, keyAlgorithm);
    QFETCH(qint64, alg);
    const crypto::Key spKey = crypto::Key::generate(keyAlgorithm).value();
    suit::TaManifestSpec spec;
    spec.componentId = QCborArray{QByteArray::fromHex("8d82573a926d4754935332dc29997f74")};
    spec.sequenceNumber = 7;
    spec.vendorId = QByteArray::fromHex("fa6b4a53d5ad5fdfbe9de663e4d41ffe");
    spec.classId = QByteArray::fromHex("1492af1425695e48bf429b2d51f2ab45");
    spec.payload = test::readAll(kDraft + QStringLiteral("8d82573a-926d-4754-9353-32dc29997f74.ta"));
    QVERIFY(!spec.payload.isEmpty());
    const auto bytes = suit::buildEnvelope(spec, {spKey, alg});
    QVERIFY(bytes.ok());

    const auto envelope = suit::parseEnvelope(bytes.value());
    QVERIFY2(envelope.ok(), qPrintable(envelope.ok() ? QString() : envelope.error().toString()));
    QVERIFY(suit::verifyEnvelope(envelope.value(), spKey, crypto::cose::AlgorithmPolicy::standard()).ok());
    QCOMPARE(envelope.value().sequenceNumber, quint64(7));
    QCOMPARE(envelope.value().uri, QStringLiteral("#ta"));
    QCOMPARE(envelope.value().integratedPayloads.value(QStringLiteral("#ta")), spec.payload);
    QVERIFY(suit::checkPayload(envelope.value(), spec.payload).ok());
    QCOMPARE(suit::checkPayload(envelope.value(), spec.payload + "!").error().code, QStringLiteral("suit.payload-size"));
    QByteArray altered = spec.payload;
    altered[0] = static_cast<char>(altered[0] ^ 0x20);
    QCOMPARE(suit::checkPayload(envelope.value(), altered).error().code, QStringLiteral("suit.payload-digest"));
    QCOMPARE(suit::checkSequence(envelope.value(), 7).error().code, QStringLiteral("suit.rollback"));
    QVERIFY(suit::checkSequence(envelope.value(), 6).ok());

    // python3-cbor2 reads the same structure: tag 107, a wrapper with digest and signature.
    test::TempDir dir;
    test::writeAll(dir.path(QStringLiteral("env.suit")), bytes.value());
    const auto run = test::runProgram(QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-c"), QStringLiteral("import cbor2,sys,hashlib; e=cbor2.loads(open(sys.argv[1],'rb').read()); "
                                              "assert e.tag==107; w=cbor2.loads(e.value[2]); d=cbor2.loads(w[0]); "
                                              "assert d[0]==-16 and d[1]==hashlib.sha256(cbor2.dumps(e.value[3])).digest(); "
                                              "m=cbor2.loads(e.value[3]); print(m[2], sorted(k for k in e.value if isinstance(k,int)))"),
         dir.path(QStringLiteral("env.suit"))});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(run.out, QByteArray("7 [2, 3]\n"));
}

void TestSuit::uriEnvelopeCarriesNoPayload()
{
    const crypto::Key spKey = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    suit::TaManifestSpec spec{QCborArray{QByteArray("ta")}, 2, QByteArray(16, 'v'), QByteArray(16, 'c'), QByteArray(4000, 'x'),
                              QStringLiteral("https://tam.example/ta/2")};
    const auto envelope = suit::parseEnvelope(suit::buildEnvelope(spec, {spKey, crypto::cose::kESP256}).value());
    QVERIFY(envelope.ok());
    QVERIFY(envelope.value().integratedPayloads.isEmpty());
    QCOMPARE(envelope.value().uri, QStringLiteral("https://tam.example/ta/2"));
    QVERIFY(envelope.value().encoded.size() < 600); // small enough for a constrained agent's buffer
}

void TestSuit::badInputIsRefused()
{
    QVERIFY(!suit::parseEnvelope(QByteArray()).ok());
    QVERIFY(suit::parseEnvelope(QByteArray::fromHex("d86ba0")).error().message.contains(QStringLiteral("no manifest")));
    QVERIFY(suit::parseEnvelope(QByteArray::fromHex("d818a0")).error().message.contains(QStringLiteral("tag 24")));
    // A manifest swapped under an unchanged authentication wrapper.
    const auto original = teep::cbor::decodeStrict(test::readAll(kCsuit + QStringLiteral("suit_manifest_exp1.suit"))).value();
    QCborMap map = original.taggedValue().toMap();
    const auto other = teep::cbor::decodeStrict(test::readAll(kCsuit + QStringLiteral("suit_manifest_exp0.suit"))).value();
    map.insert(3, other.taggedValue().toMap().value(3));
    QCOMPARE(suit::parseEnvelope(QCborValue(QCborTag(107), map).toCbor()).error().code, QStringLiteral("suit.digest-mismatch"));
    suit::TaManifestSpec spec;
    QVERIFY(!suit::buildEnvelope(spec, {crypto::Key::generate(crypto::KeyAlgorithm::P256).value(), crypto::cose::kESP256}).ok());
}

QTEST_GUILESS_MAIN(TestSuit)
#include "tst_suit.moc"
