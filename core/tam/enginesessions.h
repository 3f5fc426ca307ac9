#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "common/logging.h"
#include "tam/fleet.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>
#include <QStringList>

#include <functional>

// What the OTrP and TEEP engines do alike with their open sessions.
namespace teep::tam {

// What the console and `teepctl serve` are told about sessions as they happen.
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
};

// What a session of either profile keeps besides its protocol state.
struct SessionBasics
{
    qint64 id = 0; // its row in `sessions`
    QString peer;
    QString device; // once known
    int seq = 0;    // messages logged so far
    QDateTime lastActivity;
    QStringList outcomes; // what happened, joined into the closing record
    bool failed = false;
};

// The open sessions of one engine, by the key the device's next message carries (OTrP: the tid;
// TEEP: the token of the request in flight): the limits and idle expiry, the message log, closing,
// and the events. `Session` derives from SessionBasics.
template <typename Key, typename Session>
class EngineSessions
{
public:
    EngineSessions(QSqlDatabase db, const Clock &clock, EngineLimits limits, QString profile, QString mediaType)
        : m_clock(clock), m_limits(limits), m_fleet(db, clock, QStringLiteral("tam")), m_profile(std::move(profile)),
          m_mediaType(std::move(mediaType))
    {
    }

    void setListener(std::function<void(const SessionEvent &)> listener) { m_listener = std::move(listener); }
    int size() const { return int(m_sessions.size()); }
    void clear() { m_sessions.clear(); }

    // A new session with its row in `sessions`, not in the table yet (insert() it once its first
    // message is ready). tam.busy when the limit is reached even after closing the idle ones.
    Result<Session> open(const QString &peer)
    {
        expireIdle();
        if (m_sessions.size() >= m_limits.maxSessions)
            expireIdle(true);
        if (m_sessions.size() >= m_limits.maxSessions)
            return Error{QStringLiteral("tam.busy"), QStringLiteral("%1 sessions are open; try again later").arg(m_sessions.size())};
        Session session;
        session.peer = peer;
        session.lastActivity = m_clock.now();
        const Result<qint64> id = m_fleet.openSession(m_profile, peer);
        if (!id)
            return id.error();
        session.id = id.value();
        return session;
    }

    void insert(const Key &key, const Session &session) { m_sessions.insert(key, session); }
    bool contains(const Key &key) const { return m_sessions.contains(key); }

    // The session the device's next message names by `key`, moved to `newKey` (TEEP: each request
    // carries a fresh token).
    Session &rekey(Key key, Key newKey) { return *m_sessions.insert(newKey, m_sessions.take(key)); }

    // The open session `key` names, its activity noted; nullptr when none is open or it has been
    // idle too long (then it is closed as expired).
    Session *find(const Key &key)
    {
        expireIdle();
        const auto found = m_sessions.find(key);
        if (found == m_sessions.end())
            return nullptr;
        const QDateTime now = m_clock.now();
        if (idleTooLong(found.value(), now)) {
            expireIdle(true); // idle too long, though not swept yet
            return nullptr;
        }
        found.value().lastActivity = now;
        return &found.value();
    }

    // A message to or from the device: logged in its session (a failure to log is only warned
    // about: the exchange itself is recorded elsewhere) and told to the listener.
    void logMessage(Session &session, bool toDevice, const QByteArray &body, const QString &summary)
    {
        if (const Status logged = m_fleet.logMessage(session.id, ++session.seq, toDevice, m_mediaType, body); !logged)
            qCWarning(lcTam) << "session" << session.id << "message not logged:" << logged.error().toString();
        announce(toDevice ? SessionEvent::Kind::MessageOut : SessionEvent::Kind::MessageIn, session, summary, body);
    }

    void announce(SessionEvent::Kind kind, const SessionBasics &session, const QString &summary, const QByteArray &body = {}) const
    {
        if (m_listener)
            m_listener(SessionEvent{kind, session.id, m_profile, session.peer, session.device, summary, body});
    }

    // Ends the session `key` names: its outcomes (and `summary`) recorded, the listener told, and
    // gone from the table (`session` is then no more).
    void close(const Key &key, Session &session, const QString &summary = {})
    {
        if (!summary.isEmpty())
            session.outcomes << summary;
        const QString outcome = session.outcomes.isEmpty() ? QStringLiteral("nothing to do") : session.outcomes.join(QStringLiteral("; "));
        if (const Status closed = m_fleet.closeSession(session.id, !session.failed, outcome); !closed)
            qCWarning(lcTam) << "session" << session.id << "not closed in the database:" << closed.error().toString();
        announce(SessionEvent::Kind::Closed, session, outcome);
        m_sessions.remove(Key(key)); // a copy: `key` may live in the session being removed
    }

    // Closes, as failed, the sessions without a message for longer than the idle time. A sweep
    // visits every open session, so it runs at most every eighth of the idle time unless `full`.
    void expireIdle(bool full = false)
    {
        const QDateTime now = m_clock.now();
        const qint64 since = m_lastSweep.isValid() ? m_lastSweep.msecsTo(now) : -1;
        if (!full && since >= 0 && since < qint64(m_limits.idleSeconds) * 1000 / 8)
            return;
        m_lastSweep = now;
        QList<Key> idle;
        for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
            if (idleTooLong(it.value(), now))
                idle << it.key();
        }
        for (const Key &key : std::as_const(idle)) {
            Session &session = m_sessions[key];
            session.failed = true;
            close(key, session, QStringLiteral("expired after %1 s without a message").arg(m_limits.idleSeconds));
        }
    }

private:
    bool idleTooLong(const SessionBasics &session, const QDateTime &now) const
    {
        return session.lastActivity.msecsTo(now) > qint64(m_limits.idleSeconds) * 1000;
    }

    const Clock &m_clock;
    EngineLimits m_limits;
    Fleet m_fleet;
    QString m_profile;
    QString m_mediaType;
    QHash<Key, Session> m_sessions;
    QDateTime m_lastSweep;
    std::function<void(const SessionEvent &)> m_listener;
};

} // namespace teep::tam
