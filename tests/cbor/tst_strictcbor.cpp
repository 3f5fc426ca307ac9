// The strict CBOR reader: every vector decodes; malformed, oversized, ambiguous or hostile input
// is refused with the offset; deterministic encoding agrees with python3-cbor2's canonical form.
#include "cbor/strictcbor.h"
#include "processrun.h"
#include "tempdir.h"

#include <QCborArray>
#include <QCborMap>
#include <QDir>
#include <QTest>

using teep::cbor::decodeStrict;
using teep::cbor::Limits;

class TestStrictCbor : public QObject
{
    Q_OBJECT

private slots:
    void decodesEveryLibteepVector();
    void refusesBadInput_data();
    void refusesBadInput();
    void limitsAreEnforced();
    void preferredSerializationCanBeRequired();
    void deterministicEncodingMatchesCbor2();
};

void TestStrictCbor::decodesEveryLibteepVector()
{
    const QDir dir(QStringLiteral(TEEP_VECTORS_DIR "/libteep"));
    const QStringList files = dir.entryList({QStringLiteral("*.cbor")}, QDir::Files);
    QVERIFY(files.size() >= 20);
    for (const QString &name : files) {
        const auto decoded = decodeStrict(teep::test::readAll(dir.filePath(name)));
        QVERIFY2(decoded.ok(), qPrintable(name + QStringLiteral(": ") + (decoded.ok() ? QString() : decoded.error().toString())));
        // TEEP messages are arrays, COSE objects tags, evidence and results claim maps.
        QVERIFY(decoded.value().isArray() || decoded.value().isTag() || decoded.value().isMap());
    }
}

void TestStrictCbor::refusesBadInput_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QByteArray() << "cbor.empty" << "no CBOR";
    QTest::newRow("truncated array") << QByteArray::fromHex("830102") << "cbor.invalid" << "truncated";
    QTest::newRow("truncated bytes") << QByteArray::fromHex("4a0102") << "cbor.invalid" << "";
    QTest::newRow("trailing bytes") << QByteArray::fromHex("0102") << "cbor.invalid" << "after the CBOR item";
    QTest::newRow("indefinite array") << QByteArray::fromHex("9f0102ff") << "cbor.invalid" << "indefinite-length array";
    QTest::newRow("indefinite map") << QByteArray::fromHex("bf0102ff") << "cbor.invalid" << "indefinite-length map";
    QTest::newRow("indefinite bytes") << QByteArray::fromHex("5f4101ff") << "cbor.invalid" << "indefinite-length byte string";
    QTest::newRow("duplicate key") << QByteArray::fromHex("a201010102") << "cbor.duplicate-key" << "appears twice";
    QTest::newRow("invalid UTF-8") << QByteArray::fromHex("62c328") << "cbor.invalid" << "";
    QTest::newRow("below -2^63") << QByteArray::fromHex("3bffffffffffffffff") << "cbor.invalid" << "below -2^63";
    QTest::newRow("above 2^63-1") << QByteArray::fromHex("1bffffffffffffffff") << "cbor.invalid" << "above 2^63-1";
    QTest::newRow("huge declared length") << QByteArray::fromHex("5bffffffffffffff00") << "cbor.invalid" << "";
    QTest::newRow("reserved additional info") << QByteArray::fromHex("1c") << "cbor.invalid" << "";
}

void TestStrictCbor::refusesBadInput()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, code);
    QFETCH(QString, reason);
    const auto decoded = decodeStrict(input);
    QVERIFY2(!decoded.ok(), qPrintable(input.toHex()));
    QCOMPARE(decoded.error().code, code);
    QVERIFY2(decoded.error().message.contains(reason), qPrintable(decoded.error().toString()));
    if (code == QLatin1String("cbor.invalid") || code == QLatin1String("cbor.duplicate-key"))
        QVERIFY(decoded.error().where.startsWith(QStringLiteral("offset ")));
}

void TestStrictCbor::limitsAreEnforced()
{
    Limits limits;
    limits.maxDepth = 8;
    const QByteArray deep = QByteArray(20, '\x81') + QByteArray(1, '\x01');
    QVERIFY(decodeStrict(deep, limits).error().message.contains(QStringLiteral("deeper than 8")));
    limits = {};
    limits.maxItems = 50;
    QByteArray many = QByteArray::fromHex("9864") + QByteArray(100, '\x01'); // array of 100 ints
    QVERIFY(decodeStrict(many, limits).error().message.contains(QStringLiteral("too long")));
    limits = {};
    limits.maxBytes = 16;
    QCOMPARE(decodeStrict(QByteArray(17, '\x01'), limits).error().code, QStringLiteral("cbor.too-large"));
    // A long but legal input within limits decodes.
    QCOMPARE(decodeStrict(QByteArray::fromHex("9864") + QByteArray(100, '\x01')).value().toArray().size(), 100);
}

void TestStrictCbor::preferredSerializationCanBeRequired()
{
    Limits limits;
    limits.requirePreferred = true;
    QVERIFY(decodeStrict(QByteArray::fromHex("1817"), {}).ok()); // 23 in two bytes: legal
    QCOMPARE(decodeStrict(QByteArray::fromHex("1817"), limits).error().code, QStringLiteral("cbor.not-preferred"));
    QVERIFY(decodeStrict(QByteArray::fromHex("17"), limits).ok());
}

void TestStrictCbor::deterministicEncodingMatchesCbor2()
{
    const QCborMap key{{-3, QByteArray(32, 'y')}, {1, 2}, {-2, QByteArray(32, 'x')}, {-1, 1}, {QStringLiteral("z"), true}};
    const QCborValue value(QCborArray{key, QCborMap{{100, 1}, {10, 2}}, -1000000, QStringLiteral("text")});
    const QByteArray ours = teep::cbor::encodeDeterministic(value);
    teep::test::TempDir dir;
    const QString path = dir.path(QStringLiteral("ours.cbor"));
    teep::test::writeAll(path, ours);
    // python3-cbor2 decodes it and re-encodes canonically: the bytes must be identical.
    const auto run = teep::test::runProgram(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-c"), QStringLiteral("import cbor2,sys; d=open(sys.argv[1],'rb').read(); "
                                              "sys.stdout.write(cbor2.dumps(cbor2.loads(d), canonical=True).hex())"),
         path});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(QString::fromLatin1(run.out), QString::fromLatin1(ours.toHex()));
    QVERIFY(ours.startsWith(QByteArray::fromHex("84a5")));
}

QTEST_GUILESS_MAIN(TestStrictCbor)
#include "tst_strictcbor.moc"
