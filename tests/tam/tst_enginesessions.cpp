// The open sessions both engines keep (EngineSessions), against a real SQLite file and a clock the
// test moves: the limit on open sessions (shared by the profiles; the oldest unproven session
// gives way), idle expiry, re-keying, the message log, closing, and that a session the device never
// answered leaves no row behind.
#include "store/database.h"
#include "store/sql.h"
#include "tam/enginesessions.h"
#include "tempdir.h"

#include <QTest>

using namespace teep;

namespace {

struct TestSession : tam::SessionBasics
{
    QString note;
};

using Sessions = tam::EngineSessions<QString, TestSession>;

// A session's row: state and outcome.
std::pair<QString, QString> sessionRow(const QSqlDatabase &db, qint64 id)
{
    auto row = store::run(db, QStringLiteral("SELECT state, outcome FROM sessions WHERE id = ?"), {id});
    if (!row || !row.value().next())
        return {};
    return {row.value().value(0).toString(), row.value().value(1).toString()};
}

} // namespace

class TestEngineSessions : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void theOldestUnprovenSessionGivesWay();
    void busyOnlyWhenEveryOpenSessionIsProven();
    void bothProfilesShareOneLimit();
    void findNotesActivityAndExpiresIdleSessions();
    void rekeyMovesTheSession();
    void messagesAreLoggedInOrderAndAnnounced();
    void closeRecordsTheOutcome();

private:
    Sessions sessions(int maxSessions = 10, int idleSeconds = 60, std::shared_ptr<tam::SessionBudget> budget = {})
    {
        return Sessions(m_db->connection(), m_clock, tam::EngineLimits{maxSessions, idleSeconds, 30, std::move(budget)}, QStringLiteral("teep"),
                        QStringLiteral("application/teep+cbor"));
    }
    TestSession opened(Sessions &table, const QString &key)
    {
        Result<TestSession> session = table.open(QStringLiteral("127.0.0.1"));
        if (!session)
            qFatal("open failed: %s", qPrintable(session.error().toString()));
        table.insert(key, session.value());
        return session.value();
    }

    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    FixedClock m_clock{QDateTime(QDate(2026, 12, 2), QTime(10, 0), Qt::UTC)};
};

void TestEngineSessions::init()
{
    m_dir = std::make_unique<test::TempDir>();
    auto opened = store::Database::open(m_dir->path(QStringLiteral("tam.db")));
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    m_db = std::move(opened.value());
    m_clock.set(QDateTime(QDate(2026, 12, 2), QTime(10, 0), Qt::UTC));
}

void TestEngineSessions::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestEngineSessions::theOldestUnprovenSessionGivesWay()
{
    // A flood of empty POSTs: each newcomer takes the place of the oldest session whose device
    // has proven nothing, and a session never answered leaves no row.
    Sessions table = sessions(2, 60);
    const TestSession first = opened(table, QStringLiteral("a"));
    m_clock.set(m_clock.now().addSecs(1));
    const TestSession second = opened(table, QStringLiteral("b"));
    m_clock.set(m_clock.now().addSecs(1));
    const TestSession third = opened(table, QStringLiteral("c"));
    QCOMPARE(table.size(), 2);
    QVERIFY(!table.find(QStringLiteral("a")));
    QVERIFY(table.find(QStringLiteral("b")) && table.find(QStringLiteral("c")));
    QCOMPARE(sessionRow(m_db->connection(), first.id), std::make_pair(QString(), QString()));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 2);

    // One that has heard from its device (an unverified answer) is closed, not erased.
    table.find(QStringLiteral("b"))->heardFromDevice = true;
    opened(table, QStringLiteral("d"));
    QCOMPARE(sessionRow(m_db->connection(), second.id).first, QStringLiteral("failed"));
    QVERIFY(sessionRow(m_db->connection(), second.id).second.contains(QStringLiteral("gave way to a newer session")));
    QCOMPARE(sessionRow(m_db->connection(), third.id).first, QStringLiteral("open"));
}

void TestEngineSessions::busyOnlyWhenEveryOpenSessionIsProven()
{
    Sessions table = sessions(2, 60);
    const TestSession first = opened(table, QStringLiteral("a"));
    table.find(QStringLiteral("a"))->device = QStringLiteral("dev-a"); // its signature verified
    m_clock.set(m_clock.now().addSecs(30));
    const TestSession second = opened(table, QStringLiteral("b"));
    table.find(QStringLiteral("b"))->device = QStringLiteral("dev-b");

    const Result<TestSession> refused = table.open(QStringLiteral("127.0.0.2"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, QStringLiteral("tam.busy"));
    QCOMPARE(table.size(), 2);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 2); // no row for the refused one

    // 61 s after the first's last message: it is idle too long and makes room; the second is not.
    m_clock.set(m_clock.now().addSecs(31));
    const Result<TestSession> third = table.open(QStringLiteral("127.0.0.2"));
    QVERIFY(third);
    QCOMPARE(sessionRow(m_db->connection(), first.id), std::make_pair(QStringLiteral("failed"), QStringLiteral("expired after 60 s without a message")));
    QCOMPARE(sessionRow(m_db->connection(), second.id).first, QStringLiteral("open"));
    QCOMPARE(table.size(), 1);
}

void TestEngineSessions::bothProfilesShareOneLimit()
{
    auto budget = std::make_shared<tam::SessionBudget>(3);
    Sessions teep = sessions(3, 60, budget);
    Sessions otrp = sessions(3, 60, budget);
    opened(otrp, QStringLiteral("o1"));
    m_clock.set(m_clock.now().addSecs(1));
    opened(teep, QStringLiteral("t1"));
    opened(teep, QStringLiteral("t2"));
    QCOMPARE(budget->open(), 3);
    // The fourth, on TEEP, displaces the oldest unproven session of either profile: OTrP's.
    opened(teep, QStringLiteral("t3"));
    QCOMPARE(budget->open(), 3);
    QCOMPARE(otrp.size(), 0);
    QCOMPARE(teep.size(), 3);
}

void TestEngineSessions::findNotesActivityAndExpiresIdleSessions()
{
    Sessions table = sessions(10, 60);
    const TestSession session = opened(table, QStringLiteral("a"));
    QVERIFY(!table.find(QStringLiteral("unknown")));

    m_clock.set(m_clock.now().addSecs(50));
    TestSession *found = table.find(QStringLiteral("a"));
    QVERIFY(found);
    QCOMPARE(found->id, session.id);
    QCOMPARE(found->lastActivity, m_clock.now());
    table.logMessage(*found, false, QByteArray("answer"), QStringLiteral("QueryResponse"));

    // 50 s after that message it is still open (its activity was noted); 61 s after, it is gone,
    // even before a sweep is due.
    m_clock.set(m_clock.now().addSecs(50));
    QVERIFY(table.find(QStringLiteral("a")));
    m_clock.set(m_clock.now().addSecs(61));
    QVERIFY(!table.find(QStringLiteral("a")));
    QCOMPARE(table.size(), 0);
    QCOMPARE(sessionRow(m_db->connection(), session.id).first, QStringLiteral("failed"));
}

void TestEngineSessions::rekeyMovesTheSession()
{
    Sessions table = sessions();
    const TestSession session = opened(table, QStringLiteral("old"));
    TestSession &moved = table.rekey(QStringLiteral("old"), QStringLiteral("new"));
    moved.note = QStringLiteral("moved");
    QVERIFY(!table.find(QStringLiteral("old")));
    TestSession *found = table.find(QStringLiteral("new"));
    QVERIFY(found);
    QCOMPARE(found->id, session.id);
    QCOMPARE(found->note, QStringLiteral("moved"));
    QCOMPARE(table.size(), 1);
}

void TestEngineSessions::messagesAreLoggedInOrderAndAnnounced()
{
    Sessions table = sessions();
    QList<tam::SessionEvent> events;
    table.setListener([&events](const tam::SessionEvent &event) { events << event; });
    opened(table, QStringLiteral("a"));
    TestSession *session = table.find(QStringLiteral("a"));
    QVERIFY(session);
    table.logMessage(*session, true, QByteArray("request"), QStringLiteral("QueryRequest"));
    table.logMessage(*session, false, QByteArray("response"), QStringLiteral("QueryResponse"));

    auto rows = store::run(m_db->connection(), QStringLiteral("SELECT seq, direction, media_type, body FROM session_messages WHERE session_id = ? ORDER BY seq"),
                           {session->id});
    QVERIFY(rows);
    QVERIFY(rows.value().next());
    QCOMPARE(rows.value().value(0).toInt(), 1);
    QCOMPARE(rows.value().value(1).toString(), QStringLiteral("to-device"));
    QCOMPARE(rows.value().value(2).toString(), QStringLiteral("application/teep+cbor"));
    QCOMPARE(rows.value().value(3).toByteArray(), QByteArray("request"));
    QVERIFY(rows.value().next());
    QCOMPARE(rows.value().value(0).toInt(), 2);
    QCOMPARE(rows.value().value(1).toString(), QStringLiteral("from-device"));
    QVERIFY(!rows.value().next());

    QCOMPARE(events.size(), 2);
    QCOMPARE(events[0].kind, tam::SessionEvent::Kind::MessageOut);
    QCOMPARE(events[0].summary, QStringLiteral("QueryRequest"));
    QCOMPARE(events[1].kind, tam::SessionEvent::Kind::MessageIn);
    QCOMPARE(events[1].profile, QStringLiteral("teep"));
    QCOMPARE(events[1].body, QByteArray("response"));
    QCOMPARE(events[1].sessionId, session->id);
}

void TestEngineSessions::closeRecordsTheOutcome()
{
    Sessions table = sessions();
    QList<tam::SessionEvent> events;
    table.setListener([&events](const tam::SessionEvent &event) { events << event; });
    const qint64 quiet = opened(table, QStringLiteral("quiet")).id;
    const qint64 busy = opened(table, QStringLiteral("busy")).id;

    table.close(QStringLiteral("quiet"), *table.find(QStringLiteral("quiet")));
    QCOMPARE(sessionRow(m_db->connection(), quiet), std::make_pair(QStringLiteral("completed"), QStringLiteral("nothing to do")));

    TestSession *session = table.find(QStringLiteral("busy"));
    session->outcomes << QStringLiteral("acme-notes v1 installed");
    session->heardFromDevice = true;
    session->failed = true;
    table.close(QStringLiteral("busy"), *session, QStringLiteral("the agent refused the Update"));
    QCOMPARE(sessionRow(m_db->connection(), busy),
             std::make_pair(QStringLiteral("failed"), QStringLiteral("acme-notes v1 installed; the agent refused the Update")));
    QCOMPARE(table.size(), 0);
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[1].kind, tam::SessionEvent::Kind::Closed);
    QCOMPARE(events[1].summary, QStringLiteral("acme-notes v1 installed; the agent refused the Update"));
}

QTEST_GUILESS_MAIN(TestEngineSessions)
#include "tst_enginesessions.moc"
