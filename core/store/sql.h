#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "store/migration.h"

#include <QPointer>
#include <QSqlDriver>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariantList>

// Small helpers the stores share: one way to run a bound statement and report its failure, and
// one timestamp format (UTC ISO 8601 with milliseconds, which sorts as text).
namespace teep::store {

class StatementCache;

// A statement's SQL with its hash, computed once per run(): the statement cache looks it up and
// puts it back, and hashing a few hundred characters each time showed in profiles.
struct StatementKey
{
    QString sql;
    size_t hash = 0;
    bool operator==(const StatementKey &other) const { return hash == other.hash && sql == other.sql; }
};

// Our code for a database error, from the driver's own (SQLite's extended result code,
// PostgreSQL's SQLSTATE), so that callers test codes, never message text: store.unique,
// store.foreign-key, store.constraint, store.busy, store.full, store.readonly, store.corrupt,
// store.io, and store.sql for the rest.
QString errorCode(QSqlDriver::DbmsType dbms, const QSqlError &error);
Error sqlError(QSqlDriver::DbmsType dbms, const QSqlError &error);
Error sqlError(const QSqlQuery &query);

// "2026-12-01T21:07:33.123Z": what QDateTime::toString(Qt::ISODateWithMs) gives for UTC, written
// directly (Qt's formatter costs ~20,000 instructions, and a device session stamps a dozen rows).
QString isoUtc(const QDateTime &time);

inline QString timestamp(const Clock &clock)
{
    return isoUtc(clock.now());
}

// A query from run(): a QSqlQuery whose prepared statement goes back to its connection's cache
// when the query goes out of scope (reset first, so that no half-read SELECT keeps a read
// snapshot open). While one is in use, running the same SQL again prepares a second statement,
// so nesting is always safe.
class Query : public QSqlQuery
{
public:
    Query(QSqlQuery query, StatementCache *cache, StatementKey key);
    Query(Query &&other) noexcept;
    Query &operator=(Query &&other) noexcept;
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;
    ~Query();

private:
    void giveBack();

    QPointer<StatementCache> m_cache;
    StatementKey m_key;
};

// Runs `sql` with `values` bound in order; the query is positioned before the first row. The
// statement is prepared once per connection and reused (preparing costs more than most of our
// statements take to run).
Result<Query> run(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {});
// Which engine a connection speaks to.
inline Engine engineOf(const QSqlDatabase &db)
{
    return db.driver() && db.driver()->dbmsType() == QSqlDriver::PostgreSQL ? Engine::Postgres : Engine::Sqlite;
}

// The engine's LIKE that ignores ASCII case, as SQLite's LIKE does: ILIKE on PostgreSQL.
inline QString likeIgnoringCase(const QSqlDatabase &db)
{
    return engineOf(db) == Engine::Postgres ? QStringLiteral("ILIKE") : QStringLiteral("LIKE");
}

// Runs an INSERT of one row and returns the id the database gave it (`sql` gets RETURNING id).
// Not lastInsertId(): on PostgreSQL that is lastval(), the last value of *any* sequence, and the
// triggers that announce changes bump a sequence of their own.
Result<qint64> insertReturningId(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {});
// The id an executed "INSERT ... RETURNING id" returned (0 if none). The statement is finished:
// on SQLite an unfinished RETURNING keeps the transaction from committing.
inline qint64 returnedId(QSqlQuery &query)
{
    const qint64 id = query.next() ? query.value(0).toLongLong() : 0;
    query.finish();
    return id;
}
// The first column of every row `sql` selects, as text (names to pick from).
Result<QStringList> column(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {});

} // namespace teep::store
