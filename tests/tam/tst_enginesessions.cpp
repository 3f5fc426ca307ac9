// The open sessions both engines keep (EngineSessions), against a real SQLite file and a clock the
// test moves: the limit on open sessions (shared by the profiles; the oldest unproven session
// gives way), idle expiry, re-keying, the message log, closing, and that a session gets its row
// only when the device answers (one nobody answered leaves nothing behind).
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

    QCborMap toState() const
    {
        QCborMap state = tam::sessionstate::basics(*this);
        state.insert(QStringLiteral("note"), note);
        return state;
    }
    static std::optional<TestSession> fromState(const QCborMap &state)
    {
        TestSession session;
        if (!tam::sessionstate::restoreBasics(state, session))
            return std::nullopt;
        session.note = state.value(QStringLiteral("note")).toString();
        return session;
    }
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
    void aSessionGetsItsRowWhenTheDeviceAnswers();
    void aMessageThatCannotBeLoggedFailsTheSession();
    void aSessionGoesOnWithWhicheverServerTheDeviceReaches();
    void idleSessionsExpireOnAnyServer();
    void theLimitCountsEveryServersSessions();
    void anUnreadableSavedStateIsDropped();
    void anAnswerWhoseStateCannotBeSavedIsHeldBack();
    void aDeviceHasOneOpenSession_data();
    void aDeviceHasOneOpenSession();

private:
    // Sessions in memory (one server), or kept in the database between messages (several).
    Sessions sessions(int maxSessions = 10, int idleSeconds = 60, std::shared_ptr<tam::SessionBudget> budget = {}, bool inDatabase = false)
    {
        return Sessions(m_db->connection(), m_clock,
                        tam::EngineLimits{.maxSessions = maxSessions, .idleSeconds = idleSeconds, .budget = std::move(budget), .sessionsInDatabase = inDatabase},
                        QStringLiteral("teep"), QStringLiteral("application/teep+cbor"));
    }
    // One of several servers sharing the database: its own limit, sessions in the database.
    Sessions server(int maxSessions = 10) { return sessions(maxSessions, 60, {}, true); }
    TestSession opened(Sessions &table, const QString &key)
    {
        Result<TestSession> session = table.open(QStringLiteral("127.0.0.1"));
        if (!session)
            qFatal("open failed: %s", qPrintable(session.error().toString()));
        table.insert(key, session.value());
        return session.value();
    }
    // The TAM's first message and the device's answer: the session gets its row.
    qint64 answered(Sessions &table, const QString &key)
    {
        TestSession *session = table.find(key);
        if (!session)
            qFatal("no session %s", qPrintable(key));
        table.logMessage(*session, true, QByteArray("request"), QStringLiteral("QueryRequest"));
        table.logMessage(*session, false, QByteArray("response"), QStringLiteral("QueryResponse"));
        return session->id;
    }

    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    FixedClock m_clock{QDateTime(QDate(2026, 12, 2), QTime(10, 0), Qt::UTC)};
};

void TestEngineSessions::init()
{
    m_dir = std::make_unique<test::TempDir>();
    auto opened = store::Database::open(m_dir->database(QStringLiteral("tam.db")));
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
    QList<tam::SessionEvent> events;
    table.setListener([&events](const tam::SessionEvent &event) { events << event; });
    opened(table, QStringLiteral("a"));
    table.logMessage(*table.find(QStringLiteral("a")), true, QByteArray("request"), QStringLiteral("QueryRequest"));
    m_clock.set(m_clock.now().addSecs(1));
    opened(table, QStringLiteral("b"));
    m_clock.set(m_clock.now().addSecs(1));
    opened(table, QStringLiteral("c"));
    QCOMPARE(table.size(), 2);
    QVERIFY(!table.find(QStringLiteral("a")));
    QVERIFY(table.find(QStringLiteral("b")) && table.find(QStringLiteral("c")));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 0);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("session_messages")), 0);
    // Only its end is told, without a row to name: nobody answered it.
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].kind, tam::SessionEvent::Kind::Closed);
    QCOMPARE(events[0].sessionId, 0);
    QVERIFY(events[0].summary.contains(QStringLiteral("gave way to a newer session")));

    // One that has heard from its device (an answer not verified yet) is closed, not erased.
    const qint64 second = answered(table, QStringLiteral("b"));
    QVERIFY(second > 0);
    opened(table, QStringLiteral("d"));
    QCOMPARE(table.size(), 2);
    QVERIFY(!table.find(QStringLiteral("b")));
    QCOMPARE(sessionRow(m_db->connection(), second).first, QStringLiteral("failed"));
    QVERIFY(sessionRow(m_db->connection(), second).second.contains(QStringLiteral("gave way to a newer session")));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 1);
}

void TestEngineSessions::busyOnlyWhenEveryOpenSessionIsProven()
{
    Sessions table = sessions(2, 60);
    opened(table, QStringLiteral("a"));
    const qint64 first = answered(table, QStringLiteral("a"));
    table.find(QStringLiteral("a"))->device = QStringLiteral("dev-a"); // its signature verified
    m_clock.set(m_clock.now().addSecs(30));
    opened(table, QStringLiteral("b"));
    const qint64 second = answered(table, QStringLiteral("b"));
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
    QCOMPARE(sessionRow(m_db->connection(), first), std::make_pair(QStringLiteral("failed"), QStringLiteral("expired after 60 s without a message")));
    QCOMPARE(sessionRow(m_db->connection(), second).first, QStringLiteral("open"));
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
    opened(table, QStringLiteral("a"));
    QVERIFY(!table.find(QStringLiteral("unknown")));

    m_clock.set(m_clock.now().addSecs(50));
    TestSession *found = table.find(QStringLiteral("a"));
    QVERIFY(found);
    QCOMPARE(found->lastActivity, m_clock.now());
    table.logMessage(*found, false, QByteArray("answer"), QStringLiteral("QueryResponse"));
    const qint64 id = found->id;

    // 50 s after that message it is still open (its activity was noted); 61 s after, it is gone,
    // even before a sweep is due.
    m_clock.set(m_clock.now().addSecs(50));
    QVERIFY(table.find(QStringLiteral("a")));
    m_clock.set(m_clock.now().addSecs(61));
    QVERIFY(!table.find(QStringLiteral("a")));
    QCOMPARE(table.size(), 0);
    QCOMPARE(sessionRow(m_db->connection(), id).first, QStringLiteral("failed"));
}

void TestEngineSessions::rekeyMovesTheSession()
{
    Sessions table = sessions();
    opened(table, QStringLiteral("old"));
    const qint64 id = answered(table, QStringLiteral("old"));
    TestSession &moved = table.rekey(QStringLiteral("old"), QStringLiteral("new"));
    moved.note = QStringLiteral("moved");
    QVERIFY(!table.find(QStringLiteral("old")));
    TestSession *found = table.find(QStringLiteral("new"));
    QVERIFY(found);
    QCOMPARE(found->id, id);
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

    QCOMPARE(events.size(), 3);
    QCOMPARE(events[0].kind, tam::SessionEvent::Kind::Started);
    QCOMPARE(events[1].kind, tam::SessionEvent::Kind::MessageOut);
    QCOMPARE(events[1].summary, QStringLiteral("QueryRequest"));
    QCOMPARE(events[1].body, QByteArray("request"));
    QCOMPARE(events[2].kind, tam::SessionEvent::Kind::MessageIn);
    QCOMPARE(events[2].profile, QStringLiteral("teep"));
    QCOMPARE(events[2].body, QByteArray("response"));
    for (const tam::SessionEvent &event : std::as_const(events))
        QCOMPARE(event.sessionId, session->id);
}

void TestEngineSessions::closeRecordsTheOutcome()
{
    Sessions table = sessions();
    QList<tam::SessionEvent> events;
    table.setListener([&events](const tam::SessionEvent &event) { events << event; });
    opened(table, QStringLiteral("quiet"));
    opened(table, QStringLiteral("busy"));
    const qint64 busy = answered(table, QStringLiteral("busy"));

    // A session that ends well gets its row, whether or not the device said anything.
    TestSession *quiet = table.find(QStringLiteral("quiet"));
    table.close(QStringLiteral("quiet"), *quiet);
    const qint64 quietId = events.last().sessionId;
    QVERIFY(quietId > 0 && quietId != busy);
    QCOMPARE(sessionRow(m_db->connection(), quietId), std::make_pair(QStringLiteral("completed"), QStringLiteral("nothing to do")));
    events.clear();

    TestSession *session = table.find(QStringLiteral("busy"));
    session->outcomes << QStringLiteral("acme-notes v1 installed");
    session->failed = true;
    table.close(QStringLiteral("busy"), *session, QStringLiteral("the agent refused the Update"));
    QCOMPARE(sessionRow(m_db->connection(), busy),
             std::make_pair(QStringLiteral("failed"), QStringLiteral("acme-notes v1 installed; the agent refused the Update")));
    QCOMPARE(table.size(), 0);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].kind, tam::SessionEvent::Kind::Closed);
    QCOMPARE(events[0].sessionId, busy);
    QCOMPARE(events[0].summary, QStringLiteral("acme-notes v1 installed; the agent refused the Update"));
}

void TestEngineSessions::aSessionGetsItsRowWhenTheDeviceAnswers()
{
    // Until the device answers, the session is only in memory: a thousand empty POSTs write
    // nothing (each made a row and logged a message before, three synchronous commits).
    Sessions table = sessions(1000, 60);
    QList<tam::SessionEvent> events;
    table.setListener([&events](const tam::SessionEvent &event) { events << event; });
    const QDateTime started = m_clock.now();
    for (int i = 0; i < 1000; ++i) {
        opened(table, QString::number(i));
        table.logMessage(*table.find(QString::number(i)), true, QByteArray("request ") + QByteArray::number(i), QStringLiteral("QueryRequest"));
    }
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 0);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("session_messages")), 0);
    QVERIFY(events.isEmpty());
    QVERIFY(table.ids().isEmpty()); // nothing of these for a stopping TAM to close

    // The answer to #7 arrives 5 s later: the row has the time the session started, and the
    // TAM's message its own time, before the device's.
    m_clock.set(started.addSecs(5));
    TestSession *seven = table.find(QStringLiteral("7"));
    QVERIFY(seven);
    table.logMessage(*seven, false, QByteArray("response 7"), QStringLiteral("QueryResponse"));
    QVERIFY(seven->recorded());
    QCOMPARE(table.ids(), QList<qint64>{seven->id});
    auto row = store::run(m_db->connection(), QStringLiteral("SELECT state, started_at, peer_address FROM sessions WHERE id = ?"), {seven->id});
    QVERIFY(row && row.value().next());
    QCOMPARE(row.value().value(0).toString(), QStringLiteral("open"));
    QCOMPARE(row.value().value(1).toString(), store::isoUtc(started));
    QCOMPARE(row.value().value(2).toString(), QStringLiteral("127.0.0.1"));
    auto messages = store::run(m_db->connection(), QStringLiteral("SELECT seq, direction, body, at FROM session_messages WHERE session_id = ? ORDER BY seq"),
                               {seven->id});
    QVERIFY(messages && messages.value().next());
    QCOMPARE(messages.value().value(0).toInt(), 1);
    QCOMPARE(messages.value().value(1).toString(), QStringLiteral("to-device"));
    QCOMPARE(messages.value().value(2).toByteArray(), QByteArray("request 7"));
    QCOMPARE(messages.value().value(3).toString(), store::isoUtc(started));
    QVERIFY(messages.value().next());
    QCOMPARE(messages.value().value(1).toString(), QStringLiteral("from-device"));
    QCOMPARE(messages.value().value(3).toString(), store::isoUtc(started.addSecs(5)));
    QVERIFY(!messages.value().next());
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 1);
    // Its events are told now, in the order they happened.
    QCOMPARE(events.size(), 3);
    QCOMPARE(events[0].kind, tam::SessionEvent::Kind::Started);
    QCOMPARE(events[1].kind, tam::SessionEvent::Kind::MessageOut);
    QCOMPARE(events[1].body, QByteArray("request 7"));
    QCOMPARE(events[2].kind, tam::SessionEvent::Kind::MessageIn);

    // The rest expire unanswered: nothing more in the database, one Closed event each.
    m_clock.set(started.addSecs(61));
    table.expireIdle(true);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 1);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("session_messages")), 2);
    QCOMPARE(events.size(), 3 + 999); // #7 had word 56 s ago: still open
    QCOMPARE(std::count_if(events.cbegin(), events.cend(), [](const tam::SessionEvent &event) { return event.sessionId == 0; }), 999);
}

void TestEngineSessions::aMessageThatCannotBeLoggedFailsTheSession()
{
    // The database refuses the message log (a trigger stands in for a full disk): the session
    // fails and its record says which message and why.
    QVERIFY(test::refuseInserts(m_db->connection(), QStringLiteral("session_messages"), QStringLiteral("the disk said no")));
    Sessions table = sessions();
    opened(table, QStringLiteral("a"));
    const qint64 id = answered(table, QStringLiteral("a"));
    TestSession *session = table.find(QStringLiteral("a"));
    QVERIFY(session && session->failed);
    QVERIFY2(session->outcomes.join(QLatin1Char(' ')).contains(QStringLiteral("a message (QueryRequest) not recorded: the disk said no")),
             qPrintable(session->outcomes.join(QLatin1Char(' '))));
    table.close(QStringLiteral("a"), *session);
    QCOMPARE(sessionRow(m_db->connection(), id).first, QStringLiteral("failed"));
}

void TestEngineSessions::aSessionGoesOnWithWhicheverServerTheDeviceReaches()
{
    Sessions first = server();
    Sessions second = server();
    QList<tam::SessionEvent> events;
    second.setListener([&events](const tam::SessionEvent &event) { events << event; });
    TestSession session = first.open(QStringLiteral("127.0.0.1")).value();
    session.note = QStringLiteral("asked for attestation");
    first.insert(QStringLiteral("token-1"), session);
    first.logMessage(*first.find(QStringLiteral("token-1")), true, QByteArray("request"), QStringLiteral("QueryRequest"));
    QVERIFY(first.settle());
    // Saved, and in no server's memory: both count it.
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("open_sessions")), 1);
    QCOMPARE(first.size(), 1);
    QCOMPARE(second.size(), 1);
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("sessions")), 0); // still no row: nobody answered

    // The device's answer reaches the other server: the session, the TAM's held message with it.
    m_clock.set(m_clock.now().addSecs(5));
    TestSession *found = second.find(QStringLiteral("token-1"));
    QVERIFY(found);
    QCOMPARE(found->note, QStringLiteral("asked for attestation"));
    second.logMessage(*found, false, QByteArray("response"), QStringLiteral("QueryResponse"));
    QVERIFY(found->recorded());
    const qint64 id = found->id;
    QCOMPARE(events.size(), 3); // started, the held QueryRequest, the answer
    QCOMPARE(events[1].body, QByteArray("request"));
    second.rekey(QStringLiteral("token-1"), QStringLiteral("token-2")).note = QStringLiteral("sent an Update");
    QVERIFY(second.settle());

    // The spent token is nowhere; the next one is found by the first server again.
    QVERIFY(!first.find(QStringLiteral("token-1")));
    TestSession *again = first.find(QStringLiteral("token-2"));
    QVERIFY(again);
    QCOMPARE(again->id, id);
    QCOMPARE(again->note, QStringLiteral("sent an Update"));
    QCOMPARE(again->seq, 2);
    QCOMPARE(again->lastActivity, m_clock.now());
    first.logMessage(*again, false, QByteArray("success"), QStringLiteral("Success"));
    first.close(QStringLiteral("token-2"), *again, QStringLiteral("installed"));
    QVERIFY(first.settle());
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("open_sessions")), 0);
    QCOMPARE(sessionRow(m_db->connection(), id), std::make_pair(QStringLiteral("completed"), QStringLiteral("installed")));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("session_messages")), 3);
}

void TestEngineSessions::idleSessionsExpireOnAnyServer()
{
    Sessions first = server();
    Sessions second = server();
    opened(first, QStringLiteral("a"));
    const qint64 id = answered(first, QStringLiteral("a"));
    QVERIFY(first.settle());
    m_clock.set(m_clock.now().addSecs(59));
    opened(first, QStringLiteral("b"));
    QVERIFY(first.settle());

    // 61 s after a's last message, the other server's sweep closes it; b is young.
    m_clock.set(m_clock.now().addSecs(2));
    second.expireIdle(true);
    QCOMPARE(sessionRow(m_db->connection(), id), std::make_pair(QStringLiteral("failed"), QStringLiteral("expired after 60 s without a message")));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("open_sessions")), 1);
    QVERIFY(!first.find(QStringLiteral("a")));
    QVERIFY(first.find(QStringLiteral("b")));
    QVERIFY(first.settle());
}

void TestEngineSessions::theLimitCountsEveryServersSessions()
{
    // Two servers, each with a limit of 2: the database's sessions count, not each one's.
    Sessions first = server(2);
    Sessions second = server(2);
    opened(first, QStringLiteral("a"));
    QVERIFY(first.settle());
    m_clock.set(m_clock.now().addSecs(1));
    opened(first, QStringLiteral("b"));
    first.find(QStringLiteral("b"))->device = QStringLiteral("dev-b"); // proven
    QVERIFY(first.settle());
    m_clock.set(m_clock.now().addSecs(1));
    opened(second, QStringLiteral("c")); // a, unproven, gives way
    QVERIFY(second.settle());
    QCOMPARE(second.size(), 2);
    QVERIFY(!first.find(QStringLiteral("a")));
    QVERIFY(first.find(QStringLiteral("b")) && first.find(QStringLiteral("c")));
    QVERIFY(first.settle());
    // b proven, c proven too: the next newcomer on either server is refused.
    second.find(QStringLiteral("c"))->device = QStringLiteral("dev-c");
    QVERIFY(second.settle());
    const Result<TestSession> refused = first.open(QStringLiteral("127.0.0.3"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, QStringLiteral("tam.busy"));
}

void TestEngineSessions::anUnreadableSavedStateIsDropped()
{
    Sessions first = server();
    opened(first, QStringLiteral("a"));
    QVERIFY(first.settle());
    QVERIFY(store::run(m_db->connection(), QStringLiteral("UPDATE open_sessions SET state = ?"), {QByteArray("\xff\x00")}));
    QVERIFY(!first.find(QStringLiteral("a")));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("open_sessions")), 0);
    QVERIFY(first.settle());
}

void TestEngineSessions::anAnswerWhoseStateCannotBeSavedIsHeldBack()
{
    QVERIFY(test::refuseInserts(m_db->connection(), QStringLiteral("open_sessions"), QStringLiteral("the disk said no")));
    Sessions first = server();
    opened(first, QStringLiteral("a"));
    const Result<QByteArray> answer = tam::settled(first.settle(), Result<QByteArray>(QByteArray("QueryRequest")));
    QVERIFY(!answer);
    QCOMPARE(answer.error().code, QStringLiteral("tam.store"));
    QVERIFY2(answer.error().message.contains(QStringLiteral("the disk said no")), qPrintable(answer.error().message));
    QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("open_sessions")), 0);
}

void TestEngineSessions::aDeviceHasOneOpenSession_data()
{
    QTest::addColumn<bool>("inDatabase");
    QTest::newRow("one server, in memory") << false;
    QTest::newRow("two servers, in the database") << true;
}

void TestEngineSessions::aDeviceHasOneOpenSession()
{
    // A device that begins a new session (it rebooted, or its broker gave up on a slow server)
    // while its older one is open: once it proves who it is in the new one, the older one is
    // closed, on whichever server holds it, and another device's session is left alone.
    QFETCH(bool, inDatabase);
    QVERIFY(store::run(m_db->connection(), QStringLiteral("INSERT INTO devices (id, name, identity_source, created_at) VALUES (7, 'dev-7', 'registered', 'now'), "
                                                          "(8, 'dev-8', 'registered', 'now')")).ok());
    QVERIFY(store::run(m_db->connection(), QStringLiteral("INSERT INTO tees (id, device_id, tee_name, protocol) VALUES (70, 7, 'primary', 'teep'), "
                                                          "(80, 8, 'primary', 'teep')")).ok());
    Sessions first = sessions(10, 60, {}, inDatabase);
    Sessions second = sessions(10, 60, {}, inDatabase);
    Sessions &later = inDatabase ? second : first;
    const auto proven = [&](Sessions &table, const QString &key, qint64 device, qint64 tee) {
        opened(table, key);
        const qint64 id = answered(table, key);
        TestSession *session = table.find(key);
        session->device = QStringLiteral("dev-%1").arg(device);
        const Status attached = table.attach(*session, device, tee);
        return attached && table.settle() ? id : 0;
    };
    const qint64 older = proven(first, QStringLiteral("a"), 7, 70);
    const qint64 other = proven(first, QStringLiteral("b"), 8, 80);
    QVERIFY(older && other);
    m_clock.set(m_clock.now().addSecs(5));
    const qint64 newer = proven(later, QStringLiteral("c"), 7, 70);
    QVERIFY(newer);
    QCOMPARE(sessionRow(m_db->connection(), older), std::make_pair(QStringLiteral("failed"), QStringLiteral("superseded: the device began a newer session")));
    QCOMPARE(sessionRow(m_db->connection(), other).first, QStringLiteral("open"));
    QCOMPARE(sessionRow(m_db->connection(), newer).first, QStringLiteral("open"));
    QVERIFY(!first.find(QStringLiteral("a")));
    QVERIFY(first.find(QStringLiteral("b")));
    QVERIFY(later.find(QStringLiteral("c")));
    QCOMPARE(later.size(), 2);
    QVERIFY(first.settle() && later.settle());
}

QTEST_GUILESS_MAIN(TestEngineSessions)
#include "tst_enginesessions.moc"
