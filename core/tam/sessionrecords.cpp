#include "tam/sessionrecords.h"

#include "store/auditlog.h"
#include "store/sql.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::insertReturningId;
using store::run;

SessionRecords::SessionRecords(QSqlDatabase db, const Clock &clock, QString actor, QString serverId)
    : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)), m_serverId(std::move(serverId))
{}

Status SessionRecords::audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                               const std::function<Status()> &change)
{
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, action, objectType, objectId, detail, change);
}

Result<int> SessionRecords::closeInterruptedSessions(const std::optional<QList<qint64>> &only, const QString &why)
{
    int count = 0;
    const Status done = audited(QString(), {}, {}, {}, [&]() -> Status {
        const QString close = QStringLiteral("UPDATE sessions SET state = 'failed', outcome = COALESCE(outcome || '; ', '') || 'interrupted: ' || ?, "
                                             "ended_at = ? WHERE state = 'open'");
        if (only) {
            for (const qint64 id : *only) {
                auto updated = run(m_db, close + QStringLiteral(" AND id = ?"), {why, store::timestamp(m_clock), id});
                if (!updated)
                    return updated.error();
                count += updated.value().numRowsAffected();
            }
        } else {
            auto updated = run(m_db, close, {why, store::timestamp(m_clock)});
            if (!updated)
                return updated.error();
            count = updated.value().numRowsAffected();
        }
        if (count > 0)
            return store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("session.interrupted"), QStringLiteral("session"), QString(),
                                           {{"count", count}, {"why", why.toStdString()}});
        return {};
    });
    if (!done)
        return done.error();
    return count;
}

Result<int> SessionRecords::purgeFailedSessions(const QDateTime &endedBefore)
{
    int count = 0;
    const Status done = audited(QString(), {}, {}, {}, [&]() -> Status {
        auto deleted = run(m_db, QStringLiteral("DELETE FROM sessions WHERE state IN ('failed', 'expired') AND ended_at < ?"), {store::isoUtc(endedBefore)});
        if (!deleted)
            return deleted.error();
        count = deleted.value().numRowsAffected();
        if (count > 0)
            return store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("sessions.purged"), QStringLiteral("session"), QString(),
                                           {{"count", count}, {"ended_before", store::isoUtc(endedBefore).toStdString()}});
        return {};
    });
    if (!done)
        return done.error();
    return count;
}

Result<int> SessionRecords::trimUnknownFailedSessions(int keep)
{
    int count = 0;
    const Status done = audited(QString(), {}, {}, {}, [&]() -> Status {
        // sessions_by_device (device_id, started_at) finds them without reading the others.
        auto deleted = run(m_db, QStringLiteral("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE device_id IS NULL AND state IN ('failed', 'expired') "
                                                "ORDER BY started_at DESC LIMIT 9223372036854775807 OFFSET ?)"), // no limit, in both dialects
                           {keep});
        if (!deleted)
            return deleted.error();
        count = deleted.value().numRowsAffected();
        if (count > 0)
            return store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("sessions.purged"), QStringLiteral("session"), QString(),
                                           {{"count", count}, {"reason", "failed sessions of no known device beyond the " + std::to_string(keep) + " kept"}});
        return {};
    });
    if (!done)
        return done.error();
    return count;
}

Result<qint64> SessionRecords::openSession(const QString &profile, const QString &peer, const QDateTime &startedAt)
{
    auto inserted = insertReturningId(m_db, QStringLiteral("INSERT INTO sessions (profile, peer_address, state, started_at, server_id) VALUES (?, ?, 'open', ?, ?)"),
                                      {profile, peer, store::isoUtc(startedAt), m_serverId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(m_serverId)});
    if (!inserted)
        return inserted.error();
    return inserted.value();
}

Status SessionRecords::attachSession(qint64 sessionId, qint64 deviceId, qint64 teeId)
{
    auto updated = run(m_db, QStringLiteral("UPDATE sessions SET device_id = ?, tee_id = ? WHERE id = ?"), {deviceId, teeId, sessionId});
    return updated ? Status() : Status(updated.error());
}

Status SessionRecords::logMessage(qint64 sessionId, int seq, bool toDevice, const QString &mediaType, const QByteArray &body, const QDateTime &at)
{
    auto inserted = insertReturningId(m_db, QStringLiteral("INSERT INTO session_messages (session_id, seq, direction, media_type, body, at) VALUES (?, ?, ?, ?, ?, ?)"),
                              {sessionId, seq, toDevice ? QStringLiteral("to-device") : QStringLiteral("from-device"), mediaType, body,
                               store::isoUtc(at)});
    return inserted ? Status() : Status(inserted.error());
}

Status SessionRecords::closeSession(qint64 sessionId, bool completed, const QString &outcome)
{
    return audited(QStringLiteral("session.closed"), QStringLiteral("session"), QString::number(sessionId),
                   {{"completed", completed}, {"outcome", outcome.left(300).toStdString()}}, [&]() -> Status {
                       auto updated = run(m_db, QStringLiteral("UPDATE sessions SET state = ?, outcome = ?, ended_at = ? WHERE id = ?"),
                                                {completed ? QStringLiteral("completed") : QStringLiteral("failed"), outcome.left(1000),
                                                 store::timestamp(m_clock), sessionId});
                       return updated ? Status() : Status(updated.error());
                   });
}

} // namespace teep::tam
