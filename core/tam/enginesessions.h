#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "common/logging.h"
#include "tam/devicecontacts.h"
#include "tam/opensessionstore.h"
#include "tam/sessionstate.h"
#include "tam/sessionbasics.h"
#include "tam/sessionrecords.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>
#include <QStringList>

#include <functional>
#include <memory>
#include <utility>
#include <optional>
#include <type_traits>
#include <vector>

// What the OTrP and TEEP engines do alike with their open sessions.
namespace teep::tam {

// What the console and `teepctl serve` are told about sessions as they happen.
// Events of a session that has no row yet (nobody answered its first message) wait until it gets
// one; if it never does, only its Closed event is told, with sessionId 0.
struct SessionEvent
{
    enum class Kind { Started, MessageIn, MessageOut, DeviceSeen, Closed };
    Kind kind = Kind::Started;
    qint64 sessionId = 0; // 0: a session closed unanswered, which left no row
    QString profile;   // "otrp" or "teep"
    QString peer;
    QString device;    // once known
    QString summary;   // e.g. the message name or the outcome
    QByteArray body;   // MessageIn/MessageOut
};

// One limit over the open sessions of every engine that shares it (the TAM's two profiles, so a
// flood on one cannot be doubled by the other). When it is reached, idle sessions expire first;
// then the oldest session whose device has proven nothing yet gives way to the newcomer. Only
// when every open session belongs to a device that has proven who it is is the newcomer refused.
class SessionBudget
{
public:
    struct Member
    {
        std::function<int()> size;
        std::function<void(bool full)> expireIdle;
        std::function<std::optional<qint64>()> oldestUnproven; // when it started (ms since the epoch)
        std::function<bool()> evictOldestUnproven; // false: none could be closed
    };

    explicit SessionBudget(int maxSessions) : m_max(maxSessions) {}
    int max() const { return m_max; }
    int join(Member member)
    {
        m_members.push_back(std::move(member));
        return int(m_members.size()) - 1;
    }
    void leave(int id) { m_members[size_t(id)] = {}; }
    int open() const
    {
        int total = 0;
        for (const Member &member : m_members)
            total += member.size ? member.size() : 0;
        return total;
    }
    // Idle sessions of every member closed (`full`: now; otherwise each at its own pace).
    void expireIdle(bool full)
    {
        for (const Member &member : m_members) {
            if (member.expireIdle)
                member.expireIdle(full);
        }
    }
    // Room for one more session, made if need be; false when every open session is proven. Under
    // a flood this runs for every newcomer: the sweep of idle sessions keeps its own pace, an
    // unproven session gives way at once, and only a table of proven sessions is swept in full
    // before the newcomer is refused.
    bool makeRoom()
    {
        expireIdle(false);
        while (open() >= m_max) {
            const Member *oldest = nullptr;
            qint64 oldestStart = 0;
            for (const Member &member : m_members) {
                const std::optional<qint64> start = member.oldestUnproven ? member.oldestUnproven() : std::nullopt;
                if (start && (!oldest || *start < oldestStart)) {
                    oldest = &member;
                    oldestStart = *start;
                }
            }
            if (oldest && oldest->evictOldestUnproven())
                continue;
            expireIdle(true);
            return open() < m_max;
        }
        return true;
    }

private:
    int m_max;
    std::vector<Member> m_members;
};

// An engine's answer, once what it left open is saved (settle()): an answer whose session state
// could not be saved must not leave, or the device would act on a session no server can continue.
template <typename Answer>
Result<Answer> settled(const Status &saved, Result<Answer> answer)
{
    if (!saved && answer)
        return saved.error();
    return answer;
}

struct EngineLimits
{
    int maxSessions = 1000;
    int idleSeconds = 60;
    // Failed sessions (and their messages) are deleted this many days after they ended; 0 keeps them.
    int keepFailedDays = 30;
    // Failed sessions of no known device (answers that verified nothing: forged, or an agent
    // whose key is not registered) beyond this many are deleted, oldest first, within a minute:
    // whoever holds a token can make one, so days alone would not bound them. 0 keeps them.
    int keepUnknownFailed = 10000;
    // Shared by the engines of one TAM; each engine makes its own when none is given.
    std::shared_ptr<SessionBudget> budget = {};
    // The server (tam_servers) that opened these sessions, recorded on each session's row.
    QString serverId = {};
    // Open sessions kept in the database between messages, so that any server sharing it takes a
    // device's next message (OpenSessionStore); by default on PostgreSQL, in memory on SQLite.
    std::optional<bool> sessionsInDatabase = {};
};

// The open sessions of one engine, by the key the device's next message carries (OTrP: the tid;
// TEEP: the token of the request in flight): the limits and idle expiry, the message log, closing,
// and the events. `Session` derives from SessionBasics.
// Where sessions are kept in the database (a shared one), the table in memory holds only those of
// the message being handled: find() takes a session from the database, settle() puts back what
// the message left open, and the limits and idle expiry count and sweep the database's rows, so
// that they hold across servers. `Session` then has toState() and a static fromState().
template <typename Key, typename Session>
class EngineSessions
{
public:
    EngineSessions(QSqlDatabase db, const Clock &clock, EngineLimits limits, QString profile, QString mediaType)
        : m_clock(clock), m_limits(limits), m_records(db, clock, QStringLiteral("tam"), limits.serverId), m_contacts(db, clock, QStringLiteral("tam")), m_profile(std::move(profile)),
          m_mediaType(std::move(mediaType)), m_budget(limits.budget ? limits.budget : std::make_shared<SessionBudget>(limits.maxSessions)),
          m_store(db, m_profile), m_inDatabase(limits.sessionsInDatabase.value_or(OpenSessionStore::sharedBy(db)))
    {
        m_member = m_budget->join({[this] { return size(); }, [this](bool full) { expireIdle(full); }, [this] { return oldestUnproven(); },
                                   [this] { return evictOldestUnproven(); }});
    }
    ~EngineSessions() { m_budget->leave(m_member); }
    EngineSessions(const EngineSessions &) = delete;
    EngineSessions &operator=(const EngineSessions &) = delete;

    void setListener(std::function<void(const SessionEvent &)> listener) { m_listener = std::move(listener); }
    int size() const
    {
        if (!m_inDatabase)
            return int(m_sessions.size());
        int unsaved = 0;
        for (const Session &session : m_sessions)
            unsaved += session.stored ? 0 : 1;
        const Result<int> saved = m_store.count();
        if (!saved)
            qCWarning(lcTam) << "open sessions not counted:" << saved.error().toString();
        return unsaved + (saved ? saved.value() : 0);
    }
    void clear() { m_sessions.clear(); }
    // The rows of the open sessions this process holds (to close them as interrupted when the TAM
    // stops); none where sessions are kept in the database, which any server continues.
    QList<qint64> ids() const
    {
        QList<qint64> rows;
        for (const Session &session : m_sessions) {
            if (session.recorded())
                rows << session.id;
        }
        return rows;
    }

    // A new session, not in the table yet (insert() it once its first message is ready). It gets
    // its row in `sessions` only when the device answers: a flood of empty POSTs writes nothing to
    // the database (three synchronous commits each, before). tam.busy when the shared limit is
    // reached and every open session, of either profile, is a proven device's.
    Result<Session> open(const QString &peer)
    {
        if (!m_budget->makeRoom())
            return Error{QStringLiteral("tam.busy"),
                         QStringLiteral("%1 sessions are open, each with a device that has proven who it is; try again later").arg(m_budget->open())};
        Session session;
        session.peer = peer;
        session.lastActivity = m_clock.now();
        session.startedMs = session.lastActivity.toMSecsSinceEpoch();
        return session;
    }

    void insert(const Key &key, const Session &session) { m_sessions.insert(key, session); }
    // The device (and TEE) the session turned out to be with, once its signature verified.
    // A device has one open session per profile: its other open sessions (on any server sharing
    // the database) are closed as superseded when this message is settled.
    Status attach(Session &session, qint64 deviceId, qint64 teeId)
    {
        session.deviceId = deviceId;
        m_superseding << std::pair{deviceId, session.id};
        return m_records.attachSession(session.id, deviceId, teeId);
    }
    bool contains(const Key &key) const { return m_sessions.contains(key); }

    // The session the device's next message names by `key`, moved to `newKey` (TEEP: each request
    // carries a fresh token).
    Session &rekey(Key key, Key newKey) { return *m_sessions.insert(newKey, m_sessions.take(key)); }

    // The open session `key` names, its activity noted; nullptr when none is open or it has been
    // idle too long (then it is closed as expired).
    Session *find(const Key &key)
    {
        expireIdle();
        if (m_inDatabase && !m_sessions.contains(key) && !load(key))
            return nullptr;
        const auto found = m_sessions.find(key);
        if (found == m_sessions.end())
            return nullptr;
        const QDateTime now = m_clock.now();
        if (idleTooLong(found.value(), now)) {
            expireIdle(true); // idle too long, though not swept yet
            return nullptr;
        }
        found.value().previousActivity = found.value().lastActivity;
        found.value().lastActivity = now;
        return &found.value();
    }

    // A message to or from the device: logged in its session and told to the listener. The
    // device's first message gives the session its row, with what the TAM sent before. A message
    // that cannot be logged fails the session (saved()): its record would be incomplete.
    void logMessage(Session &session, bool toDevice, const QByteArray &body, const QString &summary)
    {
        if (!toDevice)
            record(session);
        if (!session.recorded()) {
            if (toDevice)
                session.held << HeldMessage{body, summary, m_clock.now()};
            return;
        }
        saved(session, m_records.logMessage(session.id, ++session.seq, toDevice, m_mediaType, body, m_clock.now()), QStringLiteral("a message (%1)").arg(summary));
        announce(toDevice ? SessionEvent::Kind::MessageOut : SessionEvent::Kind::MessageIn, session, summary, body);
    }

    void announce(SessionEvent::Kind kind, const SessionBasics &session, const QString &summary, const QByteArray &body = {}) const
    {
        if (!session.recorded() && kind != SessionEvent::Kind::Closed)
            return; // told when it gets its row (record())
        if (m_listener)
            m_listener(SessionEvent{kind, session.id, m_profile, session.peer, session.device, summary, body});
    }

    // Ends the session `key` names: its outcomes (and `summary`) recorded, the listener told, and
    // gone from the table (`session` is then no more). A failed session the device never
    // answered leaves nothing behind (a flood of empty POSTs must not fill the database): the
    // listener is told it closed, with sessionId 0.
    void close(const Key &key, Session &session, const QString &summary = {})
    {
        if (!summary.isEmpty())
            session.outcomes << summary;
        const auto joined = [&session] { return session.outcomes.isEmpty() ? QStringLiteral("nothing to do") : session.outcomes.join(QStringLiteral("; ")); };
        QString outcome = joined();
        if (!session.failed)
            record(session);
        // A device that proved who it is: its last contact and what it came to, failed or not, so
        // that the operator sees a device that calls and is refused (either profile).
        if (session.deviceId != 0 &&
            !saved(session, m_contacts.touch(session.deviceId, (session.failed ? QStringLiteral("failed: ") : QStringLiteral("completed: ")) + outcome),
                   QStringLiteral("the device's last contact")))
            outcome = joined(); // the session says so in its own record
        if (!session.recorded()) {
            // nothing to close in the database
        } else if (const Status closed = m_records.closeSession(session.id, !session.failed, outcome); !closed) {
            qCWarning(lcTam) << "session" << session.id << "not closed in the database:" << closed.error().toString();
        }
        announce(SessionEvent::Kind::Closed, session, outcome);
        if (session.stored) {
            if (const Status removed = m_store.remove(session.storedKey); !removed)
                qCWarning(lcTam) << "session" << session.id << "not removed from the open sessions:" << removed.error().toString();
        }
        m_sessions.remove(Key(key)); // a copy: `key` may live in the session being removed
    }

    // What the message being handled left open, saved for whichever server takes the device's next
    // message (sessions kept in the database; nothing to do otherwise). The table in memory is
    // empty afterwards. An error: the state could not be saved, and the answer must not leave.
    Status settle()
    {
        supersede();
        if (!m_inDatabase)
            return {};
        Status status;
        for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
            const Session &session = it.value();
            const OpenSessionStore::Row row{keyBytes(it.key()), session.id, session.deviceId, session.proven(), session.startedMs,
                                            session.lastActivity.toMSecsSinceEpoch(), sessionstate::encode(session.toState())};
            if (const Status saved = m_store.save(session.stored ? session.storedKey : QByteArray(), row); !saved && status)
                status = Error{QStringLiteral("tam.store"), QStringLiteral("the session's state could not be saved: %1").arg(saved.error().message)};
        }
        m_sessions.clear();
        return status;
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
        if (m_inDatabase) {
            const Result<QList<OpenSessionStore::Row>> removed = m_store.removeIdle(now.toMSecsSinceEpoch() - qint64(m_limits.idleSeconds) * 1000);
            if (!removed)
                qCWarning(lcTam) << "idle sessions not swept:" << removed.error().toString();
            for (const OpenSessionStore::Row &row : removed ? removed.value() : QList<OpenSessionStore::Row>())
                closeRow(row, QStringLiteral("expired after %1 s without a message").arg(m_limits.idleSeconds));
        }
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
    // The other open sessions of the devices that proved themselves in this message, closed (not
    // while the engine holds a session: closing moves the table's entries).
    void supersede()
    {
        const QString why = QStringLiteral("superseded: the device began a newer session");
        for (const auto &[deviceId, keep] : std::exchange(m_superseding, {})) {
            QList<Key> older;
            for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
                if (it.value().deviceId == deviceId && it.value().id != keep)
                    older << it.key();
            }
            for (const Key &key : std::as_const(older)) {
                Session &session = m_sessions[key];
                session.failed = true;
                close(key, session, why);
            }
            if (!m_inDatabase)
                continue;
            const Result<QList<OpenSessionStore::Row>> removed = m_store.removeOthersOfDevice(deviceId, keep);
            if (!removed)
                qCWarning(lcTam) << "older sessions of a device not closed:" << removed.error().toString();
            for (const OpenSessionStore::Row &row : removed ? removed.value() : QList<OpenSessionStore::Row>()) {
                closeRow(row, why);
            }
        }
    }

    static QByteArray keyBytes(const QByteArray &key) { return key; }
    static QByteArray keyBytes(const QString &key) { return key.toUtf8(); }
    static Key keyFrom(const QByteArray &bytes)
    {
        if constexpr (std::is_same_v<Key, QString>)
            return QString::fromUtf8(bytes);
        else
            return bytes;
    }

    // The session saved under `key`, into the table in memory; false when there is none (or its
    // state cannot be read: then it is gone, with a warning).
    bool load(const Key &key)
    {
        const QByteArray bytes = keyBytes(key);
        const Result<std::optional<QByteArray>> taken = m_store.take(bytes);
        if (!taken) {
            qCWarning(lcTam) << "an open session not read:" << taken.error().toString();
            return false;
        }
        if (!taken.value())
            return false;
        std::optional<Session> session = restore(*taken.value());
        if (!session) {
            qCWarning(lcTam) << "an open session's saved state is unreadable; it is dropped";
            if (const Status removed = m_store.remove(bytes); !removed)
                qCWarning(lcTam) << "and it could not be dropped:" << removed.error().toString();
            return false;
        }
        session->stored = true;
        session->storedKey = bytes;
        m_sessions.insert(key, *session);
        return true;
    }

    static std::optional<Session> restore(const QByteArray &state)
    {
        const Result<QCborMap> map = sessionstate::decode(state);
        return map ? Session::fromState(map.value()) : std::nullopt;
    }

    // A session removed from the database by a sweep, closed with `why` as failed.
    void closeRow(const OpenSessionStore::Row &row, const QString &why)
    {
        std::optional<Session> session = restore(row.state);
        if (!session) {
            qCWarning(lcTam) << "an open session's saved state is unreadable; it is dropped";
            return;
        }
        const Key key = keyFrom(row.key);
        Session &closing = *m_sessions.insert(key, *session);
        closing.failed = true;
        close(key, closing, why);
    }

    // The session's row, once: made with the time it started, then the messages it held.
    void record(Session &session)
    {
        if (session.recorded())
            return;
        const Result<qint64> id = m_records.openSession(m_profile, session.peer, QDateTime::fromMSecsSinceEpoch(session.startedMs, Qt::UTC));
        if (!saved(session, id ? Status() : Status(id.error()), QStringLiteral("the session")))
            return;
        session.id = id.value();
        announce(SessionEvent::Kind::Started, session, QStringLiteral("session started"));
        for (const HeldMessage &message : std::exchange(session.held, {})) {
            saved(session, m_records.logMessage(session.id, ++session.seq, true, m_mediaType, message.body, message.at),
                  QStringLiteral("a message (%1)").arg(message.summary));
            announce(SessionEvent::Kind::MessageOut, session, message.summary, message.body);
        }
    }

    std::optional<qint64> oldestUnproven() const
    {
        std::optional<qint64> oldest;
        if (m_inDatabase) {
            const Result<std::optional<qint64>> saved = m_store.oldestUnproven();
            if (saved)
                oldest = saved.value();
        }
        for (const Session &session : m_sessions) {
            if (!session.proven() && (!oldest || session.startedMs < *oldest))
                oldest = session.startedMs;
        }
        return oldest;
    }

    bool evictOldestUnproven()
    {
        const QString why = QStringLiteral("gave way to a newer session: every session was open and this device had proven nothing");
        const std::optional<qint64> oldest = oldestUnproven();
        for (auto it = m_sessions.begin(); oldest && it != m_sessions.end(); ++it) {
            if (!it.value().proven() && it.value().startedMs == *oldest) {
                it.value().failed = true;
                close(it.key(), it.value(), why);
                return true;
            }
        }
        if (!oldest || !m_inDatabase)
            return false;
        const Result<std::optional<OpenSessionStore::Row>> removed = m_store.removeOldestUnproven();
        if (!removed || !removed.value())
            return false;
        closeRow(*removed.value(), why);
        return true;
    }

    bool idleTooLong(const SessionBasics &session, const QDateTime &now) const
    {
        return session.lastActivity.msecsTo(now) > qint64(m_limits.idleSeconds) * 1000;
    }

    const Clock &m_clock;
    EngineLimits m_limits;
    SessionRecords m_records;
    DeviceContacts m_contacts;
    QString m_profile;
    QString m_mediaType;
    QHash<Key, Session> m_sessions;
    QDateTime m_lastSweep;
    std::function<void(const SessionEvent &)> m_listener;
    std::shared_ptr<SessionBudget> m_budget;
    int m_member = -1;
    mutable OpenSessionStore m_store;
    bool m_inDatabase = false;
    QList<std::pair<qint64, qint64>> m_superseding; // (device, its newest session's row) to settle
};

} // namespace teep::tam
