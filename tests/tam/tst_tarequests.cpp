// Device-initiated requests end to end over real HTTP on 127.0.0.1 with a real SQLite file, for
// both profiles: client apps on simulated devices ask for TAs (RequestTA), the operator's policy or
// decision takes effect at the next session, bundled binaries are installed only under the TAM's
// manifest, and removing apps removes only what nothing else needs.
#include "store/auditlog.h"
#include "store/sql.h"
#include "tam/tarequests.h"
#include "tamfixture.h"

#include <QFile>
#include <QTest>

using namespace teep;

Q_DECLARE_METATYPE(teep::sim::SimProfile)

class TestTaRequests : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void approvedByPolicy_data() { profiles(); }
    void approvedByPolicy();
    void heldThenApproved_data() { profiles(); }
    void heldThenApproved();
    void refusedStaysRefused_data() { profiles(); }
    void refusedStaysRefused();
    void unrequestRemovesOnlyWhatNothingNeeds_data() { profiles(); }
    void unrequestRemovesOnlyWhatNothingNeeds();
    void assignedTaIsKept();
    void bundledBinaryWithoutPayload();
    void tamperedBundledBinaryRefused();
    void unknownTaIsNotQueued();
    void mostSpecificPolicyWins();
    void twoOperatorsDecidingTheSameRequest();

private:
    static void profiles()
    {
        QTest::addColumn<sim::SimProfile>("profile");
        QTest::newRow("teep") << sim::SimProfile::Teep;
        QTest::newRow("otrp") << sim::SimProfile::Otrp;
    }
    sim::DeviceOutcome runOne(sim::SimProfile profile, const sim::AppChanges &apps = {})
    {
        const QList<sim::DeviceOutcome> outcomes = m_tam->runDevices({QStringLiteral("dev-1")}, profile, {}, {QStringLiteral("primary")}, apps);
        return outcomes.value(0);
    }
    static sim::AppChanges install(const QString &app, const QStringList &tas, const QMap<QString, QByteArray> &bundled = {})
    {
        sim::AppChanges changes;
        changes.install << sim::ClientApp{app, tas, bundled};
        return changes;
    }
    static sim::AppChanges remove(const QString &app)
    {
        sim::AppChanges changes;
        changes.remove << app;
        return changes;
    }
    QString status(const QString &taid)
    {
        return m_tam->scalar(QStringLiteral("SELECT r.status FROM ta_requests r JOIN trusted_apps t ON t.id = r.ta_id WHERE t.name = ?"), {taid}).toString();
    }
    qint64 requestId(const QString &taid)
    {
        return m_tam->scalar(QStringLiteral("SELECT r.id FROM ta_requests r JOIN trusted_apps t ON t.id = r.ta_id WHERE t.name = ?"), {taid}).toLongLong();
    }
    QString lastOutcome() { return m_tam->scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString(); }
    int auditCount(const QString &action)
    {
        return m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = ?"), {action}).toInt();
    }
    QByteArray demoBinary(const QString &name) const
    {
        QFile file(m_tam->dir->path(QStringLiteral("demo/") + name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    std::unique_ptr<test::TamFixture> m_tam;
};

namespace {
const QString kNotes = QStringLiteral("acme-notes");     // ACME: approved by the demo's policy
const QString kPlayer = QStringLiteral("globex-player"); // Globex: held for the operator
} // namespace

void TestTaRequests::init()
{
    m_tam = std::make_unique<test::TamFixture>();
    const Status ready = m_tam->setUp();
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
}

void TestTaRequests::cleanup()
{
    m_tam.reset();
}

void TestTaRequests::approvedByPolicy()
{
    QFETCH(sim::SimProfile, profile);
    const sim::DeviceOutcome outcome = runOne(profile, install(QStringLiteral("notes-app"), {kNotes}));
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QVERIFY2(outcome.installed.contains(QStringLiteral("acme-notes v1")), qPrintable(outcome.installed.join(QLatin1Char(','))));
    QVERIFY(outcome.waiting.isEmpty());
    QCOMPARE(status(kNotes), QStringLiteral("approved"));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT decided_by FROM ta_requests")).toString(), QStringLiteral("policy"));
    QVERIFY2(lastOutcome().contains(QStringLiteral("acme-notes requested: approved")), qPrintable(lastOutcome()));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                          "JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ? AND i.state = 'installed'"),
                           {kNotes})
                 .toInt(),
             1);
    QCOMPARE(auditCount(QStringLiteral("ta-request.received")), 1);
    // Asking again (the app is still there) neither duplicates the request nor re-installs.
    const sim::DeviceOutcome again = runOne(profile);
    QVERIFY(again.installed.contains(QStringLiteral("acme-notes v1")));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM ta_requests")).toInt(), 1);
    QCOMPARE(auditCount(QStringLiteral("ta-request.received")), 1);
}

void TestTaRequests::heldThenApproved()
{
    QFETCH(sim::SimProfile, profile);
    const sim::DeviceOutcome held = runOne(profile, install(QStringLiteral("player-app"), {kPlayer}));
    QVERIFY(held.ok);
    QCOMPARE(held.waiting, QStringList{kPlayer});
    QCOMPARE(status(kPlayer), QStringLiteral("pending"));
    QVERIFY2(lastOutcome().contains(QStringLiteral("held for the operator's approval")), qPrintable(lastOutcome()));

    tam::TaRequests requests(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("operator:test"));
    const auto queue = requests.list(QStringLiteral("pending"));
    QVERIFY(queue.ok());
    QCOMPARE(queue.value().size(), 1);
    QCOMPARE(queue.value().first().device, QStringLiteral("dev-1"));
    QCOMPARE(queue.value().first().spName, QStringLiteral("Globex Media"));
    QCOMPARE(queue.value().first().latestVersion, 1);
    QVERIFY(requests.decide(queue.value().first().id, true, QStringLiteral("checked with Globex")).ok());
    QCOMPARE(auditCount(QStringLiteral("ta-request.approved")), 1);

    const sim::DeviceOutcome next = runOne(profile);
    QVERIFY(next.installed.contains(QStringLiteral("globex-player v1")));
    QVERIFY(next.waiting.isEmpty());
    QCOMPARE(status(kPlayer), QStringLiteral("approved"));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT decided_by FROM ta_requests")).toString(), QStringLiteral("operator:test"));
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
}

void TestTaRequests::refusedStaysRefused()
{
    QFETCH(sim::SimProfile, profile);
    runOne(profile, install(QStringLiteral("player-app"), {kPlayer}));
    tam::TaRequests requests(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("operator:test"));
    QVERIFY(requests.decide(requestId(kPlayer), false, QStringLiteral("not licensed")).ok());
    for (int round = 0; round < 2; ++round) {
        const sim::DeviceOutcome outcome = runOne(profile);
        QVERIFY(outcome.ok);
        QCOMPARE(outcome.waiting, QStringList{kPlayer});
        QCOMPARE(status(kPlayer), QStringLiteral("refused"));
        QVERIFY2(lastOutcome().contains(QStringLiteral("globex-player requested: refused (not licensed)")), qPrintable(lastOutcome()));
    }
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM ta_requests")).toInt(), 1);
    // A withdrawn request is not the operator's to decide any more.
    runOne(profile, remove(QStringLiteral("player-app")));
    QCOMPARE(status(kPlayer), QStringLiteral("withdrawn"));
    const Status late = requests.decide(requestId(kPlayer), true, {});
    QVERIFY(!late.ok());
    QCOMPARE(late.error().code, QStringLiteral("requests.withdrawn"));
}

void TestTaRequests::unrequestRemovesOnlyWhatNothingNeeds()
{
    QFETCH(sim::SimProfile, profile);
    sim::AppChanges two = install(QStringLiteral("notes-app"), {kNotes});
    two.install << sim::ClientApp{QStringLiteral("backup-app"), {kNotes}, {}};
    QVERIFY(runOne(profile, two).installed.contains(QStringLiteral("acme-notes v1")));

    // Another app still needs it: kept, the request stays approved.
    const sim::DeviceOutcome kept = runOne(profile, remove(QStringLiteral("notes-app")));
    QVERIFY(kept.installed.contains(QStringLiteral("acme-notes v1")));
    QCOMPARE(status(kNotes), QStringLiteral("approved"));

    // The last app gone: unneeded, withdrawn, removed from the TEE and from the TAM's records.
    const sim::DeviceOutcome removed = runOne(profile, remove(QStringLiteral("backup-app")));
    QVERIFY2(!removed.installed.contains(QStringLiteral("acme-notes v1")), qPrintable(removed.installed.join(QLatin1Char(','))));
    QCOMPARE(removed.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(status(kNotes), QStringLiteral("withdrawn"));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                          "JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ? AND i.state = 'installed'"),
                           {kNotes})
                 .toInt(),
             0);
    QCOMPARE(auditCount(QStringLiteral("ta-request.withdrawn")), 1);

    // Nothing left to say: the next session is quiet.
    const sim::DeviceOutcome quiet = runOne(profile);
    QCOMPARE(quiet.installed, removed.installed);
    QCOMPARE(lastOutcome(), QStringLiteral("nothing to do"));
}

void TestTaRequests::assignedTaIsKept()
{
    // The app asks for a TA the operator assigns anyway; removing the app does not remove it.
    QVERIFY(runOne(sim::SimProfile::Teep, install(QStringLiteral("wallet-app"), {QStringLiteral("acme-wallet")})).installed.contains(QStringLiteral("acme-wallet v2")));
    const sim::DeviceOutcome outcome = runOne(sim::SimProfile::Teep, remove(QStringLiteral("wallet-app")));
    QVERIFY(outcome.installed.contains(QStringLiteral("acme-wallet v2")));
    QVERIFY2(lastOutcome().contains(QStringLiteral("acme-wallet is no longer needed by the device but assigned by the operator: kept")), qPrintable(lastOutcome()));
}

void TestTaRequests::bundledBinaryWithoutPayload()
{
    const QByteArray binary = demoBinary(QStringLiteral("ta-acme-notes-v1.bin"));
    QVERIFY(binary.size() > 1000);
    const sim::DeviceOutcome outcome = runOne(sim::SimProfile::Teep, install(QStringLiteral("notes-app"), {kNotes}, {{kNotes, binary}}));
    QVERIFY(outcome.installed.contains(QStringLiteral("acme-notes v1")));
    QVERIFY2(lastOutcome().contains(QStringLiteral("acme-notes requested (binary bundled): approved")), qPrintable(lastOutcome()));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT have_binary FROM ta_requests")).toInt(), 1);
    // The Update carried the other TAs' code but not this one: the manifest alone authorised it.
    auto updates = store::run(m_tam->db->connection(), QStringLiteral("SELECT body FROM session_messages WHERE direction = 'to-device'"));
    QVERIFY(updates.ok());
    bool sawUpdate = false;
    while (updates.value().next()) {
        const QByteArray body = updates.value().value(0).toByteArray();
        QVERIFY(!body.contains(binary.left(64)));
        sawUpdate = sawUpdate || body.contains(QByteArray("ACME Wallet version 2"));
    }
    QVERIFY(sawUpdate);
}

void TestTaRequests::tamperedBundledBinaryRefused()
{
    QByteArray binary = demoBinary(QStringLiteral("ta-acme-notes-v1.bin"));
    binary[100] = char(binary[100] ^ 0x01);
    const sim::DeviceOutcome outcome = runOne(sim::SimProfile::Teep, install(QStringLiteral("notes-app"), {kNotes}, {{kNotes, binary}}));
    QVERIFY(!outcome.installed.contains(QStringLiteral("acme-notes v1")));
    QCOMPARE(outcome.waiting, QStringList{kNotes});
    QVERIFY2(lastOutcome().contains(QStringLiteral("the bundled binary does not match the TAM's manifest")), qPrintable(lastOutcome()));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT state FROM sessions ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("failed"));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                          "JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ? AND i.state = 'installed'"),
                           {kNotes})
                 .toInt(),
             0);
    QVERIFY(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'failed'")).toInt() >= 1);
}

void TestTaRequests::unknownTaIsNotQueued()
{
    const sim::DeviceOutcome outcome = runOne(sim::SimProfile::Teep, install(QStringLiteral("odd-app"), {QStringLiteral("no-such-ta")}));
    QVERIFY(outcome.ok);
    QCOMPARE(outcome.waiting, QStringList{QStringLiteral("no-such-ta")});
    QVERIFY2(lastOutcome().contains(QStringLiteral("request for no-such-ta refused: the catalog has no TA 'no-such-ta'")), qPrintable(lastOutcome()));
    QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM ta_requests")).toInt(), 0);
}

void TestTaRequests::mostSpecificPolicyWins()
{
    tam::TaRequests requests(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("operator:test"));
    QVERIFY(store::run(m_tam->db->connection(), QStringLiteral("INSERT INTO device_groups (name) VALUES ('line-a'), ('line-b')")).ok());
    QVERIFY(requests.setPolicy({QString(), QString(), tam::RequestDecision::Refuse}).ok());
    QVERIFY(requests.setPolicy({QString(), QStringLiteral("line-a"), tam::RequestDecision::Approve}).ok());
    QVERIFY(requests.setPolicy({QStringLiteral("globex"), QStringLiteral("line-a"), tam::RequestDecision::Refuse}).ok());
    // Setting the same scope again replaces it.
    QVERIFY(requests.setPolicy({QStringLiteral("globex"), QString(), tam::RequestDecision::Approve}).ok());
    const auto decision = [&](const QString &spid, const QString &group) { return requests.decisionFor(spid, group).value(); };
    QCOMPARE(decision(QStringLiteral("acme"), QStringLiteral("line-a")), tam::RequestDecision::Approve);  // acme/* approve beats */line-a
    QCOMPARE(decision(QStringLiteral("globex"), QStringLiteral("line-a")), tam::RequestDecision::Refuse); // globex/line-a
    QCOMPARE(decision(QStringLiteral("globex"), QStringLiteral("line-b")), tam::RequestDecision::Approve); // globex/*
    QCOMPARE(decision(QStringLiteral("initech"), QStringLiteral("line-a")), tam::RequestDecision::Approve); // */line-a
    QCOMPARE(decision(QStringLiteral("initech"), QString()), tam::RequestDecision::Refuse);                 // */*
    QCOMPARE(requests.policies().value().size(), 5);
    QVERIFY(requests.removePolicy(QString(), QString()).ok());
    QCOMPARE(decision(QStringLiteral("initech"), QString()), tam::RequestDecision::Hold); // no policy: held
    const Status unknown = requests.setPolicy({QStringLiteral("nobody"), QString(), tam::RequestDecision::Approve});
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, QStringLiteral("requests.unknown-sp"));
    QCOMPARE(requests.policies().value().size(), 4);
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
}

// Two consoles on one database show the same pending request; both operators decide. The first
// decision stands; the second is refused with who decided what, and changes nothing (the audit
// log has one decision).
void TestTaRequests::twoOperatorsDecidingTheSameRequest()
{
    runOne(sim::SimProfile::Teep, install(QStringLiteral("player-app"), {kPlayer}));
    QCOMPARE(status(kPlayer), QStringLiteral("pending"));
    auto elsewhere = store::Database::open(m_tam->db->path()); // the other console's connection
    QVERIFY(elsewhere.ok());
    tam::TaRequests alice(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("alice via teep-console"));
    tam::TaRequests bob(elsewhere.value()->connection(), SystemClock::instance(), QStringLiteral("bob via teep-console"));
    const qint64 id = requestId(kPlayer);
    QVERIFY(alice.decide(id, true, QString(), QStringLiteral("pending")).ok());
    const Status refused = bob.decide(id, false, QStringLiteral("not for this line"), QStringLiteral("pending"));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("requests.changed"));
    QVERIFY2(refused.error().message.contains(QStringLiteral("was approved meanwhile by alice via teep-console")), qPrintable(refused.error().message));
    QCOMPARE(status(kPlayer), QStringLiteral("approved"));
    QCOMPARE(auditCount(QStringLiteral("ta-request.approved")), 1);
    QCOMPARE(auditCount(QStringLiteral("ta-request.refused")), 0);
    // Bob, having looked again, may still refuse it: a decision on what he now sees.
    QVERIFY(bob.decide(id, false, QStringLiteral("not for this line"), QStringLiteral("approved")).ok());
    QCOMPARE(status(kPlayer), QStringLiteral("refused"));
}

QTEST_MAIN(TestTaRequests)
#include "tst_tarequests.moc"
