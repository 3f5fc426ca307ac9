// What a database error is called (store::sqlError): SQLite's own result codes, provoked on a
// real file, become the codes callers test (store.unique, store.foreign-key, store.constraint,
// store.busy, store.readonly), so that no caller matches message text.
#include "store/database.h"
#include "store/sql.h"
#include "tempdir.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace teep;

namespace {

QString codeOf(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return QStringLiteral("(succeeded)");
    return store::sqlError(query).code;
}

} // namespace

class TestSqlErrors : public QObject
{
    Q_OBJECT

private slots:
    void constraintsAreNamed();
    void aLockedDatabaseIsBusy();
    void aReadOnlyConnectionIsReadOnly();
    void runCarriesTheCode();
};

void TestSqlErrors::constraintsAreNamed()
{
    test::TempDir dir;
    auto opened = store::Database::open(dir.database(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    const QSqlDatabase db = opened.value()->connection();
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO service_providers (spid, name, created_at) VALUES ('acme', 'Acme', 'now')")), QStringLiteral("(succeeded)"));
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO service_providers (spid, name, created_at) VALUES ('acme', 'Acme again', 'now')")),
             QStringLiteral("store.unique"));
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO service_providers (id, spid, name, created_at) SELECT id, 'other', 'x', 'now' FROM service_providers")),
             QStringLiteral("store.unique")); // the primary key
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol) VALUES (999, 'tee0', 'teep')")), QStringLiteral("store.foreign-key"));
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO devices (name, identity_source, created_at) VALUES ('x', 'guessed', 'now')")),
             QStringLiteral("store.constraint")); // CHECK
    QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO devices (name, identity_source, created_at) VALUES (NULL, 'registered', 'now')")),
             QStringLiteral("store.constraint")); // NOT NULL
    QCOMPARE(codeOf(db, QStringLiteral("DELETE FROM audit_log")), QStringLiteral("(succeeded)")); // empty: nothing to refuse
    QCOMPARE(codeOf(db, QStringLiteral("SELECT * FROM no_such_table")), QStringLiteral("store.sql"));
}

void TestSqlErrors::aLockedDatabaseIsBusy()
{
    test::TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    auto first = store::Database::open(path);
    QVERIFY(first.ok());
    auto second = store::Database::open(path);
    QVERIFY(second.ok());
    const QSqlDatabase other = second.value()->connection();
    QSqlQuery hold(first.value()->connection());
    if (test::onPostgres()) {
        // A table lock another server holds: the wait ends after the lock timeout (55P03).
        QVERIFY(hold.exec(QStringLiteral("BEGIN")));
        QVERIFY(hold.exec(QStringLiteral("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE")));
        QSqlQuery shortWait(other);
        QVERIFY(shortWait.exec(QStringLiteral("SET lock_timeout = 50")));
    } else {
        QVERIFY(hold.exec(QStringLiteral("BEGIN IMMEDIATE")));
        QSqlQuery noWait(other);
        QVERIFY(noWait.exec(QStringLiteral("PRAGMA busy_timeout = 0")));
    }
    QCOMPARE(codeOf(other, QStringLiteral("INSERT INTO settings (key, value) VALUES ('x', 'y')")), QStringLiteral("store.busy"));
    QVERIFY(hold.exec(QStringLiteral("ROLLBACK")));
}

void TestSqlErrors::aReadOnlyConnectionIsReadOnly()
{
    test::TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    if (test::onPostgres()) {
        // A read-only session, as on a standby or for a read-only role.
        auto opened = store::Database::open(path);
        QVERIFY(opened.ok());
        const QSqlDatabase db = opened.value()->connection();
        QSqlQuery setting(db);
        QVERIFY(setting.exec(QStringLiteral("SET default_transaction_read_only = on")));
        QCOMPARE(codeOf(db, QStringLiteral("INSERT INTO settings (key, value) VALUES ('x', 'y')")), QStringLiteral("store.readonly"));
        QCOMPARE(store::checkServable(db).error().code, QStringLiteral("store.readonly"));
        return;
    }
    QVERIFY(store::Database::open(path).ok());
    {
        QSqlDatabase readOnly = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("readonly"));
        readOnly.setDatabaseName(path);
        readOnly.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY(readOnly.open());
        QCOMPARE(codeOf(readOnly, QStringLiteral("INSERT INTO settings (key, value) VALUES ('x', 'y')")), QStringLiteral("store.readonly"));
        readOnly.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("readonly"));
}

void TestSqlErrors::runCarriesTheCode()
{
    // What the stores use: store::run's error has the code, and the message the engine's words.
    test::TempDir dir;
    auto opened = store::Database::open(dir.database(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    const QSqlDatabase db = opened.value()->connection();
    const QString insert = QStringLiteral("INSERT INTO service_providers (spid, name, created_at) VALUES (?, ?, 'now')");
    QVERIFY(store::run(db, insert, {QStringLiteral("acme"), QStringLiteral("Acme")}).ok());
    const auto again = store::run(db, insert, {QStringLiteral("acme"), QStringLiteral("Acme")});
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, QStringLiteral("store.unique"));
    // The engine's words name the constraint.
    QVERIFY2(again.error().message.contains(test::onPostgres() ? QStringLiteral("service_providers_spid_key") : QStringLiteral("service_providers.spid")),
             qPrintable(again.error().message));
}

QTEST_GUILESS_MAIN(TestSqlErrors)
#include "tst_sqlerrors.moc"
