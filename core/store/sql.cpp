#include "store/sql.h"

#include <QSqlDriver>

#include <cstdio>
#include <unordered_map>

namespace teep::store {

QString errorCode(QSqlDriver::DbmsType dbms, const QSqlError &error)
{
    const QString native = error.nativeErrorCode();
    if (dbms == QSqlDriver::PostgreSQL) {
        // SQLSTATE, five characters: class (two) and condition.
        static const std::unordered_map<std::string, const char *> exact = {
            {"23505", "store.unique"}, {"23503", "store.foreign-key"}, {"40001", "store.busy"}, {"40P01", "store.busy"},
            {"55P03", "store.busy"},   {"53100", "store.full"},        {"25006", "store.readonly"}, {"XX001", "store.corrupt"},
            {"XX002", "store.corrupt"}};
        if (const auto found = exact.find(native.toStdString()); found != exact.end())
            return QString::fromLatin1(found->second);
        if (native.startsWith(QLatin1String("23")))
            return QStringLiteral("store.constraint");
        if (native.startsWith(QLatin1String("58")))
            return QStringLiteral("store.io");
        return QStringLiteral("store.sql");
    }
    // SQLite: the extended result code; its low byte is the primary one.
    bool ok = false;
    const int extended = native.toInt(&ok);
    if (!ok)
        return QStringLiteral("store.sql");
    switch (extended) {
    case 2067: // SQLITE_CONSTRAINT_UNIQUE
    case 1555: // SQLITE_CONSTRAINT_PRIMARYKEY
        return QStringLiteral("store.unique");
    case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
        return QStringLiteral("store.foreign-key");
    default:
        break;
    }
    switch (extended & 0xff) {
    case 19: return QStringLiteral("store.constraint"); // SQLITE_CONSTRAINT: CHECK, NOT NULL, a trigger's RAISE
    case 5:                                              // SQLITE_BUSY
    case 6: return QStringLiteral("store.busy");         // SQLITE_LOCKED
    case 13: return QStringLiteral("store.full");        // SQLITE_FULL
    case 8: return QStringLiteral("store.readonly");     // SQLITE_READONLY
    case 11:                                             // SQLITE_CORRUPT
    case 26: return QStringLiteral("store.corrupt");     // SQLITE_NOTADB
    case 10: return QStringLiteral("store.io");          // SQLITE_IOERR
    default: return QStringLiteral("store.sql");
    }
}

Error sqlError(QSqlDriver::DbmsType dbms, const QSqlError &error)
{
    if (dbms == QSqlDriver::PostgreSQL) {
        // The server's words without libpq's "ERROR:  " and Qt's "(SQLSTATE)" around them.
        QString words = error.databaseText().trimmed();
        if (words.startsWith(QLatin1String("ERROR:")))
            words = words.mid(6).trimmed();
        if (!words.isEmpty())
            return Error{errorCode(dbms, error), words};
    }
    return Error{errorCode(dbms, error), error.text()};
}

Error sqlError(const QSqlQuery &query)
{
    return sqlError(query.driver() ? query.driver()->dbmsType() : QSqlDriver::UnknownDbms, query.lastError());
}

// The prepared statements of one connection, idle until run() lends them out. A child of the
// connection's driver, so it lives exactly as long as the connection.
class StatementCache : public QObject
{
public:
    static constexpr qsizetype kMaxStatements = 256;

    explicit StatementCache(QSqlDriver *driver) : QObject(driver) {}

    static StatementCache *of(const QSqlDatabase &db)
    {
        QSqlDriver *driver = db.driver();
        if (!driver)
            return nullptr;
        auto *cache = driver->findChild<StatementCache *>(QString(), Qt::FindDirectChildrenOnly);
        return cache ? cache : new StatementCache(driver);
    }

    std::optional<QSqlQuery> take(const StatementKey &key)
    {
        const auto found = m_idle.find(key);
        if (found == m_idle.end())
            return std::nullopt;
        QSqlQuery query = std::move(found->second);
        m_idle.erase(found);
        return query;
    }

    void giveBack(StatementKey &&key, QSqlQuery &&query)
    {
        if (qsizetype(m_idle.size()) < kMaxStatements)
            m_idle.try_emplace(std::move(key), std::move(query));
    }

private:
    struct KeyHash
    {
        size_t operator()(const StatementKey &key) const noexcept { return key.hash; }
    };
    std::unordered_map<StatementKey, QSqlQuery, KeyHash> m_idle; // QHash would need QSqlQuery to be copyable
};

Query::Query(QSqlQuery query, StatementCache *cache, StatementKey key) : QSqlQuery(std::move(query)), m_cache(cache), m_key(std::move(key)) {}

Query::Query(Query &&other) noexcept : QSqlQuery(std::move(other)), m_cache(std::move(other.m_cache)), m_key(std::move(other.m_key))
{
    other.m_cache.clear();
}

Query &Query::operator=(Query &&other) noexcept
{
    if (this != &other) {
        giveBack();
        QSqlQuery::operator=(std::move(other));
        m_cache = std::move(other.m_cache);
        other.m_cache.clear();
        m_key = std::move(other.m_key);
    }
    return *this;
}

Query::~Query()
{
    giveBack();
}

void Query::giveBack()
{
    if (!m_cache)
        return;
    finish();
    m_cache->giveBack(std::move(m_key), std::move(*static_cast<QSqlQuery *>(this)));
    m_cache.clear();
}

namespace {
// Qt's PostgreSQL driver prepares with SQL PREPARE, which takes only these statements; the rest
// (BEGIN, COMMIT, SAVEPOINT, SET, LOCK...) runs as it is, without bound values.
bool postgresCanPrepare(const QString &sql)
{
    const QStringView head = QStringView(sql).trimmed().left(7);
    for (const QLatin1String keyword :
         {QLatin1String("SELECT"), QLatin1String("INSERT"), QLatin1String("UPDATE"), QLatin1String("DELETE"), QLatin1String("WITH"), QLatin1String("VALUES")}) {
        if (head.startsWith(keyword, Qt::CaseInsensitive))
            return true;
    }
    return false;
}
} // namespace

Result<Query> run(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    if (engineOf(db) == Engine::Postgres && !postgresCanPrepare(sql)) {
        if (!values.isEmpty())
            return Error{QStringLiteral("store.sql"), QStringLiteral("cannot bind values to: %1").arg(sql.left(40))};
        QSqlQuery query(db);
        if (!query.exec(sql))
            return sqlError(query);
        return Query(std::move(query), nullptr, StatementKey{});
    }
    StatementCache *cache = StatementCache::of(db);
    StatementKey key{sql, cache ? size_t(qHash(sql)) : 0};
    std::optional<QSqlQuery> reused = cache ? cache->take(key) : std::nullopt;
    QSqlQuery query = reused ? std::move(*reused) : QSqlQuery(db);
    if (!reused) {
        // Forward-only reads SQLite rows as they are stepped. Qt's PostgreSQL driver would stream
        // them in single-row mode, which allows one such query per connection and ends it when
        // another query starts: nested reads (common here) need the whole result, fetched at once.
        if (engineOf(db) == Engine::Sqlite)
            query.setForwardOnly(true);
        if (!query.prepare(sql))
            return sqlError(query);
    }
    for (qsizetype i = 0; i < values.size(); ++i)
        query.bindValue(int(i), values.at(i));
    if (!query.exec())
        return sqlError(query);
    return Query(std::move(query), cache, std::move(key));
}

QString isoUtc(const QDateTime &time)
{
    const QDateTime utc = time.toUTC();
    const QDate date = utc.date();
    if (!utc.isValid() || date.year() < 1 || date.year() > 9999)
        return utc.toString(Qt::ISODateWithMs);
    const QTime clock = utc.time();
    char text[32];
    const int length = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", date.year(), date.month(), date.day(), clock.hour(),
                                     clock.minute(), clock.second(), clock.msec());
    return QString::fromLatin1(text, length);
}

Result<qint64> insertReturningId(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    auto inserted = run(db, sql + QStringLiteral(" RETURNING id"), values);
    if (!inserted)
        return inserted.error();
    if (!inserted.value().next())
        return Error{QStringLiteral("store.sql"), QStringLiteral("the database returned no id for: %1").arg(sql.left(60))};
    return inserted.value().value(0).toLongLong();
}

Result<QStringList> column(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    auto rows = run(db, sql, values);
    if (!rows)
        return rows.error();
    QStringList found;
    while (rows.value().next())
        found << rows.value().value(0).toString();
    return found;
}

} // namespace teep::store
