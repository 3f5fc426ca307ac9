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

Result<Query> run(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    StatementCache *cache = StatementCache::of(db);
    StatementKey key{sql, cache ? size_t(qHash(sql)) : 0};
    std::optional<QSqlQuery> reused = cache ? cache->take(key) : std::nullopt;
    QSqlQuery query = reused ? std::move(*reused) : QSqlQuery(db);
    if (!reused) {
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
