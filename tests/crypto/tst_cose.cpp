// COSE_Sign1 and COSE_Sign: libteep's signed vectors verify with its keys and its kids are our
// RFC 9679 thumbprints; every flipped byte breaks verification; our objects verify with an
// independent implementation (python3-cryptography over a python3-cbor2 Sig_structure).
#include "cbor/strictcbor.h"
#include "crypto/cosekey.h"
#include "crypto/cosesign.h"
#include "crypto/openssl.h"
#include "crypto/pkiformats.h"
#include "processrun.h"
#include "tempdir.h"

#include <QCborArray>
#include <QTest>

using namespace teep::crypto;
using teep::Result;
using teep::Status;

namespace {
const QString kVectors = QStringLiteral(TEEP_VECTORS_DIR "/libteep/");

Key vectorKey(const QString &name)
{
    const auto key = Key::fromPublicKey(teep::test::readAll(kVectors + QStringLiteral("key/") + name));
    if (!key)
        qFatal("cannot read %s", qPrintable(name));
    return key.value();
}

Result<cose::SignedObject> parseFile(const QString &name)
{
    const auto value = teep::cbor::decodeStrict(teep::test::readAll(kVectors + name));
    if (!value)
        return value.error();
    return cose::parse(value.value());
}
} // namespace

class TestCose : public QObject
{
    Q_OBJECT

private slots:
    void libteepVectorsVerifyWithTheirSigners_data();
    void libteepVectorsVerifyWithTheirSigners();
    void kidIsTheRfc9679Thumbprint();
    void kidNamingAnotherKeyIsRefused();
    void standardPolicyRefusesLegacyAlgorithms();
    void es384VectorIsRefusedClearly();
    void everyFlippedByteFailsVerification();
    void roundTripsSign1AndSign_data();
    void roundTripsSign1AndSign();
    void multiSignerVerifiesWithEitherKey();
    void headerRulesAreEnforced();
    void coseKeyRoundTripsAndRejectsOffCurvePoints();
    void independentImplementationVerifiesOurSign1();
};

void TestCose::libteepVectorsVerifyWithTheirSigners_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("signer");
    // The TAM signs what it sends to the agent; the agent signs its answers.
    QTest::newRow("QueryRequest") << "query_request_cose.cbor" << "tam_prime256v1_pub.pem";
    QTest::newRow("Update") << "update_cose.cbor" << "tam_prime256v1_pub.pem";
    QTest::newRow("QueryResponse") << "query_response_cose.cbor" << "teep_agent_prime256v1_pub.pem";
    QTest::newRow("Success") << "teep_success_cose.cbor" << "teep_agent_prime256v1_pub.pem";
    QTest::newRow("Error") << "teep_error_cose.cbor" << "teep_agent_prime256v1_pub.pem";
}

void TestCose::libteepVectorsVerifyWithTheirSigners()
{
    QFETCH(QString, file);
    QFETCH(QString, signer);
    const auto object = parseFile(file);
    QVERIFY2(object.ok(), qPrintable(object.ok() ? QString() : object.error().toString()));
    QCOMPARE(object.value().body.alg, cose::kES256);
    const Status verified = cose::verify(object.value(), vectorKey(signer), cose::AlgorithmPolicy::compatible());
    QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().message));
    // The payload is the unsigned message shipped beside it.
    const QString plain = QString(file).replace(QStringLiteral("_cose"), QString());
    QCOMPARE(object.value().payload, teep::test::readAll(kVectors + plain));
    // And the other party's key does not verify it.
    const QString other = signer.startsWith(QLatin1String("tam")) ? QStringLiteral("teep_agent_prime256v1_pub.pem")
                                                                   : QStringLiteral("tam_prime256v1_pub.pem");
    QCOMPARE(cose::verify(object.value(), vectorKey(other), cose::AlgorithmPolicy::compatible()).error().code,
             QStringLiteral("cose.verify-failed"));
}

void TestCose::kidIsTheRfc9679Thumbprint()
{
    const auto object = parseFile(QStringLiteral("query_request_cose.cbor"));
    QVERIFY(object.ok());
    QCOMPARE(object.value().body.kid.size(), 32);
    QCOMPARE(coseKeyThumbprint(vectorKey(QStringLiteral("tam_prime256v1_pub.pem"))).value().toHex(),
             object.value().body.kid.toHex());
}

void TestCose::kidNamingAnotherKeyIsRefused()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const QByteArray bytes = cose::sign1("payload", {key, cose::kESP256}).value();
    QCborArray array = teep::cbor::decodeStrict(bytes).value().taggedValue().toArray();
    array[1] = QCborMap{{cose::kHeaderKid, QByteArray(32, '\x42')}};
    const auto object = cose::parse(QCborValue(QCborTag(18), array));
    const Status refused = cose::verify(object.value(), key, cose::AlgorithmPolicy::standard());
    QVERIFY(refused.error().message.contains(QStringLiteral("names another key")));
    array[1] = QCborMap(); // no kid at all: the signature decides
    QVERIFY(cose::verify(cose::parse(QCborValue(QCborTag(18), array)).value(), key, cose::AlgorithmPolicy::standard()).ok());
}

void TestCose::standardPolicyRefusesLegacyAlgorithms()
{
    const auto object = parseFile(QStringLiteral("update_cose.cbor"));
    const Status refused = cose::verify(object.value(), vectorKey(QStringLiteral("tam_prime256v1_pub.pem")),
                                        cose::AlgorithmPolicy::standard());
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(QStringLiteral("ES256 (-7) is not accepted")), qPrintable(refused.error().message));
}

void TestCose::es384VectorIsRefusedClearly()
{
    const auto object = parseFile(QStringLiteral("query_request_es384.cbor"));
    QVERIFY(object.ok());
    QCOMPARE(object.value().body.alg, cose::kES384);
    const Status refused = cose::verify(object.value(), vectorKey(QStringLiteral("tam_prime256v1_pub.pem")),
                                        cose::AlgorithmPolicy::compatible());
    QVERIFY(refused.error().message.contains(QStringLiteral("ES384 (-35) is not accepted")));
    // Even if a peer's policy admitted ES384, a P-256 key cannot be the signer.
    const Status wrongKey = cose::verify(object.value(), vectorKey(QStringLiteral("tam_prime256v1_pub.pem")), {{cose::kES384}});
    QVERIFY(wrongKey.error().message.contains(QStringLiteral("needs a matching key")));
}

void TestCose::everyFlippedByteFailsVerification()
{
    const QByteArray original = teep::test::readAll(kVectors + QStringLiteral("update_cose.cbor"));
    const Key tam = vectorKey(QStringLiteral("tam_prime256v1_pub.pem"));
    int decodeFailures = 0;
    for (qsizetype i = 0; i < original.size(); ++i) {
        QByteArray tampered = original;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        const auto value = teep::cbor::decodeStrict(tampered);
        if (!value) {
            ++decodeFailures;
            continue;
        }
        const auto object = cose::parse(value.value());
        if (!object)
            continue;
        const Status verified = cose::verify(object.value(), tam, cose::AlgorithmPolicy::compatible());
        QVERIFY2(!verified.ok(), qPrintable(QStringLiteral("byte %1 flipped still verifies").arg(i)));
        QVERIFY(!verified.error().message.isEmpty());
    }
    QVERIFY(decodeFailures < original.size()); // most flips decode and are caught by the signature
}

void TestCose::roundTripsSign1AndSign_data()
{
    QTest::addColumn<KeyAlgorithm>("keyAlgorithm");
    QTest::addColumn<qint64>("alg");
    QTest::newRow("ESP256") << KeyAlgorithm::P256 << cose::kESP256;
    QTest::newRow("ES256") << KeyAlgorithm::P256 << cose::kES256;
    QTest::newRow("Ed25519") << KeyAlgorithm::Ed25519 << cose::kEd25519;
    QTest::newRow("EdDSA") << KeyAlgorithm::Ed25519 << cose::kEdDSA;
}

void TestCose::roundTripsSign1AndSign()
{
    QFETCH(KeyAlgorithm, keyAlgorithm);
    QFETCH(qint64, alg);
    const Key key = Key::generate(keyAlgorithm).value();
    const QByteArray payload = QByteArray::fromHex("8305a1145001020304050607080910111213141516");
    const Result<QByteArray> signedBytes = cose::sign1(payload, {key, alg});
    QVERIFY(signedBytes.ok());
    const auto object = cose::parse(teep::cbor::decodeStrict(signedBytes.value()).value());
    QVERIFY(object.ok());
    QCOMPARE(object.value().payload, payload);
    QCOMPARE(object.value().body.kid, coseKeyThumbprint(key).value());
    QVERIFY(cose::verify(object.value(), key, cose::AlgorithmPolicy::compatible()).ok());
    if (alg == cose::kES256 || alg == cose::kEdDSA)
        QVERIFY(!cose::verify(object.value(), key, cose::AlgorithmPolicy::standard()).ok());
    if (keyAlgorithm == KeyAlgorithm::P256)
        QCOMPARE(object.value().signers.first().signature.size(), 64); // raw r||s
    QVERIFY(!cose::verify(object.value(), Key::generate(keyAlgorithm).value(), cose::AlgorithmPolicy::compatible()).ok());
    // Signing with a key of the wrong kind is refused before anything is produced.
    const Key other = Key::generate(keyAlgorithm == KeyAlgorithm::P256 ? KeyAlgorithm::Ed25519 : KeyAlgorithm::P256).value();
    QCOMPARE(cose::sign1(payload, {other, alg}).error().code, QStringLiteral("crypto.key-mismatch"));
}

void TestCose::multiSignerVerifiesWithEitherKey()
{
    // The first QueryRequest carries one signature per algorithm the TAM offers.
    const Key p256 = Key::generate(KeyAlgorithm::P256).value();
    const Key ed = Key::generate(KeyAlgorithm::Ed25519).value();
    const QByteArray payload("first query request");
    const Result<QByteArray> bytes = cose::signMulti(payload, {{p256, cose::kESP256}, {ed, cose::kEd25519}});
    QVERIFY(bytes.ok());
    const QCborValue decoded = teep::cbor::decodeStrict(bytes.value()).value();
    QCOMPARE(quint64(decoded.tag()), quint64(98));
    const auto object = cose::parse(decoded);
    QVERIFY(object.ok());
    QVERIFY(object.value().multiSigner);
    QCOMPARE(object.value().signers.size(), 2);
    QVERIFY(cose::verify(object.value(), p256, cose::AlgorithmPolicy::standard()).ok());
    QVERIFY(cose::verify(object.value(), ed, cose::AlgorithmPolicy::standard()).ok());
    // An agent that only does Ed25519 still verifies; one that accepts neither is told why.
    QVERIFY(cose::verify(object.value(), ed, {{cose::kEd25519}}).ok());
    QVERIFY(cose::verify(object.value(), p256, {{cose::kEd25519}}).error().message.contains(QStringLiteral("ESP256 (-9) is not accepted")));
}

void TestCose::headerRulesAreEnforced()
{
    const QByteArray payload("x");
    const QByteArray signature(64, '\0');
    auto parseWith = [&](const QByteArray &protectedBytes, const QCborMap &unprotectedMap) {
        return cose::parse(QCborValue(QCborTag(18), QCborArray{protectedBytes, unprotectedMap, payload, signature}));
    };
    const QByteArray algOnly = QCborValue(QCborMap{{1, -9}}).toCbor();
    QVERIFY(parseWith(algOnly, {}).ok());
    QVERIFY(parseWith(QByteArray(), QCborMap{{1, -9}}).error().message.contains(QStringLiteral("must be in the protected header")));
    QVERIFY(parseWith(algOnly, QCborMap{{1, -9}}).error().message.contains(QStringLiteral("both protected and unprotected")));
    const QByteArray unknownCrit = QCborValue(QCborMap{{1, -9}, {2, QCborArray{99}}, {99, 1}}).toCbor();
    QVERIFY(parseWith(unknownCrit, {}).error().message.contains(QStringLiteral("99 is not understood")));
    QVERIFY(parseWith(algOnly, QCborMap{{5, QByteArray(16, 'i')}}).error().message.contains(QStringLiteral("parameter 5 is not understood")));
    const QByteArray critMissing = QCborValue(QCborMap{{1, -9}, {2, QCborArray{3}}}).toCbor();
    QVERIFY(parseWith(critMissing, {}).error().message.contains(QStringLiteral("not in the protected header")));
    QVERIFY(parseWith(QByteArray::fromHex("a10128ff"), {}).error().message.contains(QStringLiteral("not valid CBOR")));
    QVERIFY(cose::parse(QCborValue(QCborTag(17), QCborArray{})).error().message.contains(QStringLiteral("tag 17")));
    QVERIFY(cose::parse(QCborValue(QCborArray{algOnly, QCborMap(), payload, signature})).error().message.contains(QStringLiteral("not a tagged")));
    QVERIFY(cose::parse(QCborValue(QCborArray{algOnly, QCborMap(), payload, signature}), true).ok());
    QVERIFY(cose::parse(QCborValue(QCborTag(18), QCborArray{algOnly, QCborMap(), QCborValue(nullptr), signature}))
                .error().message.contains(QStringLiteral("detached payloads are not expected")));
}

void TestCose::coseKeyRoundTripsAndRejectsOffCurvePoints()
{
    for (KeyAlgorithm algorithm : {KeyAlgorithm::P256, KeyAlgorithm::Ed25519}) {
        const Key key = Key::generate(algorithm).value();
        const Result<Key> back = fromCoseKey(toCoseKey(key).value());
        QVERIFY(back.ok());
        QVERIFY(back.value().samePublicKey(key));
    }
    // A key made from a COSE_Key carries its SPKI and thumbprint from the parts (not read back
    // out of OpenSSL): they must be what OpenSSL itself would encode, for both curves.
    const Key p384{PKeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"))};
    for (const Key &key : {Key::generate(KeyAlgorithm::P256).value(), p384}) {
        const Key back = fromCoseKey(toCoseKey(key).value()).value();
        QCOMPARE(back.publicKeyDer().toHex(), key.publicKeyDer().toHex());
        QCOMPARE(coseKeyThumbprint(back).value().toHex(), coseKeyThumbprint(key).value().toHex());
        QCOMPARE(toCoseKey(back).value(), toCoseKey(key).value());
        QVERIFY(Key::fromPublicKey(back.publicKeyDer()).value().samePublicKey(key));
    }
    QCborMap outOfRange = toCoseKey(Key::generate(KeyAlgorithm::P256).value()).value();
    outOfRange.insert(-2, QByteArray(32, '\xff')); // x >= p
    QVERIFY(!fromCoseKey(outOfRange).ok());

    QCborMap offCurve = toCoseKey(Key::generate(KeyAlgorithm::P256).value()).value();
    QByteArray y = offCurve.value(-3).toByteArray();
    y[31] = static_cast<char>(y[31] ^ 0x01);
    offCurve.insert(-3, y);
    QVERIFY(fromCoseKey(offCurve).error().message.contains(QStringLiteral("not a point on the curve")));
    QVERIFY(fromCoseKey(QCborMap{{1, 3}, {-1, 1}}).error().message.contains(QStringLiteral("unsupported COSE_Key")));
    QVERIFY(!toCoseKey(Key::generate(KeyAlgorithm::Rsa2048).value()).ok());
}

void TestCose::independentImplementationVerifiesOurSign1()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    const Key ed = Key::generate(KeyAlgorithm::Ed25519).value();
    teep::test::TempDir dir;
    teep::test::writeAll(dir.path(QStringLiteral("p256.cose")), cose::sign1("payload for python", {key, cose::kESP256}).value());
    teep::test::writeAll(dir.path(QStringLiteral("ed.cose")), cose::sign1("payload for python", {ed, cose::kEd25519}).value());
    teep::test::writeAll(dir.path(QStringLiteral("p256.pem")), key.publicKeyPem());
    teep::test::writeAll(dir.path(QStringLiteral("ed.pem")), ed.publicKeyPem());
    // python3-cbor2 builds the Sig_structure and python3-cryptography verifies: none of our code.
    const QString script = QStringLiteral(R"(
import cbor2, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
for name in ('p256', 'ed'):
    obj = cbor2.loads(open(sys.argv[1] + '/' + name + '.cose', 'rb').read())
    assert obj.tag == 18
    prot, unprot, payload, sig = obj.value
    assert cbor2.loads(prot)[1] in (-9, -19)
    tbs = cbor2.dumps(['Signature1', prot, b'', payload])
    key = serialization.load_pem_public_key(open(sys.argv[1] + '/' + name + '.pem', 'rb').read())
    if name == 'p256':
        der = utils.encode_dss_signature(int.from_bytes(sig[:32], 'big'), int.from_bytes(sig[32:], 'big'))
        key.verify(der, tbs, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(sig, tbs)
    print(name, 'ok')
)");
    const auto run = teep::test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, dir.path(QString())});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(run.out, QByteArray("p256 ok\ned ok\n"));
}

QTEST_GUILESS_MAIN(TestCose)
#include "tst_cose.moc"
