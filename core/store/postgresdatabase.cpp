// Database::open for a postgresql:// location: the same promises as for an SQLite file (refuse a
// database that is not ours or is newer, untouched; migrate once; fail with the engine's reason)
// on a server that several TAM servers and consoles share.
#include "store/database.h"
#include "store/postgresdatabase.h"

#include "common/logging.h"
#include "store/migrations.h"
#include "store/migrator.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

namespace teep::store {

namespace {

// What a lock wait may take before the statement fails as store.busy, as SQLite's busy timeout.
constexpr int kLockTimeoutMs = 5000;
constexpr int kConnectTimeoutSeconds = 10;

QString connectOptions(const Location &location)
{
    QStringList options;
    if (!location.connectOptions.isEmpty())
        options << location.connectOptions;
    if (!location.connectOptions.contains(QLatin1String("connect_timeout=")))
        options << QStringLiteral("connect_timeout=%1").arg(kConnectTimeoutSeconds);
    if (!location.connectOptions.contains(QLatin1String("application_name=")))
        options << QStringLiteral("application_name=teep-console");
    return options.join(QLatin1Char(';'));
}

Status exec(QSqlDatabase &db, const QString &sql, const QString &display)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return Error{QStringLiteral("store.configure"), QStringLiteral("%1 failed: %2").arg(sql, query.lastError().text()), display};
    return {};
}

// Refuses a database of another program, and one a newer TEEP Console wrote, before anything is
// written to it.
Status inspect(QSqlDatabase &db, int latestVersion, const QString &display)
{
    QStringList tables;
    {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = ANY (current_schemas(false)) "
                                       "ORDER BY tablename")))
            return Error{QStringLiteral("store.unreadable"), QStringLiteral("cannot be read: %1").arg(query.lastError().text()), display};
        while (query.next())
            tables << query.value(0).toString();
    }
    if (!tables.isEmpty() && !tables.contains(QStringLiteral("schema_migrations")))
        return Error{QStringLiteral("store.foreign-database"),
                     QStringLiteral("is a PostgreSQL database of another program (tables: %1), not a TEEP Console database; "
                                    "nothing was written to it")
                         .arg(tables.mid(0, 5).join(QStringLiteral(", "))),
                     display};
    const Result<int> version = readSchemaVersion(db);
    if (!version)
        return Error{version.error().code, version.error().message, display};
    if (version.value() > latestVersion)
        return Error{QStringLiteral("store.schema-newer"),
                     QStringLiteral("was written by a newer TEEP Console (schema version %1; this version understands up to %2). "
                                    "Upgrade TEEP Console; nothing was written to it.")
                         .arg(version.value())
                         .arg(latestVersion),
                     display};
    return {};
}

} // namespace

Status checkPostgresServable(QSqlDatabase db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only'), "
                                   "has_table_privilege('audit_log', 'INSERT'), has_table_privilege('sessions', 'INSERT, UPDATE')")) ||
        !query.next())
        return Error{QStringLiteral("store.unreadable"), QStringLiteral("cannot be checked: %1").arg(query.lastError().text()),
                     db.databaseName()};
    if (query.value(0).toBool())
        return Error{QStringLiteral("store.readonly"), QStringLiteral("is a read-only standby; a TAM must write to the primary server"),
                     db.databaseName()};
    if (query.value(1).toString() == QLatin1String("on"))
        return Error{QStringLiteral("store.readonly"), QStringLiteral("is read-only for this role (default_transaction_read_only is on)"),
                     db.databaseName()};
    if (!query.value(2).toBool() || !query.value(3).toBool())
        return Error{QStringLiteral("store.readonly"), QStringLiteral("cannot be written by this role (no INSERT or UPDATE privilege)"),
                     db.databaseName()};
    return {};
}

bool Database::onChangesElsewhere(QObject *context, std::function<void()> changed) const
{
    if (m_engine != Engine::Postgres)
        return false;
    QSqlDriver *driver = connection().driver();
    if (!driver || !driver->subscribeToNotification(QStringLiteral("teep_changes")))
        return false;
    QObject::connect(driver, &QSqlDriver::notification, context,
                     [changed = std::move(changed)](const QString &, QSqlDriver::NotificationSource source, const QVariant &) {
                         if (source == QSqlDriver::OtherSource)
                             changed();
                     });
    return true;
}

Result<std::unique_ptr<Database>> Database::openPostgres(const Location &location, const MigrationList &migrations)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return Error{QStringLiteral("store.open"),
                     QStringLiteral("cannot be opened: Qt's PostgreSQL driver is not installed (Debian package libqt6sql6-psql)"),
                     location.display};
    std::unique_ptr<Database> database(new Database(location.display, newConnectionName(QStringLiteral("main")), Engine::Postgres));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), database->m_connectionName);
    db.setHostName(location.host);
    db.setPort(location.port);
    db.setUserName(location.user);
    db.setDatabaseName(location.database);
    db.setConnectOptions(connectOptions(location));
    if (const QString typed = rememberedPassword(location.display); !typed.isEmpty())
        db.setPassword(typed);
    if (!db.open())
        return Error{QStringLiteral("store.open"), QStringLiteral("cannot be opened: %1").arg(db.lastError().text().trimmed()), location.display};
    database->m_journalMode = QStringLiteral("postgresql");

    // Text comparisons and timestamps as the SQLite file has them; lock waits bounded like
    // SQLite's busy timeout.
    // The server's notices ("already exists, skipping") are not the operator's business.
    for (const QString &setting : {QStringLiteral("SET lock_timeout = %1").arg(kLockTimeoutMs), QStringLiteral("SET client_encoding = 'UTF8'"),
                                   QStringLiteral("SET client_min_messages = warning")}) {
        if (const Status status = exec(db, setting, location.display); !status)
            return status.error();
    }
    const int latest = static_cast<int>(migrations.size());
    if (const Status inspected = inspect(db, latest, location.display); !inspected)
        return inspected.error();
    const Result<int> applied = migrate(db, migrations);
    if (!applied)
        return Error{applied.error().code, applied.error().message, location.display};
    const Result<int> version = readSchemaVersion(db);
    if (!version)
        return Error{version.error().code, version.error().message, location.display};
    database->m_schemaVersion = version.value();
    qCInfo(lcStore) << "opened" << location.display << "at schema version" << database->m_schemaVersion;
    return database;
}

} // namespace teep::store
