#pragma once

#include <QByteArray>
#include <QHash>
#include <QSqlDatabase>
#include <QString>
#include <QTemporaryDir>

namespace teep::test {

// Whether this test runs on PostgreSQL: CTest runs each store, engine and end-to-end test twice,
// the second time (NAME_pg) with TEEP_TEST_POSTGRES naming the file where tests/support/postgres.sh
// wrote its throw-away server's URI.
bool onPostgres();

// A fresh temporary folder for one test, removed afterwards, and the test's databases.
class TempDir
{
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    QString path(const QString &name) const;

    // Where the test's database `name` is: a file in this folder (SQLite) or, on PostgreSQL, a
    // new empty database on the test server, dropped with the folder. The same name gives the
    // same database (a test that reopens it finds what it wrote).
    QString database(const QString &name);

private:
    QTemporaryDir m_dir;
    QHash<QString, QString> m_postgresDatabases; // name -> database on the server
};

// The number of rows in `table` of an open database (-1 if it cannot be counted).
qint64 rowCount(const QSqlDatabase &db, const QString &table);

// Makes every INSERT into `table` fail with `message` (a trigger, in the engine's own language):
// what a full disk or a broken server would do, on demand.
bool refuseInserts(const QSqlDatabase &db, const QString &table, const QString &message);
bool allowInserts(const QSqlDatabase &db, const QString &table);
// Takes away the append-only protection of the audit log, as someone with write access to the
// database could: what the hash chain must then catch.
bool dropAuditProtection(const QSqlDatabase &db);
// Runs `sql` on the PostgreSQL database `uri` names, over a connection of its own (no TEEP schema
// check): to set up what the store must then refuse.
bool postgresExec(const QString &uri, const QString &sql);

// The bytes of a file, or an empty array if it cannot be read.
QByteArray readAll(const QString &path);
void writeAll(const QString &path, const QByteArray &bytes);

} // namespace teep::test
