#include "tam/opensessionstore.h"

#include "store/sql.h"
#include "store/transaction.h"

namespace teep::tam {

using store::run;

OpenSessionStore::OpenSessionStore(QSqlDatabase db, QString profile)
    : m_db(db), m_profile(std::move(profile)), m_locking(store::engineOf(db) == store::Engine::Postgres)
{
}

bool OpenSessionStore::sharedBy(const QSqlDatabase &db)
{
    return store::engineOf(db) == store::Engine::Postgres;
}

Result<std::optional<QByteArray>> OpenSessionStore::take(const QByteArray &key)
{
    auto found = run(m_db, QStringLiteral("SELECT state FROM open_sessions WHERE profile = ? AND session_key = ?") +
                               (m_locking ? QStringLiteral(" FOR UPDATE") : QString()),
                     {m_profile, key});
    if (!found)
        return found.error();
    QSqlQuery &query = found.value();
    if (!query.next())
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(query.value(0).toByteArray());
}

Status OpenSessionStore::save(const QByteArray &storedKey, const Row &row)
{
    // A savepoint: a refused write leaves the round trip's other records standing.
    store::Transaction savepoint(m_db);
    if (const Status begun = savepoint.begun(); !begun)
        return begun;
    const auto orNull = [](qint64 id) { return id != 0 ? QVariant(id) : QVariant(QMetaType(QMetaType::LongLong)); };
    auto saved = storedKey.isEmpty()
                     ? run(m_db, QStringLiteral("INSERT INTO open_sessions (profile, session_key, session_id, device_id, proven, started_ms, active_ms, state) "
                                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                           {m_profile, row.key, orNull(row.sessionId), orNull(row.deviceId), row.proven ? 1 : 0, row.startedMs, row.activeMs, row.state})
                     : run(m_db, QStringLiteral("UPDATE open_sessions SET session_key = ?, session_id = ?, device_id = ?, proven = ?, active_ms = ?, state = ? "
                                                "WHERE profile = ? AND session_key = ?"),
                           {row.key, orNull(row.sessionId), orNull(row.deviceId), row.proven ? 1 : 0, row.activeMs, row.state, m_profile, storedKey});
    if (!saved)
        return saved.error();
    if (!storedKey.isEmpty() && saved.value().numRowsAffected() != 1)
        return Error{QStringLiteral("tam.session-state"), QStringLiteral("the session's saved state is gone (it expired, or another server closed it)")};
    return savepoint.commit();
}

Status OpenSessionStore::remove(const QByteArray &key)
{
    auto removed = run(m_db, QStringLiteral("DELETE FROM open_sessions WHERE profile = ? AND session_key = ?"), {m_profile, key});
    return removed ? Status() : Status(removed.error());
}

namespace {
QList<OpenSessionStore::Row> rowsOf(QSqlQuery &query)
{
    QList<OpenSessionStore::Row> rows;
    while (query.next()) {
        OpenSessionStore::Row row;
        row.key = query.value(0).toByteArray();
        row.sessionId = query.value(1).toLongLong();
        row.deviceId = query.value(2).toLongLong();
        row.proven = query.value(3).toInt() != 0;
        row.startedMs = query.value(4).toLongLong();
        row.activeMs = query.value(5).toLongLong();
        row.state = query.value(6).toByteArray();
        rows << row;
    }
    query.finish(); // an unfinished RETURNING keeps an SQLite transaction from committing
    return rows;
}
} // namespace

Result<QList<OpenSessionStore::Row>> OpenSessionStore::removeIdle(qint64 beforeMs)
{
    auto removed = run(m_db, QStringLiteral("DELETE FROM open_sessions WHERE profile = ? AND active_ms < ? "
                                            "RETURNING session_key, session_id, device_id, proven, started_ms, active_ms, state"),
                       {m_profile, beforeMs});
    if (!removed)
        return removed.error();
    return rowsOf(removed.value());
}

Result<int> OpenSessionStore::count()
{
    auto counted = run(m_db, QStringLiteral("SELECT COUNT(*) FROM open_sessions WHERE profile = ?"), {m_profile});
    if (!counted)
        return counted.error();
    return counted.value().next() ? counted.value().value(0).toInt() : 0;
}

Result<std::optional<qint64>> OpenSessionStore::oldestUnproven()
{
    auto oldest = run(m_db, QStringLiteral("SELECT MIN(started_ms) FROM open_sessions WHERE profile = ? AND proven = 0"), {m_profile});
    if (!oldest)
        return oldest.error();
    QSqlQuery &query = oldest.value();
    if (!query.next() || query.value(0).isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(query.value(0).toLongLong());
}

Result<std::optional<OpenSessionStore::Row>> OpenSessionStore::removeOldestUnproven()
{
    auto removed = run(m_db, QStringLiteral("DELETE FROM open_sessions WHERE profile = ? AND session_key = (SELECT session_key FROM open_sessions "
                                            "WHERE profile = ? AND proven = 0 ORDER BY started_ms LIMIT 1) "
                                            "RETURNING session_key, session_id, device_id, proven, started_ms, active_ms, state"),
                       {m_profile, m_profile});
    if (!removed)
        return removed.error();
    const QList<Row> rows = rowsOf(removed.value());
    return rows.isEmpty() ? std::optional<Row>() : std::optional<Row>(rows.first());
}

Result<QList<OpenSessionStore::Row>> OpenSessionStore::removeOthersOfDevice(qint64 deviceId, qint64 keepSessionId)
{
    auto removed = run(m_db, QStringLiteral("DELETE FROM open_sessions WHERE profile = ? AND device_id = ? AND (session_id IS NULL OR session_id <> ?) "
                                            "RETURNING session_key, session_id, device_id, proven, started_ms, active_ms, state"),
                       {m_profile, deviceId, keepSessionId});
    if (!removed)
        return removed.error();
    return rowsOf(removed.value());
}

} // namespace teep::tam
