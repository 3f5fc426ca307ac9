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
    auto opened = store::Database::open(dir.path(QStringLiteral("teep.db")));
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
    const QString path = dir.path(QStringLiteral("teep.db"));
    auto first = store::Database::open(path);
    QVERIFY(first.ok());
    QSqlQuery hold(first.value()->connection());
    QVERIFY(hold.exec(QStringLiteral("BEGIN IMMEDIATE")));
    {
        QSqlDatabase second = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("second"));
        second.setDatabaseName(path);
        QVERIFY(second.open());
        QSqlQuery noWait(second);
        QVERIFY(noWait.exec(QStringLiteral("PRAGMA busy_timeout = 0")));
        QCOMPARE(codeOf(second, QStringLiteral("INSERT INTO settings (key, value) VALUES ('x', 'y')")), QStringLiteral("store.busy"));
        second.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("second"));
    QVERIFY(hold.exec(QStringLiteral("ROLLBACK")));
}

void TestSqlErrors::aReadOnlyConnectionIsReadOnly()
{
    test::TempDir dir;
    const QString path = dir.path(QStringLiteral("teep.db"));
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
    // What the stores use: store::run's error has the code, and the message SQLite's words.
    test::TempDir dir;
    auto opened = store::Database::open(dir.path(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    const QSqlDatabase db = opened.value()->connection();
    const QString insert = QStringLiteral("INSERT INTO service_providers (spid, name, created_at) VALUES (?, ?, 'now')");
    QVERIFY(store::run(db, insert, {QStringLiteral("acme"), QStringLiteral("Acme")}).ok());
    const auto again = store::run(db, insert, {QStringLiteral("acme"), QStringLiteral("Acme")});
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, QStringLiteral("store.unique"));
    QVERIFY2(again.error().message.contains(QStringLiteral("service_providers.spid")), qPrintable(again.error().message));
}

QTEST_GUILESS_MAIN(TestSqlErrors)
#include "tst_sqlerrors.moc"
