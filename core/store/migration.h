#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace teep::store {

// The two database engines the console stores its data in.
enum class Engine {
    Sqlite,   // one file, the embedded default
    Postgres, // a shared server, for several TAM servers and consoles
};

// One statement of a schema step. Written once in portable SQL (INTEGER, TEXT, BLOB, x'..'
// literals) and mapped to PostgreSQL's types by forEngine(); where the engines need different
// statements (triggers), each is spelled out, and a statement one engine does not need is empty.
struct MigrationStatement
{
    MigrationStatement(const QString &sql) : sqlite(sql), postgres(sql), portable(true) {} // NOLINT: implicit on purpose
    MigrationStatement(const char *sql) : MigrationStatement(QString::fromUtf8(sql)) {}         // NOLINT
    static MigrationStatement perEngine(const QString &sqlite, const QString &postgres);
    static MigrationStatement postgresOnly(const QString &postgres) { return perEngine(QString(), postgres); }

    // The SQL this engine runs (empty: nothing).
    QString forEngine(Engine engine) const;

    QString sqlite;
    QString postgres;
    bool portable = false;
};

// One numbered step of the schema. Steps are never edited once released: a change to the schema
// is a new step with the next number.
struct Migration
{
    int version = 0;
    QString description;
    QList<MigrationStatement> statements; // executed in order, inside the migrator's single transaction
};

using MigrationList = QList<Migration>;

// Portable DDL as PostgreSQL spells it: INTEGER PRIMARY KEY (SQLite's row id) becomes an identity
// column, INTEGER becomes BIGINT (SQLite's integers are 64-bit), BLOB becomes BYTEA and x'..'
// literals become bytea literals. Nothing else changes: the schema uses no other SQLite-only type.
QString postgresDialect(const QString &portable);

} // namespace teep::store
