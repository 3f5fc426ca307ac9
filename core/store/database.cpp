#include "store/database.h"

#include "common/logging.h"
#include "store/migrations.h"
#include "store/migrator.h"
#include "store/postgresdatabase.h"
#include "store/sqlitefile.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

namespace teep::store {

QString Database::newConnectionName(const QString &purpose)
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("teep-store-%1-%2").arg(purpose).arg(counter.fetchAndAddRelaxed(1));
}

namespace {

constexpr int kBusyTimeoutMs = 5000;


// Removes a QSqlDatabase connection once no QSqlDatabase handle to it is left in scope.
class ScopedConnection
{
public:
    ScopedConnection(const QString &name, const QString &path, const QString &options)
        : m_name(name)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(options);
    }
    ~ScopedConnection() { QSqlDatabase::removeDatabase(m_name); }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

private:
    QString m_name;
};

// Reads an existing SQLite file through a read-only connection and decides whether we may open
// it for writing. Nothing here can modify the file. Without a -wal file beside it the file is
// complete on its own, and it is read as immutable so that SQLite creates no -wal or -shm file
// next to a file we may go on to refuse.
Status inspectExisting(const QString &path, int latestVersion)
{
    const bool hasWal = QFileInfo::exists(path + QStringLiteral("-wal"));
    const QString name = hasWal ? path
                                : QUrl::fromLocalFile(path).toString(QUrl::FullyEncoded) +
                                      QStringLiteral("?mode=ro&immutable=1");
    ScopedConnection scoped(Database::newConnectionName(QStringLiteral("inspect")), name,
                            hasWal ? QStringLiteral("QSQLITE_OPEN_READONLY")
                                   : QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
    QSqlDatabase db = scoped.db();
    if (!db.open())
        return Error{QStringLiteral("store.unreadable"),
                     QStringLiteral("cannot be opened: %1; the file was left untouched")
                         .arg(db.lastError().text()),
                     path};

    QStringList tables;
    {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'"))) {
            const QString reason = query.lastError().text();
            db.close();
            return Error{QStringLiteral("store.corrupt"),
                         QStringLiteral("is damaged or not a usable SQLite database (SQLite says: "
                                        "%1); the file was left untouched. Restore it from a backup "
                                        "or open another file with --database.")
                             .arg(reason),
                         path};
        }
        while (query.next())
            tables << query.value(0).toString();
    }

    Status verdict;
    if (!tables.isEmpty() && !tables.contains(QStringLiteral("schema_migrations"))) {
        verdict = Error{QStringLiteral("store.foreign-database"),
                        QStringLiteral("is an SQLite database of another program (tables: %1), "
                                       "not a TEEP Console database; the file was left untouched")
                            .arg(tables.mid(0, 5).join(QStringLiteral(", "))),
                        path};
    } else if (const Result<int> version = readSchemaVersion(db); !version) {
        verdict = Error{version.error().code, version.error().message, path};
    } else if (version.value() > latestVersion) {
        verdict = Error{QStringLiteral("store.schema-newer"),
                        QStringLiteral("was written by a newer TEEP Console (schema version %1; this "
                                       "version understands up to %2). Upgrade TEEP Console; the file "
                                       "was left untouched.")
                            .arg(version.value())
                            .arg(latestVersion),
                        path};
    }
    db.close();
    return verdict;
}

Status execPragma(QSqlDatabase &db, const QString &pragma, QString *answer = nullptr)
{
    QSqlQuery query(db);
    if (!query.exec(pragma))
        return Error{QStringLiteral("store.configure"),
                     QStringLiteral("%1 failed: %2").arg(pragma, query.lastError().text())};
    if (answer && query.next())
        *answer = query.value(0).toString();
    return {};
}

} // namespace

Database::Database(QString path, QString connectionName, Engine engine)
    : m_path(std::move(path)), m_connectionName(std::move(connectionName)), m_engine(engine)
{
}

Database::~Database()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<qint64> Database::dataVersion() const
{
    QSqlQuery query(connection());
    const QString sql = m_engine == Engine::Postgres ? QStringLiteral("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM teep_data_version") : QStringLiteral("PRAGMA data_version");
    if (!query.exec(sql) || !query.next())
        return Error{QStringLiteral("store.sql"), query.lastError().text(), m_path};
    return query.value(0).toLongLong();
}

Status checkServable(QSqlDatabase db)
{
    if (engineOf(db) == Engine::Postgres)
        return checkPostgresServable(db);
    QSqlQuery check(db);
    if (!check.exec(QStringLiteral("PRAGMA quick_check(1)")) || !check.next())
        return Error{QStringLiteral("store.corrupt"), QStringLiteral("cannot be checked: %1").arg(check.lastError().text()), db.databaseName()};
    if (const QString verdict = check.value(0).toString(); verdict != QLatin1String("ok"))
        return Error{QStringLiteral("store.corrupt"), QStringLiteral("is damaged (SQLite's check says: %1); restore it from a backup").arg(verdict.left(200)),
                     db.databaseName()};
    check.finish();
    // A write lock taken and given back: what the first device's session would need.
    QSqlQuery probe(db);
    if (!probe.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return Error{QStringLiteral("store.readonly"), QStringLiteral("cannot be written: %1").arg(probe.lastError().text()), db.databaseName()};
    probe.exec(QStringLiteral("ROLLBACK"));
    return {};
}

Result<std::unique_ptr<Database>> Database::open(const QString &path)
{
    return open(path, schemaMigrations());
}

Result<std::unique_ptr<Database>> Database::open(const QString &location, const MigrationList &migrations)
{
    const Result<Location> parsed = parseLocation(location);
    if (!parsed)
        return parsed.error();
    if (parsed.value().engine == Engine::Postgres)
        return openPostgres(parsed.value(), migrations);
    return openSqlite(parsed.value().path, migrations);
}

Result<std::unique_ptr<Database>> Database::openSqlite(const QString &absolute, const MigrationList &migrations)
{
    const Result<FileKind> kind = probeDatabaseFile(absolute);
    if (!kind)
        return kind.error();
    const int latest = static_cast<int>(migrations.size());
    if (kind.value() == FileKind::Sqlite) {
        if (const Status inspected = inspectExisting(absolute, latest); !inspected)
            return inspected.error();
    } else if (kind.value() == FileKind::Missing) {
        const QDir parent = QFileInfo(absolute).dir();
        if (!parent.exists()) {
            if (!QDir().mkpath(parent.path()))
                return Error{QStringLiteral("store.create"),
                             QStringLiteral("cannot create the folder %1").arg(parent.path()), absolute};
            QFile::setPermissions(parent.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
    }

    std::unique_ptr<Database> database(
        new Database(absolute, newConnectionName(QStringLiteral("main")), Engine::Sqlite));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), database->m_connectionName);
    db.setDatabaseName(absolute);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs));
    if (!db.open())
        return Error{QStringLiteral("store.open"),
                     QStringLiteral("cannot be opened for writing: %1").arg(db.lastError().text()),
                     absolute};

    // The key store is in this file (encrypted, but open to offline guessing): its owner's
    // alone, and so are SQLite's journal files, whatever the umask was when they were made.
    for (const QString &file : {absolute, absolute + QStringLiteral("-wal"), absolute + QStringLiteral("-shm")}) {
        if (QFileInfo::exists(file) && !QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner))
            qCWarning(lcStore) << "cannot make" << file << "private to its owner";
    }

    // foreign_keys cannot change inside a transaction, so it is set before migrating.
    for (const QString &pragma : {QStringLiteral("PRAGMA foreign_keys = ON"),
                                  QStringLiteral("PRAGMA synchronous = FULL")}) {
        if (const Status status = execPragma(db, pragma); !status)
            return Error{status.error().code, status.error().message, absolute};
    }
    if (const Status status = execPragma(db, QStringLiteral("PRAGMA journal_mode = WAL"),
                                         &database->m_journalMode);
        !status)
        return Error{status.error().code, status.error().message, absolute};
    if (database->m_journalMode != QLatin1String("wal"))
        qCWarning(lcStore) << "SQLite could not switch" << absolute << "to WAL; journal mode is"
                           << database->m_journalMode;

    const Result<int> applied = migrate(db, migrations);
    if (!applied)
        return Error{applied.error().code, applied.error().message, absolute};
    const Result<int> version = readSchemaVersion(db);
    if (!version)
        return Error{version.error().code, version.error().message, absolute};
    database->m_schemaVersion = version.value();
    qCInfo(lcStore) << "opened" << absolute << "at schema version" << database->m_schemaVersion;
    return database;
}

} // namespace teep::store
