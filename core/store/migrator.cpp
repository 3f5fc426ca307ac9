#include "store/migrator.h"

#include "common/logging.h"
#include "store/transaction.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace teep::store {

namespace {

const QString kCreateVersionTable = QStringLiteral(
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)");

// The key of the advisory lock that serialises migrations on PostgreSQL ("TEEPmigr").
constexpr qint64 kMigrationLock = 0x544545506d696772;

Error sqlError(const QString &code, const QString &what, const QSqlError &error)
{
    return Error{code, QStringLiteral("%1: %2").arg(what, error.text())};
}

Status checkNumbering(const MigrationList &migrations)
{
    for (qsizetype i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != i + 1)
            return Error{QStringLiteral("store.migration-numbering"),
                         QStringLiteral("migration at position %1 has version %2; versions must "
                                        "be 1, 2, 3, ... without gaps")
                             .arg(i + 1)
                             .arg(migrations[i].version)};
    }
    return {};
}

} // namespace

Result<int> readSchemaVersion(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    // Both engines' catalogs through one question (sqlite_master, PostgreSQL's search path).
    const QString probe = engineOf(db) == Engine::Postgres
                              ? QStringLiteral("SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' "
                                               "AND schemaname = ANY (current_schemas(false))")
                              : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!query.exec(probe))
        return sqlError(QStringLiteral("store.unreadable"), QStringLiteral("cannot read the schema"),
                        query.lastError());
    if (!query.next() || query.value(0).toInt() == 0)
        return 0;
    if (!query.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !query.next())
        return sqlError(QStringLiteral("store.unreadable"),
                        QStringLiteral("cannot read the schema version"), query.lastError());
    return query.value(0).toInt();
}

Result<int> migrate(QSqlDatabase &db, const MigrationList &migrations)
{
    if (const Status numbering = checkNumbering(migrations); !numbering)
        return numbering.error();
    const Engine engine = engineOf(db);
    Transaction transaction(db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();

    QSqlQuery query(db);
    // Two servers starting at once on one PostgreSQL database: the second waits here until the
    // first has committed, then finds nothing left to do. (SQLite's writer lock does the same
    // with the first write.)
    if (engine == Engine::Postgres && !query.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kMigrationLock)))
        return sqlError(QStringLiteral("store.migration-failed"), QStringLiteral("cannot take the migration lock"), query.lastError());
    if (!query.exec(kCreateVersionTable))
        return sqlError(QStringLiteral("store.migration-failed"),
                        QStringLiteral("cannot create the schema_migrations table"), query.lastError());
    const Result<int> current = readSchemaVersion(db);
    if (!current)
        return current.error();
    if (current.value() > migrations.size())
        return Error{QStringLiteral("store.schema-newer"),
                     QStringLiteral("was written by a newer TEEP Console (schema version %1; this version understands up to %2). "
                                    "Upgrade TEEP Console; nothing was changed.")
                         .arg(current.value())
                         .arg(migrations.size())};

    int applied = 0;
    for (const Migration &migration : migrations) {
        if (migration.version <= current.value())
            continue;
        for (qsizetype i = 0; i < migration.statements.size(); ++i) {
            const QString sql = migration.statements[i].forEngine(engine);
            if (!sql.isEmpty() && !query.exec(sql))
                return sqlError(QStringLiteral("store.migration-failed"),
                                QStringLiteral("migration %1 (%2) failed at statement %3; nothing "
                                               "was changed")
                                    .arg(migration.version)
                                    .arg(migration.description)
                                    .arg(i + 1),
                                query.lastError());
        }
        query.prepare(QStringLiteral(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)"));
        query.addBindValue(migration.version);
        query.addBindValue(migration.description);
        query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        if (!query.exec())
            return sqlError(QStringLiteral("store.migration-failed"),
                            QStringLiteral("cannot record migration %1").arg(migration.version),
                            query.lastError());
        ++applied;
    }
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    if (applied > 0)
        qCInfo(lcStore) << "applied" << applied << "migration(s); schema version now"
                        << migrations.size();
    return applied;
}

} // namespace teep::store
