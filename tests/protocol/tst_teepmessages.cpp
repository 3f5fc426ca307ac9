// TEEP messages: the draft's examples and libteep's messages decode; the err vectors are refused
// with the TEEP error code they are meant to provoke; our encoder reproduces the draft's bytes;
// hostile options are refused with the field named.
#include "cbor/strictcbor.h"
#include "protocol/teep/teepcodec.h"
#include "protocol/teep/teepnegotiation.h"
#include "tempdir.h"

#include <QRegularExpression>
#include <QTest>

using namespace teep::protocol;
using teep::Result;

namespace {
const QString kLibteep = QStringLiteral(TEEP_VECTORS_DIR "/libteep/");
const QString kDraft = QStringLiteral(TEEP_VECTORS_DIR "/teep-draft/");
const QByteArray kToken = QByteArray::fromHex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");

// The draft's annotated hex: '#' starts a comment; whitespace separates bytes.
QByteArray draftHex(const QString &name)
{
    QByteArray hex;
    for (const QByteArray &line : teep::test::readAll(kDraft + name).split('\n'))
        hex += line.left(line.indexOf('#') < 0 ? line.size() : line.indexOf('#')).simplified().replace(' ', "");
    return QByteArray::fromHex(hex);
}

Result<DecodedMessage> decodeFile(const QString &path, const DecodeProfile &profile)
{
    return decodeMessageBytes(teep::test::readAll(path), profile);
}
} // namespace

class TestTeepMessages : public QObject
{
    Q_OBJECT

private slots:
    void draftQueryRequestDecodes();
    void encoderReproducesTheDraftQueryRequest();
    void draftQueryResponseDecodes();
    void libteepMessagesDecode_data();
    void libteepMessagesDecode();
    void errVectorsAreRefusedWithTheirTeepError_data();
    void errVectorsAreRefusedWithTheirTeepError();
    void legacyQueryRequestNegotiatesOnlyInCompatibility();
    void everyMessageRoundTrips();
    void hostileOptionsAreRefused_data();
    void hostileOptionsAreRefused();
};

void TestTeepMessages::draftQueryRequestDecodes()
{
    const auto decoded = decodeMessageBytes(draftHex(QStringLiteral("query_request.hex.txt")));
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().toString()));
    QVERIFY(decoded.value().compatibilityNotes.isEmpty());
    const auto &request = std::get<QueryRequest>(decoded.value().message);
    QCOMPARE(request.token, kToken);
    QCOMPARE(request.versions, QList<quint64>{0});
    QCOMPARE(request.cipherSuites, (QList<CipherSuite>{{{18, -9}}, {{18, -19}}}));
    QCOMPARE(request.suitCoseProfiles.size(), 4);
    QCOMPARE(request.suitCoseProfiles[3], (SuitCoseProfile{-16, -19, -29, 24}));
    QCOMPARE(request.dataItemRequested, dataitem::Attestation | dataitem::TrustedComponents);
    QCOMPARE(dataItemNames(request.dataItemRequested), QStringLiteral("attestation | trusted-components"));
    const auto selection = selectForQueryRequest(request, AgentCapabilities());
    QVERIFY(selection.ok());
    QCOMPARE(selection.value().cipherSuite, (CipherSuite{{18, -9}}));
}

void TestTeepMessages::encoderReproducesTheDraftQueryRequest()
{
    QueryRequest request;
    request.token = kToken;
    request.versions = {0};
    request.cipherSuites = {{{18, -9}}, {{18, -19}}};
    request.suitCoseProfiles = {{-16, -9, -29, -65534}, {-16, -19, -29, -65534}, {-16, -9, -29, 1}, {-16, -19, -29, 24}};
    request.dataItemRequested = 3;
    // The draft lists token before versions; so does our encoder.
    QCOMPARE(encodeMessage(request).toHex(), draftHex(QStringLiteral("query_request.hex.txt")).toHex());
}

void TestTeepMessages::draftQueryResponseDecodes()
{
    const auto decoded = decodeMessageBytes(draftHex(QStringLiteral("query_response.hex.txt")));
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().toString()));
    const auto &response = std::get<QueryResponse>(decoded.value().message);
    QCOMPARE(response.token, kToken);
    QCOMPARE(response.selectedVersion.value_or(99), quint64(0));
    QVERIFY(response.attestationPayload.has_value());
    QVERIFY(response.attestationPayload->isEmpty());
    QVERIFY(response.tcList.has_value());
    QCOMPARE(response.tcList->size(), 1);
    QCOMPARE(response.tcList->at(0).toMap().value(0).toArray().at(0).toByteArray(), QByteArray::fromHex("0102030405060708090A0B0C0D0E0F"));
    QCOMPARE(encodeMessage(response), draftHex(QStringLiteral("query_response.hex.txt")));
}

void TestTeepMessages::libteepMessagesDecode_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("standard");
    QTest::addColumn<QString>("note");
    QTest::newRow("query_request") << "query_request.cbor" << 1 << true << "";
    QTest::newRow("query_response (label 5)") << "query_response.cbor" << 2 << false << "selected-teep-cipher-suite (removed)";
    QTest::newRow("update") << "update.cbor" << 3 << true << "";
    QTest::newRow("ta_update (integer token)") << "ta_update.cbor" << 3 << false << "token is an integer";
    QTest::newRow("ta_update2") << "ta_update2.cbor" << 3 << false << "token is an integer";
    QTest::newRow("teep_success") << "teep_success.cbor" << 5 << true << "";
    QTest::newRow("teep_error") << "teep_error.cbor" << 6 << true << "";
}

void TestTeepMessages::libteepMessagesDecode()
{
    QFETCH(QString, file);
    QFETCH(int, type);
    QFETCH(bool, standard);
    QFETCH(QString, note);
    const auto strict = decodeFile(kLibteep + file, DecodeProfile::standard());
    QCOMPARE(strict.ok(), standard);
    const auto compatible = decodeFile(kLibteep + file, DecodeProfile::compatible());
    QVERIFY2(compatible.ok(), qPrintable(compatible.ok() ? QString() : compatible.error().toString()));
    QCOMPARE(int(messageType(compatible.value().message)), type);
    if (note.isEmpty()) {
        QVERIFY(compatible.value().compatibilityNotes.isEmpty());
    } else {
        QVERIFY2(compatible.value().compatibilityNotes.join(QLatin1Char('\n')).contains(note),
                 qPrintable(compatible.value().compatibilityNotes.join(QLatin1Char('\n'))));
        QVERIFY(!strict.error().message.isEmpty());
    }
    if (type == 6) {
        const auto &error = std::get<ErrorMessage>(compatible.value().message);
        QCOMPARE(error.errCode, quint64(17));
        QCOMPARE(errorCodeName(error.errCode), QStringLiteral("ERR_MANIFEST_PROCESSING_FAILED"));
        QCOMPARE(error.errMsg, QStringLiteral("disk-full"));
    }
    if (type == 3)
        QCOMPARE(std::get<Update>(compatible.value().message).manifestList.size(), 1);
}

void TestTeepMessages::errVectorsAreRefusedWithTheirTeepError_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("errCode");
    QTest::addColumn<QString>("reason");
    QTest::newRow("err1: version 1") << "query_request_err1.cbor" << int(ErrorCode::UnsupportedMsgVersion) << "offered versions [1]";
    QTest::newRow("err2: no signing suite") << "query_request_err2.cbor" << int(ErrorCode::UnsupportedCipherSuites) << "no signing algorithm";
    QTest::newRow("err3: 2-byte token") << "query_request_err3.cbor" << int(ErrorCode::PermanentError) << "is 2 bytes; 8 to 64";
}

void TestTeepMessages::errVectorsAreRefusedWithTheirTeepError()
{
    QFETCH(QString, file);
    QFETCH(int, errCode);
    QFETCH(QString, reason);
    // Each is judged as an agent would: decode (compatibility, as they are draft -12 messages),
    // then negotiate; the first failure decides the err-code.
    const auto decoded = decodeFile(kLibteep + file, DecodeProfile::compatible());
    teep::Error failure;
    if (!decoded) {
        failure = decoded.error();
    } else {
        const auto selection = selectForQueryRequest(std::get<QueryRequest>(decoded.value().message), AgentCapabilities::legacy());
        QVERIFY(!selection.ok());
        failure = selection.error();
    }
    QCOMPARE(int(errorCodeFor(failure)), errCode);
    QVERIFY2(failure.toString().contains(reason), qPrintable(failure.toString()));
    // Their signed twins carry the same payload.
    const QString cose = QString(file).replace(QStringLiteral(".cbor"), QStringLiteral("_cose.cbor"));
    const auto wrapped = teep::cbor::decodeStrict(teep::test::readAll(kLibteep + cose));
    QVERIFY(wrapped.ok());
    QCOMPARE(wrapped.value().taggedValue().toArray().at(2).toByteArray(), teep::test::readAll(kLibteep + file));
}

void TestTeepMessages::legacyQueryRequestNegotiatesOnlyInCompatibility()
{
    const auto wrapped = teep::cbor::decodeStrict(teep::test::readAll(kLibteep + QStringLiteral("query_request_es256.cbor")));
    const QByteArray payload = wrapped.value().taggedValue().toArray().at(2).toByteArray();
    QCOMPARE(decodeMessageBytes(payload, DecodeProfile::standard()).error().code, QStringLiteral("teep.malformed"));
    const auto decoded = decodeMessageBytes(payload, DecodeProfile::compatible());
    QVERIFY(decoded.ok());
    QVERIFY(decoded.value().compatibilityNotes.first().contains(QStringLiteral("draft -12 form")));
    const auto &request = std::get<QueryRequest>(decoded.value().message);
    QVERIFY(selectForQueryRequest(request, AgentCapabilities::legacy()).ok());
    const auto refused = selectForQueryRequest(request, AgentCapabilities());
    QCOMPARE(refused.error().code, QStringLiteral("teep.unsupported-cipher-suites"));
}

void TestTeepMessages::everyMessageRoundTrips()
{
    QueryRequest request;
    request.challenge = QByteArray(32, 'c');
    request.freshnessMechanisms = {FreshnessNonce};
    request.cipherSuites = {{{18, -19}}};
    request.suitCoseProfiles = {{-16, -19, -29, 24}};
    request.dataItemRequested = dataitem::Attestation;
    QueryResponse response;
    response.token = kToken;
    response.selectedVersion = 0;
    response.attestationPayloadFormat = QStringLiteral("application/eat+cwt");
    response.attestationPayload = QByteArray("evidence");
    response.tcList = QCborArray{QCborMap{{0, QCborArray{QByteArray("ta-1")}}}};
    response.requestedTcList = {{QCborArray{QByteArray("ta-2")}, 3, true}};
    response.unneededManifestList = {QCborArray{QByteArray("ta-3")}};
    Update update;
    update.token = kToken;
    update.manifestList = {QByteArray("envelope")};
    update.unneededManifestList = {QCborArray{QByteArray("old")}};
    update.errCode = 7;
    update.errMsg = QStringLiteral("attest first");
    Success success{kToken, QStringLiteral("installed"), {}};
    ErrorMessage error;
    error.token = kToken;
    error.errCode = quint64(ErrorCode::UnsupportedCipherSuites);
    error.cipherSuites = {{{18, -9}}, {{18, -19}}};
    error.versions = {0};
    for (const Message &message : QList<Message>{request, response, update, success, error}) {
        const QByteArray bytes = encodeMessage(message);
        const auto decoded = decodeMessageBytes(bytes);
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().toString()));
        QCOMPARE(messageType(decoded.value().message), messageType(message));
        QCOMPARE(encodeMessage(decoded.value().message), bytes); // nothing lost or added
    }
}

void TestTeepMessages::hostileOptionsAreRefused_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("reason");
    auto hex = [](const char *text) { return QByteArray::fromHex(text); };
    QTest::newRow("not an array") << hex("a0") << "array [type, options";
    QTest::newRow("type 4 is reserved") << hex("8204a0") << "type 4 is reserved";
    QTest::newRow("unknown type") << hex("8209a0") << "unknown TEEP message type 9";
    QTest::newRow("options not a map") << hex("820580") << "array [type, options";
    QTest::newRow("token too long") << hex("8205a1145841") + QByteArray(65, '\0') << "is 65 bytes";
    QTest::newRow("token wrong type") << hex("8205a1146161") << "must be a byte string";
    QTest::newRow("label of another message") << hex("8205a10a80") << "manifest-list (label 10): does not belong in a Success";
    QTest::newRow("label 0") << hex("8205a10000") << "does not belong";
    QTest::newRow("text label") << hex("8205a1616100") << "option labels are unsigned integers";
    QTest::newRow("empty manifest-list") << hex("8203a10a80") << "must not be empty";
    QTest::newRow("msg too long") << hex("8205a10b7881") + QByteArray(129, 'a') << "has 129 characters";
    QTest::newRow("reserved err-code") << hex("8306a00c") << "err-code 12 is reserved";
    QTest::newRow("error without code") << hex("8206a0") << "[6, options, err-code]";
    QTest::newRow("bad component id") << hex("8202a10f8181 01") << "SUIT_Component_Identifier";
    QTest::newRow("query request too short") << hex("8301a003") << "has 3 elements";
    QTest::newRow("cipher suite shape") << hex("8501a0818112" "80" "00") << "[cose-type, alg]";
}

void TestTeepMessages::hostileOptionsAreRefused()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, reason);
    const auto decoded = decodeMessageBytes(message);
    QVERIFY2(!decoded.ok(), qPrintable(message.toHex()));
    QCOMPARE(decoded.error().code, QStringLiteral("teep.malformed"));
    QVERIFY2(decoded.error().toString().contains(reason), qPrintable(decoded.error().toString()));
    QCOMPARE(errorCodeFor(decoded.error()), ErrorCode::PermanentError);
}

QTEST_GUILESS_MAIN(TestTeepMessages)
#include "tst_teepmessages.moc"
