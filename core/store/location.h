#pragma once

#include "common/error.h"
#include "store/migration.h"

#include <QString>

namespace teep::store {

// Where a database is, as `--database` and File > Open take it: a file path (SQLite, the embedded
// default) or a PostgreSQL URI, postgresql://user@host:port/dbname?sslmode=verify-full.
//
// A URI never carries a password: libpq finds it where it always does (PGPASSWORD, the file
// named by PGPASSFILE or ?passfile=, ~/.pgpass), so it never reaches argv, logs or the recent-files
// list. Query parameters are libpq's connection keywords; those that make sense for a TAM's store
// are accepted (sslmode, sslrootcert, sslcert, sslkey, passfile, connect_timeout,
// application_name, target_session_attrs), anything else is refused by name.
struct Location
{
    Engine engine = Engine::Sqlite;
    QString path; // SQLite: the absolute file path

    // PostgreSQL
    QString host;
    int port = 5432;
    QString user;
    QString database;
    QString connectOptions; // for QPSQL: "sslmode=require;connect_timeout=10"

    // What errors, logs and the window title show, and what another thread opens again: the
    // file path, or the URI as given (it has no password).
    QString display;
};

bool isPostgresUri(const QString &text);
Result<Location> parseLocation(const QString &text);

// "fleet on db.example:5432" for a PostgreSQL URI, the file name for a path: what a window title
// or a progress message calls the database.
QString shortName(const QString &location);

// A password the console's user typed for a PostgreSQL URI: kept in this process's memory for the
// connections it opens to that URI (the window's, the TAM's, each operation's), never written or
// logged. When there is one, the connection uses it instead of libpq's own sources (PGPASSWORD,
// passfile, ~/.pgpass).
void rememberPassword(const QString &uri, const QString &password);
QString rememberedPassword(const QString &uri);

} // namespace teep::store
