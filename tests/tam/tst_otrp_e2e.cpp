// End to end over real HTTP on 127.0.0.1 with a real SQLite file: the TAM (engine + server) and
// simulated OTrP devices. Fresh devices are attested, get their SDs and TAs, are updated, lose
// what is unassigned; each fault produces its error and no half-written state.
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/tapackage.h"
#include "sim/devicerunner.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/sql.h"
#include "tam/catalog.h"
#include "demo/demosetup.h"
#include "tam/fleetqueries.h"
#include "tam/tamservice.h"
#include "tamfixture.h"

#include <QSignalSpy>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace teep;

class TestOtrpEndToEnd : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void provisionsUpdatesAndRemoves();
    void rollbackNeedsPermission();
    void severalTeesAreOneDevice();
    void faults_data();
    void faults();
    void httpLevelRefusals();
    void anUnsavedAttestationInstallsNothing();

private:
    QList<sim::DeviceOutcome> runDevices(const QStringList &names, const sim::SimFaults &faults = {}, const QStringList &tees = {QStringLiteral("primary")})
    {
        return m_tam->runDevices(names, sim::SimProfile::Otrp, faults, tees);
    }
    QVariant scalar(const QString &sql, const QVariantList &values = {}) { return m_tam->scalar(sql, values); }

    std::unique_ptr<test::TamFixture> m_tam;
};

void TestOtrpEndToEnd::init()
{
    m_tam = std::make_unique<test::TamFixture>();
    const Status ready = m_tam->setUp();
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    QVERIFY(m_tam->uri.startsWith(QLatin1String("http://127.0.0.1:")));
}

void TestOtrpEndToEnd::cleanup()
{
    m_tam.reset();
}

void TestOtrpEndToEnd::provisionsUpdatesAndRemoves()
{
    const QStringList names = {QStringLiteral("line7-unit1"), QStringLiteral("line7-unit2"), QStringLiteral("line7-unit3")};
    // Fresh devices: attested, two SDs created, the latest versions installed.
    QList<sim::DeviceOutcome> outcomes = runDevices(names);
    for (const sim::DeviceOutcome &outcome : outcomes) {
        QVERIFY2(outcome.ok, qPrintable(outcome.device + QStringLiteral(": ") + outcome.detail));
        QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
        QCOMPARE(outcome.exchanges, 6); // connect, state, 2 x CreateSD, 2 x InstallTA answers
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices WHERE identity_source = 'attested'")).toInt(), 3);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 6);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM security_domains")).toInt(), 6);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results WHERE tier = 'affirming'")).toInt(), 3);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'completed'")).toInt(), 3);
    // Per device 5 messages each way; the empty POST that starts a session and the 204 carry none.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages")).toInt(), 3 * 10);
    QCOMPARE(m_tam->service->openSessions(), 0);

    // The same devices again (their identity and storage kept): recognised, nothing to do.
    outcomes = runDevices(names);
    for (const sim::DeviceOutcome &outcome : outcomes) {
        QVERIFY(outcome.ok);
        QCOMPARE(outcome.exchanges, 2);
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 3);

    // A new version signed by the SP: updated. Globex's TA unassigned: removed with its SD.
    QVERIFY(m_tam->addVersion(QStringLiteral("acme"), QStringLiteral("acme-wallet"), 3).ok());
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    const auto assignments = catalog.assignments();
    for (const tam::Assignment &assignment : assignments.value()) {
        if (assignment.taid == QLatin1String("globex-drm"))
            QVERIFY(catalog.unassign(assignment.id).ok());
    }
    outcomes = runDevices(names);
    for (const sim::DeviceOutcome &outcome : outcomes) {
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
        QCOMPARE(outcome.installed, QStringList{QStringLiteral("acme-wallet v3")});
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM security_domains")).toInt(), 3);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                   "WHERE i.state = 'installed' AND v.sequence_number = 3")).toInt(),
             3);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 3);
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);

    const auto fleet = tam::FleetQueries(m_tam->db->connection()).devices();
    QVERIFY(fleet.ok());
    QCOMPARE(fleet.value().size(), 3);
    QCOMPARE(fleet.value().first().tees.first().lastTier, QStringLiteral("affirming"));
    QCOMPARE(fleet.value().first().tees.first().sds.first().second, QStringList{QStringLiteral("acme-wallet v3")});
    // What each device's last contact came to, as the fleet view shows it (OTrP devices too).
    for (const tam::DeviceSummary &device : fleet.value()) {
        QVERIFY2(device.lastOutcome.startsWith(QStringLiteral("completed: ")), qPrintable(device.name + QStringLiteral(": ") + device.lastOutcome));
        QVERIFY2(!device.lastContact.isEmpty(), qPrintable(device.name));
    }
}

void TestOtrpEndToEnd::rollbackNeedsPermission()
{
    QVERIFY(runDevices({QStringLiteral("unit")}).first().ok);
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(catalog.assign(QStringLiteral("acme-wallet"), tam::TargetKind::Device, QStringLiteral("unit"), 1, false).ok());
    sim::DeviceOutcome outcome = runDevices({QStringLiteral("unit")}).first();
    QVERIFY(outcome.installed.contains(QStringLiteral("acme-wallet v2")));
    QVERIFY(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("rollback is not allowed")));
    QVERIFY(catalog.assign(QStringLiteral("acme-wallet"), tam::TargetKind::Device, QStringLiteral("unit"), 1, true).ok());
    outcome = runDevices({QStringLiteral("unit")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QVERIFY(outcome.installed.contains(QStringLiteral("acme-wallet v1")));
}

void TestOtrpEndToEnd::severalTeesAreOneDevice()
{
    const sim::DeviceOutcome outcome = runDevices({QStringLiteral("phone")}, {}, {QStringLiteral("primary"), QStringLiteral("secure-element")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    // Each TEE got both TAs, routed by its name.
    QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1"),
                                             QStringLiteral("globex-drm v1")}));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tees")).toInt(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 4);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results")).toInt(), 2);

    // A command for a TEE the device does not have: the Broker's own error.
    sim::OtrpBroker broker;
    const QByteArray unknown = QByteArray::fromStdString(
        protocol::otrp::sign(QStringLiteral("DeleteTA"), protocol::otrp::Direction::Request,
                             {{"ver", "1.0"}, {"rid", "r"}, {"tid", "t"}, {"tee", "nowhere"}, {"content", {}}}, {crypto::Key::generate(crypto::KeyAlgorithm::P256).value(), QStringLiteral("ES256"), {}})
            .value()
            .dump());
    const nlohmann::json answer = nlohmann::json::parse(broker.handle(unknown).toStdString());
    QVERIFY(answer["OTrPBrokerError"]["errcode"] == "ERR_AGENT_TEE_UNKNOWN");
    QVERIFY(answer["OTrPBrokerError"]["rid"] == "r");
}

void TestOtrpEndToEnd::faults_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("tamOutcome");
    QTest::addColumn<int>("installedRows");
    QTest::newRow("bad signature") << "bad-signature" << "ERR_REQUEST_INVALID (the TEE's signature does not verify" << 0;
    QTest::newRow("untrusted TEE CA") << "untrusted-tee-ca" << "ERR_TEE_FAIL (the TEE certificate is not trusted" << 0;
    QTest::newRow("tampered TA") << "tampered-ta" << "InstallTA" << 0;
    QTest::newRow("replayed answer") << "replay" << "CreateSD" << 0;
    QTest::newRow("disconnect mid-session") << "disconnect" << "expired after 2 s" << 0;
}

void TestOtrpEndToEnd::faults()
{
    QFETCH(QString, fault);
    QFETCH(QString, tamOutcome);
    QFETCH(int, installedRows);
    sim::SimFaults faults;
    faults.badSignature = fault == QLatin1String("bad-signature");
    faults.untrustedTeeCa = fault == QLatin1String("untrusted-tee-ca");
    faults.tamperedTa = fault == QLatin1String("tampered-ta");
    faults.replay = fault == QLatin1String("replay");
    faults.disconnectAfter = fault == QLatin1String("disconnect") ? 3 : -1;
    const sim::DeviceOutcome outcome = runDevices({QStringLiteral("faulty")}, faults).first();
    QVERIFY(outcome.installed.isEmpty());
    if (fault == QLatin1String("disconnect")) {
        QVERIFY(!outcome.ok);
        QTest::qWait(2500);
        // The next request lets the TAM notice the idle session and close it.
        QVERIFY(runDevices({QStringLiteral("other")}).first().ok);
    }
    QTRY_COMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 0);
    const QString tamSide = scalar(QStringLiteral("SELECT outcome FROM sessions WHERE state = 'failed' ORDER BY id LIMIT 1")).toString();
    QVERIFY2(tamSide.contains(tamOutcome), qPrintable(tamSide));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN tees t ON t.id = i.tee_id JOIN devices d ON d.id = t.device_id "
                                   "WHERE i.state = 'installed' AND d.name LIKE 'faulty%'")).toInt(),
             installedRows);
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
}

void TestOtrpEndToEnd::httpLevelRefusals()
{
    auto send = [this](const QByteArray &method, const QString &path, const QByteArray &contentType, const QByteArray &accept, const QByteArray &body) {
        QNetworkRequest request(QUrl(m_tam->uri).resolved(QUrl(path)));
        if (!contentType.isEmpty())
            request.setRawHeader("Content-Type", contentType);
        if (!accept.isEmpty())
            request.setRawHeader("Accept", accept);
        QNetworkReply *reply = m_tam->network.sendCustomRequest(request, method, body);
        QSignalSpy done(reply, &QNetworkReply::finished);
        done.wait(10000);
        reply->deleteLater();
        return std::pair{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply};
    };
    const QByteArray otrp = "application/otrp+json";
    QCOMPARE(send("GET", QStringLiteral("/tam"), {}, otrp, {}).first, 405);
    QCOMPARE(send("POST", QStringLiteral("/other"), {}, otrp, {}).first, 404);
    QCOMPARE(send("POST", QStringLiteral("/tam"), "text/plain", otrp, "hello").first, 415);
    QCOMPARE(send("POST", QStringLiteral("/tam"), {}, "text/html", {}).first, 406);
    QCOMPARE(send("POST", QStringLiteral("/tam"), otrp, otrp, "{not json").first, 400);
    QCOMPARE(send("POST", QStringLiteral("/tam"), otrp, otrp, R"({"CreateSDResponse": {}})").first, 400);
    QCOMPARE(send("POST", QStringLiteral("/tam"), otrp, otrp, QByteArray(5 * 1024 * 1024, ' ')).first, 413);
    // 100,000 nested objects (600 KB) once overflowed the TAM's stack: refused before any copy.
    QByteArray deep;
    for (int i = 0; i < 100000; ++i)
        deep += "{\"a\":";
    deep += "1" + QByteArray(100000, '}');
    const auto [deepStatus, deepReply] = send("POST", QStringLiteral("/tam"), otrp, otrp, deep);
    QCOMPARE(deepStatus, 400);
    const QByteArray why = deepReply->readAll();
    QVERIFY2(why.contains("JSON nested deeper than 64 levels (at byte 320)"), why.constData());
    // Strings may hold brackets: only structure counts.
    const QByteArray bracketsInAString = QByteArray("{\"s\": \"") + QByteArray(100, '[') + "\\\"" + QByteArray(100, '{') + "\"}";
    const auto [stringStatus, stringReply] = send("POST", QStringLiteral("/tam"), otrp, otrp, bracketsInAString);
    QCOMPARE(stringStatus, 400); // valid JSON of depth 1, but no OTrP message
    QVERIFY2(!stringReply->readAll().contains("nested"), bracketsInAString.constData());
    const auto [status, reply] = send("POST", QStringLiteral("/tam"), {}, otrp, {});
    QCOMPARE(status, 200);
    QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("application/otrp+json"));
    QCOMPARE(reply->rawHeader("X-Content-Type-Options"), QByteArray("nosniff"));
    QCOMPARE(reply->rawHeader("Content-Security-Policy"), QByteArray("default-src 'none'"));
    QCOMPARE(reply->rawHeader("Referrer-Policy"), QByteArray("no-referrer"));
    QVERIFY(!reply->hasRawHeader("Cache-Control"));
    QVERIFY(reply->readAll().contains("GetDeviceStateRequest"));
    // Nothing the refusals sent reached the fleet.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
}

void TestOtrpEndToEnd::anUnsavedAttestationInstallsNothing()
{
    // The database refuses the attestation result (a trigger stands in for a full disk): the TAM
    // must not install on a TEE without the record of why it trusted it, and the session says so.
    QVERIFY(test::refuseInserts(m_tam->db->connection(), QStringLiteral("attestation_results"), QStringLiteral("the disk said no")));
    runDevices({QStringLiteral("unit")});
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM security_domains")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT state FROM sessions")).toString(), QStringLiteral("failed"));
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("TEE primary's attestation, so nothing is sent to it; not recorded:")) &&
                 outcome.contains(QStringLiteral("the disk said no")),
             qPrintable(outcome));

    // Once the database takes it again, the same device is served.
    QVERIFY(test::allowInserts(m_tam->db->connection(), QStringLiteral("attestation_results")));
    const sim::DeviceOutcome served = runDevices({QStringLiteral("unit")}).value(0);
    QVERIFY2(served.ok, qPrintable(served.detail));
    QCOMPARE(served.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
}

QTEST_GUILESS_MAIN(TestOtrpEndToEnd)
#include "tst_otrp_e2e.moc"
