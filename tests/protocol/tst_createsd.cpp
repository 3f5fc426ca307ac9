// CreateSD between the TAM side and the simulated TEE: the domain and the SP's AIK appear and the
// next DSI shows them; each refusal a real TEE makes leaves the TEE exactly as it was.
#include "pkifixtures.h"
#include "protocol/otrp/createsd.h"
#include "protocol/otrp/getdevicestate.h"
#include "protocol/otrp/otrpframing.h"
#include "sim/otrptee.h"

#include <QTest>

using namespace teep;
using namespace teep::crypto;
using namespace teep::protocol::otrp;

namespace {
const QString kTamId = QStringLiteral("urn:example:tam:one");
} // namespace

class TestCreateSd : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void createsDomainAndReportsIt();
    void refusalsLeaveTheTeeUnchanged_data();
    void refusalsLeaveTheTeeUnchanged();

private:
    // A GetDeviceState round, as a session starts; returns the dsihash for the next command.
    QString getDeviceState(const QString &rid);
    CreateSdRequest requestFor(const QString &rid, const QString &dsihash) const;

    test::Issued m_tamRoot, m_tam, m_teeRoot, m_tee, m_spCa, m_sp;
    std::unique_ptr<sim::OtrpTee> m_device;
};

void TestCreateSd::init()
{
    m_tamRoot = test::makeRoot(QStringLiteral("TAM Root"));
    CertificateSpec spec;
    spec.commonName = QStringLiteral("TAM");
    spec.profile = CertificateProfile::TamSigning;
    spec.uris = {kTamId};
    const Key tamKey = Key::generate(KeyAlgorithm::P256).value();
    m_tam = {tamKey, issueCertificate(spec, tamKey, m_tamRoot.key, m_tamRoot.certificate).value()};
    m_teeRoot = test::makeRoot(QStringLiteral("TEE Root"));
    m_tee = test::issueUnder(m_teeRoot, QStringLiteral("TEE"), CertificateProfile::TeeAttestation);
    m_spCa = test::makeRoot(QStringLiteral("SP Signer CA"));
    m_sp = test::issueUnder(m_spCa, QStringLiteral("ACME signer"), CertificateProfile::SpSigning);
    m_device = std::make_unique<sim::OtrpTee>(
        sim::OtrpTeeIdentity{QStringLiteral("primary"), QStringLiteral("sim-1.0"), m_tee.key, {m_tee.certificate}, {m_tamRoot.certificate}, {}, {}},
        SystemClock::instance());
}

QString TestCreateSd::getDeviceState(const QString &rid)
{
    const jose::JwsSigner signer{m_tam.key, QStringLiteral("ES256"), {m_tam.certificate, m_tamRoot.certificate}};
    const QByteArray request = buildGetDeviceStateRequest(rid, QStringLiteral("tid-1"), signer).value();
    const nlohmann::json answer = m_device->getDeviceState(request);
    const QByteArray collected = QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateResponse", {answer}}}.dump());
    const auto state = processGetDeviceStateResponse(collected, rid, QStringLiteral("tid-1"), {m_tam.key, {m_teeRoot.certificate}, {}, {}},
                                                     SystemClock::instance());
    if (!state || state.value().tees.isEmpty())
        qFatal("GetDeviceState failed");
    return state.value().tees.first().dsiHash;
}

CreateSdRequest TestCreateSd::requestFor(const QString &rid, const QString &dsihash) const
{
    return {rid, QStringLiteral("tid-1"), QStringLiteral("primary"), dsihash, true, QStringLiteral("acme"), QStringLiteral("sd.acme"),
            m_sp.certificate, kTamId, m_tee.certificate};
}

void TestCreateSd::createsDomainAndReportsIt()
{
    const QString dsihash = getDeviceState(QStringLiteral("r1"));
    const CreateSdRequest request = requestFor(QStringLiteral("r2"), dsihash);
    const jose::JwsSigner signer{m_tam.key, QStringLiteral("ES256"), {m_tam.certificate, m_tamRoot.certificate}};
    const QByteArray response = QByteArray::fromStdString(m_device->createSd(buildCreateSdRequest(request, signer).value()).dump());
    const auto result = processCreateSdResponse(response, request, m_tam.key);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(result.value().sdName, QStringLiteral("sd.acme"));
    QVERIFY(result.value().spAik.samePublicKey(m_device->spAiks().value(QStringLiteral("acme"))));
    QVERIFY(result.value().dsi.has_value());
    QCOMPARE(result.value().dsi->sds.size(), 1);
    QCOMPARE(result.value().dsi->sds.first().name, QStringLiteral("sd.acme"));
    QVERIFY(m_device->securityDomains().first().spcert == m_sp.certificate);

    // The new DSI's hash is what the next command must carry: an old one is a state mismatch.
    const CreateSdRequest second{QStringLiteral("r3"), QStringLiteral("tid-1"), QStringLiteral("primary"), dsihash, true, QStringLiteral("acme"),
                                 QStringLiteral("sd.acme.2"), m_sp.certificate, kTamId, m_tee.certificate};
    const auto stale = processCreateSdResponse(QByteArray::fromStdString(m_device->createSd(buildCreateSdRequest(second, signer).value()).dump()),
                                               second, m_tam.key);
    QCOMPARE(errorCodeFor(stale.error()), QStringLiteral("ERR_DEV_STATE_MISMATCH"));
    CreateSdRequest fresh = second;
    fresh.rid = QStringLiteral("r4");
    fresh.dsihash = result.value().dsiHash;
    const auto ok = processCreateSdResponse(QByteArray::fromStdString(m_device->createSd(buildCreateSdRequest(fresh, signer).value()).dump()),
                                            fresh, m_tam.key);
    QVERIFY2(ok.ok(), qPrintable(ok.ok() ? QString() : ok.error().toString()));
    QCOMPARE(m_device->securityDomains().size(), 2);
    QCOMPARE(m_device->spAiks().size(), 1); // one AIK per SP, created with its first SD
}

void TestCreateSd::refusalsLeaveTheTeeUnchanged_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("errorCode");
    QTest::newRow("stale dsihash") << "dsihash" << "ERR_DEV_STATE_MISMATCH";
    QTest::newRow("another device's did") << "did" << "ERR_REQUEST_INVALID";
    QTest::newRow("another TAM's id") << "tamid" << "ERR_TAM_NOT_AUTHORIZED";
    QTest::newRow("expired SP certificate") << "spcert" << "ERR_SPCERT_INVALID";
    QTest::newRow("SD exists") << "duplicate" << "ERR_SD_ALREADY_EXISTS";
    QTest::newRow("untrusted TAM") << "tam" << "ERR_TAM_NOT_TRUSTED";
    QTest::newRow("wrong TEE") << "tee" << "ERR_REQUEST_INVALID";
}

void TestCreateSd::refusalsLeaveTheTeeUnchanged()
{
    QFETCH(QString, fault);
    QFETCH(QString, errorCode);
    const QString dsihash = getDeviceState(QStringLiteral("r1"));
    if (fault == QLatin1String("duplicate"))
        m_device->securityDomains() << SdEntry{QStringLiteral("sd.acme"), QStringLiteral("other"), {}, kTamId, {}};
    CreateSdRequest request = requestFor(QStringLiteral("r2"), dsihash);
    jose::JwsSigner signer{m_tam.key, QStringLiteral("ES256"), {m_tam.certificate, m_tamRoot.certificate}};
    if (fault == QLatin1String("dsihash"))
        request.dsihash = QStringLiteral("AAAA");
    if (fault == QLatin1String("tamid"))
        request.tamId = QStringLiteral("urn:example:tam:two");
    if (fault == QLatin1String("tee"))
        request.teeName = QStringLiteral("secondary");
    if (fault == QLatin1String("spcert"))
        request.spCertificate = test::issueUnder(m_spCa, QStringLiteral("old signer"), CertificateProfile::SpSigning, KeyAlgorithm::P256,
                                                 QDateTime::currentDateTimeUtc().addYears(-2), QDateTime::currentDateTimeUtc().addDays(-1)).certificate;
    QByteArray message = buildCreateSdRequest(request, signer).value();
    if (fault == QLatin1String("did")) {
        CreateSdRequest other = request;
        other.teeCertificate = test::issueUnder(m_teeRoot, QStringLiteral("other TEE"), CertificateProfile::TeeAttestation).certificate;
        // Encrypted to this TEE (it must be able to read it) but naming another device.
        const nlohmann::json content{{"spid", "acme"}, {"sdname", "sd.acme"}, {"spcert", m_sp.certificate.der().toBase64().toStdString()},
                                     {"tamid", kTamId.toStdString()}, {"did", deviceId(other.teeCertificate).toStdString()}};
        const nlohmann::json tbs{{"ver", "1.0"}, {"rid", "r2"}, {"tid", "tid-1"}, {"tee", "primary"}, {"nextdsi", true},
                                 {"dsihash", dsihash.toStdString()},
                                 {"content", jose::encrypt(QByteArray::fromStdString(content.dump()), {{m_tee.key, QStringLiteral("ECDH-ES+A128KW")}}).value()}};
        message = QByteArray::fromStdString(sign(QStringLiteral("CreateSD"), Direction::Request, tbs, signer).value().dump());
    }
    if (fault == QLatin1String("tam")) {
        const test::Issued stranger = test::makeRoot(QStringLiteral("Stranger"));
        signer = {stranger.key, QStringLiteral("ES256"), {stranger.certificate}};
        message = buildCreateSdRequest(request, signer).value();
    }
    const qsizetype sdsBefore = m_device->securityDomains().size();
    const qsizetype aiksBefore = m_device->spAiks().size();
    const auto result = processCreateSdResponse(QByteArray::fromStdString(m_device->createSd(message).dump()), request, m_tam.key);
    QVERIFY(!result.ok());
    QCOMPARE(errorCodeFor(result.error()), errorCode);
    QCOMPARE(m_device->securityDomains().size(), sdsBefore);
    QCOMPARE(m_device->spAiks().size(), aiksBefore);
}

QTEST_GUILESS_MAIN(TestCreateSd)
#include "tst_createsd.moc"
