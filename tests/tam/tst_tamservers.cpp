// Several TAM servers on one database: a server that starts closes the sessions of servers that
// are gone (stale, or a dead process on this machine), never those of a live one.
#include "store/database.h"
#include "store/sql.h"
#include "tam/sessionrecords.h"
#include "tam/tamservers.h"
#include "tempdir.h"

#include <QHostInfo>
#include <QTest>

using namespace teep;

class TestTamServers : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void aStartingServerLeavesALiveOnesSessions();
    void aStaleServersSessionsAreClosed();
    void aDeadProcessOnThisMachineIsGoneAtOnce();
    void aServerTakenForGoneComesBack();

private:
    QString sessionState(qint64 id) const;

    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    FixedClock m_clock{QDateTime(QDate(2026, 12, 4), QTime(12, 0), Qt::UTC)};
};

void TestTamServers::init()
{
    m_dir = std::make_unique<test::TempDir>();
    m_db.reset();
    auto opened = store::Database::open(m_dir->database(QStringLiteral("servers.db")));
    QVERIFY(opened.ok());
    m_db = std::move(opened).value();
}

QString TestTamServers::sessionState(qint64 id) const
{
    auto row = store::run(m_db->connection(), QStringLiteral("SELECT state FROM sessions WHERE id = ?"), {id});
    return row && row.value().next() ? row.value().value(0).toString() : QString();
}

void TestTamServers::aStartingServerLeavesALiveOnesSessions()
{
    tam::TamServers servers(m_db->connection(), m_clock);
    const QString first = tam::TamServers::newServerId();
    QVERIFY(servers.join(first).ok());
    const auto session = tam::SessionRecords(m_db->connection(), m_clock, QStringLiteral("tam"), first).openSession(QStringLiteral("teep"), QStringLiteral("p"), m_clock.now());
    QVERIFY(session.ok());
    // A second server starts 30 s later on the same database.
    m_clock.set(m_clock.now().addSecs(30));
    const QString second = tam::TamServers::newServerId();
    QVERIFY(second != first);
    QVERIFY(servers.join(second).ok());
    const auto closed = servers.closeSessionsOfGoneServers(second);
    QVERIFY(closed.ok());
    QCOMPARE(closed.value(), 0);
    QCOMPARE(sessionState(session.value()), QStringLiteral("open"));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("tam_servers")), 2);
}

void TestTamServers::aStaleServersSessionsAreClosed()
{
    // A server on another machine (its process cannot be checked) that stopped beating.
    QVERIFY(store::run(m_db->connection(), QStringLiteral("INSERT INTO tam_servers (id, host, pid, started_at, seen_at) VALUES ('far:1:1', 'far-away', 1, ?, ?)"),
                       {store::timestamp(m_clock), store::timestamp(m_clock)})
                .ok());
    const auto session = tam::SessionRecords(m_db->connection(), m_clock, QStringLiteral("tam"), QStringLiteral("far:1:1"))
                             .openSession(QStringLiteral("otrp"), QStringLiteral("p"), m_clock.now());
    QVERIFY(session.ok());
    tam::TamServers servers(m_db->connection(), m_clock);
    const QString own = tam::TamServers::newServerId();
    QVERIFY(servers.join(own).ok());
    m_clock.set(m_clock.now().addSecs(tam::TamServers::kStaleSeconds - 5)); // not stale yet
    QVERIFY(servers.heartbeat(own).ok());
    QCOMPARE(servers.closeSessionsOfGoneServers(own).value(), 0);
    QCOMPARE(sessionState(session.value()), QStringLiteral("open"));
    m_clock.set(m_clock.now().addSecs(10)); // now it is
    QCOMPARE(servers.closeSessionsOfGoneServers(own).value(), 1);
    QCOMPARE(sessionState(session.value()), QStringLiteral("failed"));
    auto outcome = store::run(m_db->connection(), QStringLiteral("SELECT outcome FROM sessions WHERE id = ?"), {session.value()});
    QVERIFY(outcome.ok() && outcome.value().next());
    QCOMPARE(outcome.value().value(0).toString(), QStringLiteral("interrupted: its TAM server stopped"));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("tam_servers")), 1); // only this one
    auto audited = store::run(m_db->connection(), QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'session.interrupted'"));
    QVERIFY(audited.ok() && audited.value().next());
    QCOMPARE(audited.value().value(0).toInt(), 1);
}

void TestTamServers::aDeadProcessOnThisMachineIsGoneAtOnce()
{
    // A server of this machine whose process is gone: a pid above any the kernel hands out
    // (pid_max is at most 2^22) names no process.
    constexpr qint64 kNoSuchPid = 999999999;
    const QString deadId = QStringLiteral("%1:%2:dead").arg(QHostInfo::localHostName()).arg(kNoSuchPid);
    QVERIFY(store::run(m_db->connection(), QStringLiteral("INSERT INTO tam_servers (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"),
                       {deadId, QHostInfo::localHostName(), kNoSuchPid, store::timestamp(m_clock), store::timestamp(m_clock)})
                .ok());
    const auto session = tam::SessionRecords(m_db->connection(), m_clock, QStringLiteral("tam"), deadId).openSession(QStringLiteral("teep"), QStringLiteral("p"), m_clock.now());
    QVERIFY(session.ok());
    tam::TamServers servers(m_db->connection(), m_clock);
    const QString own = tam::TamServers::newServerId();
    QVERIFY(servers.join(own).ok());
    // Its row is fresh, but its process is gone: closed now, not a minute later.
    QCOMPARE(servers.closeSessionsOfGoneServers(own).value(), 1);
    QCOMPARE(sessionState(session.value()), QStringLiteral("failed"));
}

void TestTamServers::aServerTakenForGoneComesBack()
{
    tam::TamServers servers(m_db->connection(), m_clock);
    const QString own = tam::TamServers::newServerId();
    QVERIFY(servers.join(own).ok());
    QVERIFY(servers.leave(own).ok()); // what a peer does to a row it takes for stale
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("tam_servers")), 0);
    QVERIFY(servers.heartbeat(own).ok());
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("tam_servers")), 1);
}

QTEST_GUILESS_MAIN(TestTamServers)
#include "tst_tamservers.moc"
