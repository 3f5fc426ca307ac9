#pragma once

#include "common/error.h"
#include "store/migration.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace teep::store {

// Before a server answers devices from it: every page readable and consistent (PRAGMA
// quick_check: store.corrupt, with SQLite's first complaint) and the file writable
// (store.readonly). A TAM that cannot record must not start.
Status checkServable(QSqlDatabase db);

// The console's one SQLite file: opened, checked, migrated and configured (WAL, foreign keys,
// busy timeout). A Database owns one QSqlDatabase connection, usable from the thread that opened
// it; a worker thread opens its own Database on the same path.
class Database
{
public:
    // Opens or creates `path` and brings it to the latest schema. Refuses, leaving the file
    // byte-for-byte untouched: a file that is not SQLite, a corrupt SQLite file, an SQLite file
    // that is not a TEEP Console database, and a database written by a newer TEEP Console.
    static Result<std::unique_ptr<Database>> open(const QString &path);

    // The same with an explicit list of migrations (tests use it to prove upgrades and rollback).
    static Result<std::unique_ptr<Database>> open(const QString &path, const MigrationList &migrations);

    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    QSqlDatabase connection() const;
    QString path() const { return m_path; }
    int schemaVersion() const { return m_schemaVersion; }
    // The journal mode SQLite reports ("wal" unless the file system cannot do WAL).
    QString journalMode() const { return m_journalMode; }
    // SQLite's count of commits by *other* connections (PRAGMA data_version): a view learns that
    // `teepctl` or another console changed the file by seeing it move.
    Result<qint64> dataVersion() const;

private:
    Database(QString path, QString connectionName);

    QString m_path;
    QString m_connectionName;
    int m_schemaVersion = 0;
    QString m_journalMode;
};

} // namespace teep::store
