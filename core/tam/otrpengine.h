#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "protocol/otrp/tamcommand.h"
#include "tam/fleet.h"
#include "tam/otrpplanner.h"
#include "tam/tamcredentials.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>

#include <functional>
#include <optional>

// The TAM's OTrP sessions: GetDeviceState first; each trusted TEE attested and recorded; then one
// command per round trip until every TEE has what the operator assigned; then nothing (HTTP 204).
// Sessions are found again by `tid`, which the TAM draws at random for each session.
namespace teep::tam {

struct SessionEvent
{
    enum class Kind { Started, MessageIn, MessageOut, DeviceSeen, Closed };
    Kind kind = Kind::Started;
    qint64 sessionId = 0;
    QString profile;   // "otrp" or "teep"
    QString peer;
    QString device;    // once known
    QString summary;   // e.g. the message name or the outcome
    QByteArray body;   // MessageIn/MessageOut
};

struct EngineLimits
{
    int maxSessions = 1000;
    int idleSeconds = 60;

    // Whether an engine should look for idle sessions now: at most every eighth of the idle time
    // (a sweep visits every open session, so not on every message), always when `full`.
    bool sweepDue(QDateTime &lastSweep, const QDateTime &now, bool full) const
    {
        const qint64 since = lastSweep.isValid() ? lastSweep.msecsTo(now) : -1;
        if (!full && since >= 0 && since < qint64(idleSeconds) * 1000 / 8)
            return false;
        lastSweep = now;
        return true;
    }
    bool idleTooLong(const QDateTime &lastActivity, const QDateTime &now) const { return lastActivity.msecsTo(now) > qint64(idleSeconds) * 1000; }
    // The keys of the sessions (each with a lastActivity) idle too long at `now`.
    template <typename Key, typename Session>
    QList<Key> idleSessions(const QHash<Key, Session> &sessions, const QDateTime &now) const
    {
        QList<Key> idle;
        for (auto it = sessions.cbegin(); it != sessions.cend(); ++it) {
            if (idleTooLong(it.value().lastActivity, now))
                idle << it.key();
        }
        return idle;
    }
};

class OtrpEngine
{
public:
    OtrpEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits = {});

    void setListener(std::function<void(const SessionEvent &)> listener) { m_listener = std::move(listener); }

    // An empty POST: a new session and its GetDeviceStateRequest.
    Result<QByteArray> start(const QString &peer);
    // A device's message: the next request, or nothing when the session is over. Errors:
    // tam.bad-message (malformed, unknown session) and tam.busy (too many sessions).
    Result<std::optional<QByteArray>> process(const QByteArray &body, const QString &peer);

    int openSessions() const { return int(m_sessions.size()); }
    // Drops every open session without a word (their records could not be saved).
    void forgetSessions() { m_sessions.clear(); }

private:
    struct TeeWork
    {
        protocol::otrp::TeeTarget target;
        qint64 teeId = 0;
        QMap<QString, crypto::Key> aiks; // spid -> SP AIK
        QList<PlannedStep> steps;
        bool stopped = false;
    };
    struct Session
    {
        QString tid;
        qint64 id = 0;
        QString peer;
        QString rid;              // of the request in flight
        bool awaitingState = true;
        int teeIndex = -1;        // the TEE the request in flight is for
        PlannedStep step;         // the step in flight
        QList<TeeWork> tees;
        QString device;
        int seq = 0;
        QDateTime lastActivity;
        QStringList outcomes;
        bool failed = false;
    };

    // `response` is the device's message as process() parsed it (once, not again here).
    Result<std::optional<QByteArray>> afterDeviceState(Session &session, const nlohmann::json &response);
    void afterCommand(Session &session, const nlohmann::json &response);
    // Builds the next command, or finishes the session (nullopt).
    std::optional<QByteArray> next(Session &session);
    Result<QByteArray> build(Session &session, TeeWork &tee, const PlannedStep &step);
    std::optional<QByteArray> finish(Session &session, const QString &summary = {});
    QString sessionKeyFor(const nlohmann::json &message) const;
    void send(Session &session, const QByteArray &body, const QString &summary);
    void expireIdle(bool full = false);
    void emitEvent(SessionEvent::Kind kind, const Session &session, const QString &summary, const QByteArray &body = {});

    QSqlDatabase m_db;
    TamCredentials m_tam;
    const Clock &m_clock;
    EngineLimits m_limits;
    Fleet m_fleet;
    QHash<QString, Session> m_sessions; // by tid
    QDateTime m_lastSweep;
    std::function<void(const SessionEvent &)> m_listener;
};

} // namespace teep::tam
