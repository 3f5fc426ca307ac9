// OTrP framing: every command signs and unwraps in both directions; the outer name must match
// the signed payload; bad messages map to the OTrP error a TEE would answer with.
#include "crypto/jws.h"
#include "protocol/otrp/otrpframing.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep;
using protocol::otrp::Direction;

namespace {
nlohmann::json tbs()
{
    return {{"ver", "1.0"}, {"rid", "9c1d6b2e"}, {"tid", "t-1"}};
}
} // namespace

class TestOtrpFraming : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void everyCommandRoundTrips();
    void outerNameMustMatchSignedPayload();
    void badMessagesMapToOtrpErrors_data();
    void badMessagesMapToOtrpErrors();
    void errorCodesAreTheDrafts();

private:
    crypto::Key m_key;
};

void TestOtrpFraming::initTestCase()
{
    m_key = crypto::Key::generate(crypto::KeyAlgorithm::Rsa2048).value();
}

void TestOtrpFraming::everyCommandRoundTrips()
{
    for (const QString &command : protocol::otrp::commandNames()) {
        for (Direction direction : {Direction::Request, Direction::Response}) {
            const auto message = protocol::otrp::sign(command, direction, tbs(), {m_key, QStringLiteral("RS256"), {}});
            if (command == QLatin1String("GetDeviceTEEState") && direction == Direction::Request) {
                QVERIFY(!message.ok()); // only ever a response
                continue;
            }
            QVERIFY(message.ok());
            QCOMPARE(QString::fromStdString(message.value().begin().key()), protocol::otrp::signedName(command, direction));
            const auto unwrapped = protocol::otrp::unwrap(QByteArray::fromStdString(message.value().dump()));
            QVERIFY2(unwrapped.ok(), qPrintable(unwrapped.ok() ? QString() : unwrapped.error().toString()));
            QCOMPARE(unwrapped.value().command, command);
            QCOMPARE(unwrapped.value().direction, direction);
            QVERIFY(unwrapped.value().tbs == tbs());
            QVERIFY(crypto::jose::verify(unwrapped.value().jws, m_key).ok());
        }
    }
}

void TestOtrpFraming::outerNameMustMatchSignedPayload()
{
    const nlohmann::json create = protocol::otrp::sign(QStringLiteral("CreateSD"), Direction::Request, tbs(),
                                                       {m_key, QStringLiteral("RS256"), {}}).value();
    // Re-labelled as a DeleteSD: the signature still verifies, the name does not match.
    const nlohmann::json relabelled{{"DeleteSDRequest", create["CreateSDRequest"]}};
    const auto refused = protocol::otrp::unwrap(relabelled);
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().message.contains(QStringLiteral("outer name does not match")));
    QCOMPARE(protocol::otrp::errorCodeFor(refused.error()), QStringLiteral("ERR_REQUEST_INVALID"));
}

void TestOtrpFraming::badMessagesMapToOtrpErrors_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("reason");
    const crypto::Key key = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    auto signedWith = [&key](const nlohmann::json &content, const QString &name = QStringLiteral("GetDeviceStateTBSRequest")) {
        const nlohmann::json payload{{name.toStdString(), content}};
        const nlohmann::json jws = crypto::jose::signFlattened(QByteArray::fromStdString(payload.dump()), {key, QStringLiteral("ES256"), {}}).value();
        return QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateRequest", jws}}.dump());
    };
    QTest::newRow("not JSON") << QByteArray("{\"GetDeviceStateRequest\":") << "ERR_REQUEST_INVALID" << "not valid JSON";
    QTest::newRow("two members") << QByteArray(R"({"a":1,"b":2})") << "ERR_REQUEST_INVALID" << "exactly one member";
    QTest::newRow("unknown name") << QByteArray(R"({"FormatDiskRequest":{}})") << "ERR_REQUEST_INVALID" << "not an OTrP message name";
    QTest::newRow("alg none") << QByteArray(R"({"GetDeviceStateRequest":{"payload":"e30","protected":"eyJhbGciOiJub25lIn0","signature":""}})")
                              << "ERR_UNSUPPORTED_CRYPTO_ALG" << "'none' is not accepted";
    QTest::newRow("version 2.0") << signedWith({{"ver", "2.0"}, {"rid", "r"}, {"tid", "t"}}) << "ERR_UNSUPPORTED_MSG_VERSION" << "2.0";
    QTest::newRow("no version") << signedWith({{"rid", "r"}}) << "ERR_REQUEST_INVALID" << "\"ver\" is missing";
    QTest::newRow("tbs not an object") << signedWith(nlohmann::json::array()) << "ERR_REQUEST_INVALID" << "must be an object";
    QTest::newRow("oversized") << QByteArray(5 * 1024 * 1024, ' ') << "ERR_REQUEST_INVALID" << "at most";
}

void TestOtrpFraming::badMessagesMapToOtrpErrors()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, errorCode);
    QFETCH(QString, reason);
    const auto refused = protocol::otrp::unwrap(message);
    QVERIFY(!refused.ok());
    QCOMPARE(protocol::otrp::errorCodeFor(refused.error()), errorCode);
    QVERIFY2(refused.error().toString().contains(reason), qPrintable(refused.error().toString()));
}

void TestOtrpFraming::errorCodesAreTheDrafts()
{
    QCOMPARE(protocol::otrp::errorCodes().size(), 20);
    QVERIFY(protocol::otrp::isErrorCode(QStringLiteral("ERR_SD_NOT_EMPTY")));
    QVERIFY(protocol::otrp::isErrorCode(QStringLiteral("ERR_TAM_NOT_AUTHORIZED")));
    QVERIFY(!protocol::otrp::isErrorCode(QStringLiteral("ERR_SD_ALREADY_EXIST"))); // -03's typo is not a code
    QCOMPARE(protocol::otrp::errorCodeFor(Error{QStringLiteral("otrp.ERR_SD_NOT_EMPTY"), {}}), QStringLiteral("ERR_SD_NOT_EMPTY"));
    QCOMPARE(protocol::otrp::errorCodeFor(Error{QStringLiteral("jose.invalid"), {}}), QStringLiteral("ERR_REQUEST_INVALID"));
}

QTEST_GUILESS_MAIN(TestOtrpFraming)
#include "tst_otrpframing.moc"
