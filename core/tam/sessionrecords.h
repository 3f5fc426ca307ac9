#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <nlohmann/json_fwd.hpp>

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

#include <functional>
#include <optional>

namespace teep::tam {

// The records of the TAM's sessions with devices: a session's row and its messages (for the
// Message Inspector), its closing, and their retention. The engines keep the open sessions in
// memory (tam/enginesessions.h); this is what of them reaches the database.
class SessionRecords
{
public:
    // `serverId`: the TAM server (tam_servers) whose sessions these are, on each row it opens.
    SessionRecords(QSqlDatabase db, const Clock &clock, QString actor, QString serverId = {});

    // A session's row, made when the device first answers (tam/enginesessions.h), with the time
    // the session started.
    Result<qint64> openSession(const QString &profile, const QString &peer, const QDateTime &startedAt);
    // The device (and TEE) a session turned out to be with, once its signature verified.
    Status attachSession(qint64 sessionId, qint64 deviceId, qint64 teeId);
    Status logMessage(qint64 sessionId, int seq, bool toDevice, const QString &mediaType, const QByteArray &body, const QDateTime &at);
    Status closeSession(qint64 sessionId, bool completed, const QString &outcome);

    // Sessions left open by a TAM that stopped: marked failed ("interrupted: WHY"). Returns how
    // many. `only`: these rows (a stopping TAM's own, not those of another server on the file).
    Result<int> closeInterruptedSessions(const std::optional<QList<qint64>> &only = std::nullopt, const QString &why = QStringLiteral("the TAM stopped"));
    // Failed sessions that ended before `endedBefore`, with their messages, deleted; the audit
    // log keeps each one's closing entry. Returns how many.
    Result<int> purgeFailedSessions(const QDateTime &endedBefore);
    // Deletes the failed sessions of no known device beyond the newest `keep`, with their
    // messages (audited as one sessions.purged entry). Returns how many went.
    Result<int> trimUnknownFailedSessions(int keep);

private:
    Status audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                   const std::function<Status()> &change);

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
    QString m_serverId;
};

} // namespace teep::tam
