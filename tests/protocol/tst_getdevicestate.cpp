// GetDeviceState end to end in one process, TAM side and simulated TEE side, with real keys and
// certificates: the happy path, and each check either side makes.
#include "crypto/jwe.h"
#include "pkifixtures.h"
#include "protocol/otrp/getdevicestate.h"
#include "protocol/otrp/otrpframing.h"
#include "sim/otrptee.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep;
using namespace teep::crypto;
using protocol::otrp::DeviceState;

namespace {
const QString kTamId = QStringLiteral("urn:example:tam:one");

struct Pki
{
    test::Issued tamRoot, tam, teeRoot, teeCa, tee, tfwRoot, tfw;
};

Pki makePki(KeyAlgorithm tamAlgorithm)
{
    Pki pki;
    pki.tamRoot = test::makeRoot(QStringLiteral("TAM Root"), tamAlgorithm);
    CertificateSpec spec;
    spec.commonName = QStringLiteral("TAM");
    spec.profile = CertificateProfile::TamSigning;
    spec.uris = {kTamId};
    const Key tamKey = Key::generate(tamAlgorithm).value();
    pki.tam = {tamKey, issueCertificate(spec, tamKey, pki.tamRoot.key, pki.tamRoot.certificate).value()};
    pki.teeRoot = test::makeRoot(QStringLiteral("TEE Root"));
    pki.teeCa = test::issueUnder(pki.teeRoot, QStringLiteral("TEE CA"), CertificateProfile::IntermediateCa);
    pki.tee = test::issueUnder(pki.teeCa, QStringLiteral("TEE of device 7"), CertificateProfile::TeeAttestation);
    pki.tfwRoot = test::makeRoot(QStringLiteral("TFW Root"));
    pki.tfw = test::issueUnder(pki.tfwRoot, QStringLiteral("TFW of device 7"), CertificateProfile::TeeAttestation);
    return pki;
}

sim::OtrpTeeIdentity teeIdentity(const Pki &pki)
{
    return {QStringLiteral("primary"), QStringLiteral("sim-1.0"), pki.tee.key, {pki.tee.certificate, pki.teeCa.certificate},
            {pki.tamRoot.certificate}, pki.tfw.key, pki.tfw.certificate};
}

jose::JwsSigner tamSigner(const Pki &pki)
{
    return {pki.tam.key, EVP_PKEY_is_a(pki.tam.key.get(), "RSA") ? QStringLiteral("RS256") : QStringLiteral("ES256"),
            {pki.tam.certificate, pki.tamRoot.certificate}};
}

protocol::otrp::TamTrust trust(const Pki &pki)
{
    return {pki.tam.key, {pki.teeRoot.certificate}, {pki.tfwRoot.certificate}, {}};
}

QByteArray brokerCollects(const QList<nlohmann::json> &answers)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &answer : answers)
        list.push_back(answer);
    return QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateResponse", list}}.dump());
}

QString errorCodeOf(const nlohmann::json &answer)
{
    return QString::fromStdString(answer["GetDeviceTEEStateTBSResponse"]["reason"]["error-code"].get<std::string>());
}
} // namespace

class TestGetDeviceState : public QObject
{
    Q_OBJECT

private slots:
    void fullFlow_data();
    void fullFlow();
    void teeRefusesWhatARealTeeRefuses();
    void tamRefusesUntrustedOrTamperedAnswers();
};

void TestGetDeviceState::fullFlow_data()
{
    QTest::addColumn<KeyAlgorithm>("tamAlgorithm");
    QTest::newRow("RSA TAM (RS256, RSA-OAEP-256)") << KeyAlgorithm::Rsa2048;
    QTest::newRow("EC TAM (ES256, ECDH-ES+A128KW)") << KeyAlgorithm::P256;
}

void TestGetDeviceState::fullFlow()
{
    QFETCH(KeyAlgorithm, tamAlgorithm);
    const Pki pki = makePki(tamAlgorithm);
    sim::OtrpTee tee(teeIdentity(pki), SystemClock::instance());
    tee.securityDomains() << protocol::otrp::SdEntry{QStringLiteral("sd.acme"), QStringLiteral("acme"), {{QStringLiteral("ta-1"), QStringLiteral("wallet")}}, kTamId, {}}
                          << protocol::otrp::SdEntry{QStringLiteral("sd.other"), QStringLiteral("other"), {}, QStringLiteral("urn:someone:else"), {}};
    tee.spAiks().insert(QStringLiteral("acme"), Key::generate(KeyAlgorithm::Rsa2048).value());

    const QByteArray request = protocol::otrp::buildGetDeviceStateRequest(QStringLiteral("rid-1"), QStringLiteral("tid-1"), tamSigner(pki)).value();
    const nlohmann::json answer = tee.getDeviceState(request);
    QVERIFY2(answer.contains("GetDeviceTEEStateResponse"), answer.dump().c_str());
    const auto state = protocol::otrp::processGetDeviceStateResponse(brokerCollects({answer}), QStringLiteral("rid-1"), QStringLiteral("tid-1"),
                                                                     trust(pki), SystemClock::instance());
    QVERIFY(state.ok());
    QVERIFY2(state.value().failures.isEmpty(), qPrintable(state.value().failures.value(0).message));
    QCOMPARE(state.value().tees.size(), 1);
    const auto &report = state.value().tees.first();
    QCOMPARE(report.dsi.teeName, QStringLiteral("primary"));
    QVERIFY(report.dsi.teeCertificate == pki.tee.certificate);
    QCOMPARE(report.dsi.sds.size(), 1); // only this TAM's domain
    QCOMPARE(report.dsi.sds.first().name, QStringLiteral("sd.acme"));
    QCOMPARE(report.dsi.sds.first().tas.first().taname, QStringLiteral("wallet"));
    QCOMPARE(report.dsi.aiks.size(), 1);
    QVERIFY(report.tfwVerified);
    QCOMPARE(report.dsiHash, protocol::otrp::dsiHash(protocol::otrp::toJson(report.dsi)));
    QCOMPARE(report.dsiHash.size(), 44); // BASE64 of 32 bytes
}

void TestGetDeviceState::teeRefusesWhatARealTeeRefuses()
{
    const Pki pki = makePki(KeyAlgorithm::Rsa2048);
    sim::OtrpTee tee(teeIdentity(pki), SystemClock::instance());
    const QByteArray request = protocol::otrp::buildGetDeviceStateRequest(QStringLiteral("rid-1"), QStringLiteral("tid-1"), tamSigner(pki)).value();
    QVERIFY(tee.getDeviceState(request).contains("GetDeviceTEEStateResponse"));
    // The same request again is a replay.
    QCOMPARE(errorCodeOf(tee.getDeviceState(request)), QStringLiteral("ERR_REQUEST_INVALID"));

    // A TAM whose root this TEE does not embed.
    const Pki stranger = makePki(KeyAlgorithm::Rsa2048);
    const QByteArray foreign = protocol::otrp::buildGetDeviceStateRequest(QStringLiteral("rid-2"), QStringLiteral("tid-2"), tamSigner(stranger)).value();
    QCOMPARE(errorCodeOf(tee.getDeviceState(foreign)), QStringLiteral("ERR_TAM_NOT_TRUSTED"));

    // A TAM that accepts only RS256 from a TEE that signs with ES256.
    const nlohmann::json tbs{{"ver", "1.0"}, {"rid", "rid-3"}, {"tid", "tid-3"}, {"ocspdat", nlohmann::json::array()}, {"supportedsigalgs", {"RS256"}}};
    const auto rsOnly = protocol::otrp::sign(QStringLiteral("GetDeviceState"), protocol::otrp::Direction::Request, tbs, tamSigner(pki)).value();
    const nlohmann::json refused = tee.getDeviceState(QByteArray::fromStdString(rsOnly.dump()));
    QCOMPARE(errorCodeOf(refused), QStringLiteral("ERR_UNSUPPORTED_CRYPTO_ALG"));
    QVERIFY(refused["GetDeviceTEEStateTBSResponse"]["rid"] == "rid-3");

    // Another command, and garbage.
    const auto createSd = protocol::otrp::sign(QStringLiteral("CreateSD"), protocol::otrp::Direction::Request, tbs, tamSigner(pki)).value();
    QCOMPARE(errorCodeOf(tee.getDeviceState(QByteArray::fromStdString(createSd.dump()))), QStringLiteral("ERR_REQUEST_INVALID"));
    QCOMPARE(errorCodeOf(tee.getDeviceState("{]")), QStringLiteral("ERR_REQUEST_INVALID"));
}

void TestGetDeviceState::tamRefusesUntrustedOrTamperedAnswers()
{
    const Pki pki = makePki(KeyAlgorithm::P256);
    const auto clock = &SystemClock::instance();
    auto answerFor = [&pki](sim::OtrpTeeIdentity identity, const QString &rid) {
        sim::OtrpTee tee(std::move(identity), SystemClock::instance());
        return tee.getDeviceState(protocol::otrp::buildGetDeviceStateRequest(rid, QStringLiteral("tid"), tamSigner(pki)).value());
    };
    auto process = [&](const QByteArray &response, const QString &rid, protocol::otrp::TamTrust trustIn) {
        return protocol::otrp::processGetDeviceStateResponse(response, rid, QStringLiteral("tid"), trustIn, *clock);
    };
    const nlohmann::json good = answerFor(teeIdentity(pki), QStringLiteral("r1"));

    // The TEE certificate chains to no TEE root this TAM trusts.
    auto noTeeRoots = trust(pki);
    noTeeRoots.teeRoots = {test::makeRoot(QStringLiteral("Other TEE vendor")).certificate};
    DeviceState state = process(brokerCollects({good}), QStringLiteral("r1"), noTeeRoots).value();
    QCOMPARE(state.tees.size(), 0);
    QCOMPARE(state.failures.first().errorCode, QStringLiteral("ERR_TEE_FAIL"));
    QVERIFY(state.failures.first().message.contains(QStringLiteral("not trusted")));

    // Firmware from an unknown vendor.
    auto noTfwRoots = trust(pki);
    noTfwRoots.tfwRoots.clear();
    QCOMPARE(process(brokerCollects({good}), QStringLiteral("r1"), noTfwRoots).value().failures.first().errorCode, QStringLiteral("ERR_TFW_NOT_TRUSTED"));

    // An answer to another request.
    QVERIFY(process(brokerCollects({good}), QStringLiteral("r2"), trust(pki)).value().failures.first().message.contains(QStringLiteral("rid/tid")));

    // A tampered edsi: the JWS no longer verifies and the ciphertext no longer decrypts.
    nlohmann::json tampered = good;
    std::string payload = tampered["GetDeviceTEEStateResponse"]["payload"].get<std::string>();
    payload[60] = payload[60] == 'A' ? 'B' : 'A';
    tampered["GetDeviceTEEStateResponse"]["payload"] = payload;
    state = process(brokerCollects({tampered}), QStringLiteral("r1"), trust(pki)).value();
    QCOMPARE(state.tees.size(), 0);
    QCOMPARE(state.failures.size(), 1);

    // Two TEEs: one good, one reported busy by the Broker.
    const nlohmann::json busy{{"OTrPBrokerError", {{"ver", "1.0"}, {"rid", "r1"}, {"tid", "tid"}, {"errcode", "ERR_AGENT_TEE_BUSY"}}}};
    state = process(brokerCollects({good, busy}), QStringLiteral("r1"), trust(pki)).value();
    QCOMPARE(state.tees.size(), 1);
    QCOMPARE(state.failures.first().errorCode, QStringLiteral("ERR_AGENT_TEE_BUSY"));

    // A malformed envelope is an error, not a report.
    QVERIFY(!process("{\"GetDeviceStateResponse\": {}}", QStringLiteral("r1"), trust(pki)).ok());
    QVERIFY(!process(brokerCollects({}), QStringLiteral("r1"), trust(pki)).ok());
}

QTEST_GUILESS_MAIN(TestGetDeviceState)
#include "tst_getdevicestate.moc"
