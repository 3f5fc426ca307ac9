// Transactions that nest (savepoints) and statements reused per connection: what the TAM relies
// on to make one HTTP round trip one transaction with prepared statements.
#include "store/database.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "tempdir.h"

#include <QSqlQuery>
#include <QTest>

using teep::store::Database;
using teep::store::Transaction;
using teep::store::run;
using teep::test::TempDir;

namespace {

QStringList keys(const QSqlDatabase &db)
{
    QStringList found;
    auto rows = run(db, QStringLiteral("SELECT key FROM settings WHERE key LIKE 'test.%' ORDER BY key"));
    while (rows && rows.value().next())
        found << rows.value().value(0).toString();
    return found;
}

bool insertKey(const QSqlDatabase &db, const QString &key)
{
    return run(db, QStringLiteral("INSERT INTO settings (key, value) VALUES (?, '1')"), {key}).ok();
}

} // namespace

class TestTransactions : public QObject
{
    Q_OBJECT

private slots:
    void innerFailureUndoesOnlyItself();
    void outerRollbackUndoesCommittedInner();
    void outerCannotCommitOverAnOpenInner();
    void sameStatementNestsSafely();
    void finishedQueriesHoldNoSnapshot();
    void failedStatementReportsTheError();
    void timestampsAreQtIsoUtc();
};

void TestTransactions::innerFailureUndoesOnlyItself()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("t.db")));
    QVERIFY(opened.ok());
    const QSqlDatabase db = opened.value()->connection();
    {
        Transaction outer(db);
        QVERIFY(outer.begun().ok());
        QVERIFY(insertKey(db, QStringLiteral("test.a")));
        {
            Transaction inner(db);
            QVERIFY(inner.begun().ok());
            QVERIFY(insertKey(db, QStringLiteral("test.b")));
            // Leaves scope without commit: a failed record.
        }
        {
            Transaction inner(db);
            QVERIFY(insertKey(db, QStringLiteral("test.c")));
            QVERIFY(inner.commit().ok());
        }
        QVERIFY(outer.commit().ok());
    }
    QCOMPARE(keys(db), (QStringList{QStringLiteral("test.a"), QStringLiteral("test.c")}));
    // A fresh transaction after the nested ones is an outermost one again.
    Transaction again(db);
    QVERIFY(insertKey(db, QStringLiteral("test.d")));
    QVERIFY(again.commit().ok());
    QCOMPARE(keys(db).size(), 3);
}

void TestTransactions::outerRollbackUndoesCommittedInner()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("t.db")));
    const QSqlDatabase db = opened.value()->connection();
    {
        Transaction outer(db);
        {
            Transaction inner(db);
            QVERIFY(insertKey(db, QStringLiteral("test.inner")));
            QVERIFY(inner.commit().ok());
        }
        // The outer one fails: nothing of it, inner records included, is kept.
    }
    QVERIFY(keys(db).isEmpty());
}

void TestTransactions::outerCannotCommitOverAnOpenInner()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("t.db")));
    const QSqlDatabase db = opened.value()->connection();
    Transaction outer(db);
    auto inner = std::make_unique<Transaction>(db);
    QVERIFY(insertKey(db, QStringLiteral("test.x")));
    const teep::Status refused = outer.commit();
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().message.contains(QStringLiteral("still open")));
    inner.reset();
    QVERIFY(outer.commit().ok());
    QVERIFY(keys(db).isEmpty()); // the inner record was undone when it closed without commit
}

void TestTransactions::sameStatementNestsSafely()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("t.db")));
    const QSqlDatabase db = opened.value()->connection();
    for (const QString &key : {QStringLiteral("test.1"), QStringLiteral("test.2"), QStringLiteral("test.3")})
        QVERIFY(insertKey(db, key));
    const QString sql = QStringLiteral("SELECT key FROM settings WHERE key LIKE 'test.%' ORDER BY key");
    auto outer = run(db, sql);
    QVERIFY(outer.ok());
    QStringList pairs;
    while (outer.value().next()) {
        // The same SQL again while the first result is being read: a statement of its own.
        auto inner = run(db, sql);
        QVERIFY(inner.ok());
        int count = 0;
        while (inner.value().next())
            ++count;
        pairs << QStringLiteral("%1:%2").arg(outer.value().value(0).toString()).arg(count);
    }
    QCOMPARE(pairs, (QStringList{QStringLiteral("test.1:3"), QStringLiteral("test.2:3"), QStringLiteral("test.3:3")}));
}

void TestTransactions::finishedQueriesHoldNoSnapshot()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("t.db"));
    auto first = Database::open(path);
    QVERIFY(first.ok());
    const QSqlDatabase reader = first.value()->connection();
    QVERIFY(insertKey(reader, QStringLiteral("test.1")));
    const QString count = QStringLiteral("SELECT COUNT(*) FROM settings WHERE key LIKE 'test.%'");
    {
        auto rows = run(reader, count);
        QVERIFY(rows.value().next());
        QCOMPARE(rows.value().value(0).toInt(), 1);
        // Read one row and let go, as most callers do: the statement is reset when handed back.
    }
    auto second = Database::open(path);
    QVERIFY(second.ok());
    QVERIFY(insertKey(second.value()->connection(), QStringLiteral("test.2")));
    // Another statement on the reader sees the other connection's commit: the first one was reset
    // when handed back, so it keeps no read transaction (and no stale snapshot) open.
    auto again = run(reader, count + QStringLiteral(" AND 1 = 1"));
    QVERIFY(again.value().next());
    QCOMPARE(again.value().value(0).toInt(), 2);
}

void TestTransactions::failedStatementReportsTheError()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("t.db")));
    const QSqlDatabase db = opened.value()->connection();
    QVERIFY(insertKey(db, QStringLiteral("test.dup")));
    for (int attempt = 0; attempt < 2; ++attempt) { // the second time from the cache, if it were kept
        const auto duplicate = run(db, QStringLiteral("INSERT INTO settings (key, value) VALUES (?, '1')"), {QStringLiteral("test.dup")});
        QVERIFY(!duplicate.ok());
        QCOMPARE(duplicate.error().code, QStringLiteral("store.unique"));
        // The engine's own words: SQLite's "UNIQUE constraint failed", PostgreSQL's "duplicate key value".
        QVERIFY2(duplicate.error().message.contains(teep::test::onPostgres() ? QStringLiteral("duplicate key") : QStringLiteral("UNIQUE")),
                 qPrintable(duplicate.error().message));
    }
    QVERIFY(!run(db, QStringLiteral("SELECT nonsense FROM nowhere")).ok());
    QVERIFY(insertKey(db, QStringLiteral("test.after"))); // the connection is still usable
}

// The one timestamp format, written without Qt's formatter, is exactly Qt's ISODateWithMs in UTC
// (so stored rows keep sorting and parsing as before), also for non-UTC input.
void TestTransactions::timestampsAreQtIsoUtc()
{
    const QDateTime start(QDate(1970, 1, 1), QTime(0, 0), Qt::UTC);
    for (qint64 step = 0; step < 5000; ++step) {
        // Spread over years 1900 to 2300, with every millisecond value pattern.
        const qint64 offset = (step - 1000) * 2'524'608'123'457LL / 1000 + step * 7;
        const QDateTime at = start.addMSecs(offset);
        QCOMPARE(teep::store::isoUtc(at), at.toString(Qt::ISODateWithMs));
    }
    const QDateTime local(QDate(2026, 12, 1), QTime(23, 59, 59, 999), Qt::OffsetFromUTC, 3600);
    QCOMPARE(teep::store::isoUtc(local), QStringLiteral("2026-12-01T22:59:59.999Z"));
    QCOMPARE(teep::store::isoUtc(QDateTime(QDate(2024, 2, 29), QTime(0, 0), Qt::UTC)), QStringLiteral("2024-02-29T00:00:00.000Z"));
}

QTEST_GUILESS_MAIN(TestTransactions)
#include "tst_transactions.moc"
