#pragma once

#include "common/error.h"
#include "store/location.h"
#include "store/migration.h"

#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>

class QObject;

namespace teep::store {

// Before a server answers devices from it: every page readable and consistent (PRAGMA
// quick_check: store.corrupt, with SQLite's first complaint) and the file writable
// (store.readonly); on PostgreSQL, a primary (not a read-only standby) on which this role may
// write. A TAM that cannot record must not start.
Status checkServable(QSqlDatabase db);

// The console's database: one SQLite file (WAL, foreign keys, busy timeout) or a PostgreSQL
// database shared by several servers and consoles; opened, checked, migrated and configured. A
// Database owns one QSqlDatabase connection, usable from the thread that opened it; a worker
// thread opens its own Database on the same path().
class Database
{
public:
    // Opens or creates the database at `location` (a file path or a postgresql:// URI, see
    // store/location.h) and brings it to the latest schema. Refuses, leaving the file (or the
    // PostgreSQL database) untouched: a file that is not SQLite, a corrupt SQLite file, a database
    // that is not a TEEP Console database, and a database written by a newer TEEP Console.
    static Result<std::unique_ptr<Database>> open(const QString &path);

    // The same with an explicit list of migrations (tests use it to prove upgrades and rollback).
    static Result<std::unique_ptr<Database>> open(const QString &path, const MigrationList &migrations);

    // A QSqlDatabase connection name no other connection of this process has.
    static QString newConnectionName(const QString &purpose);

    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    QSqlDatabase connection() const;
    // The file path, or the PostgreSQL URI (it never carries a password): what to open again.
    QString path() const { return m_path; }
    Engine engine() const { return m_engine; }
    int schemaVersion() const { return m_schemaVersion; }
    // The journal mode SQLite reports ("wal" unless the file system cannot do WAL); on PostgreSQL,
    // "postgresql".
    QString journalMode() const { return m_journalMode; }
    // A number that moves when *another* connection commits (SQLite's PRAGMA data_version; on
    // PostgreSQL the teep_data_version sequence every change bumps, own changes included): a view
    // learns that `teepctl`, a server or another console changed the data by seeing it move.
    Result<qint64> dataVersion() const;
    // Calls `changed` (on this connection's thread, while `context` lives) as soon as another
    // connection commits a change: PostgreSQL's LISTEN on the channel every table's trigger
    // notifies (migration 11). False on SQLite, which has no such signal: poll dataVersion().
    bool onChangesElsewhere(QObject *context, std::function<void()> changed) const;

private:
    Database(QString path, QString connectionName, Engine engine);
    static Result<std::unique_ptr<Database>> openSqlite(const QString &path, const MigrationList &migrations);
    static Result<std::unique_ptr<Database>> openPostgres(const Location &location, const MigrationList &migrations);

    QString m_path;
    QString m_connectionName;
    Engine m_engine = Engine::Sqlite;
    int m_schemaVersion = 0;
    QString m_journalMode;
};

} // namespace teep::store
