#include "tam/tamservice.h"

#include "common/logging.h"
#include "store/sql.h"
#include "tam/catalog.h"
#include "tam/sessionrecords.h"
#include "tam/tamservers.h"

namespace teep::tam {

namespace {
// Both engines draw on one session limit, and record their sessions as this server's.
EngineLimits shared(EngineLimits limits)
{
    if (!limits.budget)
        limits.budget = std::make_shared<SessionBudget>(limits.maxSessions);
    if (limits.serverId.isEmpty())
        limits.serverId = TamServers::newServerId();
    return limits;
}
} // namespace

TamService::TamService(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits)
    : m_db(db), m_clock(clock), m_limits(shared(limits)), m_otrp(db, tam, clock, m_limits), m_teep(db, tam, clock, m_limits)
{
    // Sessions a server that is gone held in its memory cannot continue (those kept in a shared
    // database can, on any server). Those of servers still running are theirs to finish.
    TamServers servers(db, clock);
    if (const Status joined = servers.join(m_limits.serverId); !joined)
        qCWarning(lcTam) << "this server could not register on the database:" << joined.error().toString();
    m_lastHeartbeat = m_lastSweep = clock.now();
    const Result<int> interrupted = servers.closeSessionsOfGoneServers(m_limits.serverId);
    if (!interrupted)
        qCWarning(lcTam) << "interrupted sessions not closed:" << interrupted.error().toString();
    else if (interrupted.value() > 0)
        qCInfo(lcTam) << interrupted.value() << "session(s) of a stopped TAM server marked failed";
    purgeExpiredRecords();
}

TamService::~TamService()
{
    if (m_db.isOpen()) {
        if (const Status left = TamServers(m_db, m_clock).leave(m_limits.serverId); !left)
            qCWarning(lcTam) << "this server's row not removed:" << left.error().toString();
    }
}

void TamService::keepAlive()
{
    const QDateTime now = m_clock.now();
    TamServers servers(m_db, m_clock);
    if (m_lastHeartbeat.secsTo(now) >= TamServers::kHeartbeatSeconds) {
        m_lastHeartbeat = now;
        if (const Status beat = servers.heartbeat(m_limits.serverId); !beat)
            qCWarning(lcTam) << "this server's heartbeat not recorded:" << beat.error().toString();
    }
    if (m_lastSweep.secsTo(now) >= TamServers::kHeartbeatSeconds) {
        m_lastSweep = now;
        const Result<int> closed = servers.closeSessionsOfGoneServers(m_limits.serverId);
        if (!closed)
            qCWarning(lcTam) << "sessions of stopped servers not closed:" << closed.error().toString();
        else if (closed.value() > 0)
            qCInfo(lcTam) << closed.value() << "session(s) of a stopped TAM server marked failed";
    }
}

void TamService::purgeExpiredRecords()
{
    const QDateTime now = m_clock.now();
    if (m_limits.keepUnknownFailed > 0 && (!m_lastTrim.isValid() || m_lastTrim.secsTo(now) >= 60)) {
        m_lastTrim = now;
        const Result<int> trimmed = SessionRecords(m_db, m_clock, QStringLiteral("tam")).trimUnknownFailedSessions(m_limits.keepUnknownFailed);
        if (!trimmed)
            qCWarning(lcTam) << "failed sessions of no known device not trimmed:" << trimmed.error().toString();
        else if (trimmed.value() > 0)
            qCInfo(lcTam) << trimmed.value() << "failed session(s) of no known device deleted beyond the" << m_limits.keepUnknownFailed << "kept";
    }
    if (m_limits.keepFailedDays <= 0 || (m_lastPurge.isValid() && m_lastPurge.secsTo(now) < 3600))
        return;
    m_lastPurge = now;
    const Result<int> purged = SessionRecords(m_db, m_clock, QStringLiteral("tam")).purgeFailedSessions(now.addDays(-m_limits.keepFailedDays));
    if (!purged)
        qCWarning(lcTam) << "old failed sessions not purged:" << purged.error().toString();
    else if (purged.value() > 0)
        qCInfo(lcTam) << purged.value() << "failed session(s) older than" << m_limits.keepFailedDays << "days deleted";
}

Result<int> TamService::interruptOpenSessions(const QString &why)
{
    const QList<qint64> own = m_otrp.openSessionIds() + m_teep.openSessionIds();
    m_otrp.forgetSessions();
    m_teep.forgetSessions();
    return SessionRecords(m_db, m_clock, QStringLiteral("tam")).closeInterruptedSessions(own, why);
}

Status TamService::lock()
{
    m_locked = true;
    // Whatever a held batch recorded is committed first: its answers are already promised.
    if (const Status durable = makeDurable(); !durable)
        return durable;
    const Result<int> interrupted = interruptOpenSessions(QStringLiteral("key store locked"));
    if (!interrupted)
        return interrupted.error();
    return {};
}

namespace {
Error lockedError()
{
    return Error{QStringLiteral("tam.locked"), QStringLiteral("the TAM's key store is locked; try again later")};
}
} // namespace

void TamService::setListener(const std::function<void(const SessionEvent &)> &listener)
{
    m_otrp.setListener(listener);
    m_teep.setListener(listener);
}

Result<std::optional<QByteArray>> TamService::payload(const QString &name)
{
    if (!name.startsWith(QLatin1String("sha256-")))
        return std::optional<QByteArray>();
    return Catalog(m_db, m_clock, QStringLiteral("tam")).payloadByDigest(name.mid(7));
}

int TamService::openSessions() const
{
    return m_otrp.openSessions() + m_teep.openSessions();
}

bool TamService::supports(transport::Profile) const
{
    return true;
}

// Every round trip runs inside the batch transaction that the server's next makeDurable()
// commits: what the engine records while answering (the messages, the device, its attestation,
// installations, the audit entries) becomes durable together, before the answer leaves. Each
// record is a savepoint of its own, so a failing record is undone alone; a round trip as a whole
// is never undone (a refused message leaves a failed session, which is state too), so it needs no
// savepoint of its own.
template <typename Answer>
Result<Answer> TamService::inBatch(const std::function<Result<Answer>()> &answer)
{
    if (!m_batch) {
        m_batch = std::make_unique<store::Transaction>(m_db);
        if (const Status begun = m_batch->begun(); !begun) {
            m_batch.reset();
            return Error{QStringLiteral("tam.store"), begun.error().message};
        }
    }
    return answer();
}

Status TamService::makeDurable()
{
    if (!m_batch)
        return {};
    const std::unique_ptr<store::Transaction> batch = std::move(m_batch);
    if (const Status committed = batch->commit(); !committed) {
        // The engines moved on in memory for round trips the database does not have: every open
        // session ends here (its device is told to start again), and the rows of those that
        // began in earlier batches are closed as interrupted, if the database takes that.
        if (const Result<int> interrupted = interruptOpenSessions(); !interrupted)
            qCWarning(lcTam) << "open sessions not closed after the failed commit:" << interrupted.error().toString();
        return Error{QStringLiteral("tam.store"), QStringLiteral("the sessions' records could not be saved: %1").arg(committed.error().message)};
    }
    return {};
}

Status TamService::health()
{
    if (m_locked)
        return lockedError();
    const auto answered = store::run(m_db, QStringLiteral("SELECT 1"));
    if (!answered)
        return Error{QStringLiteral("tam.store"), QStringLiteral("the database does not answer: %1").arg(answered.error().message)};
    return {};
}

Result<QByteArray> TamService::start(transport::Profile profile, const QString &peer)
{
    if (m_locked)
        return lockedError();
    return inBatch<QByteArray>([&] {
        keepAlive();
        purgeExpiredRecords();
        return profile == transport::Profile::Teep ? m_teep.start(peer) : m_otrp.start(peer);
    });
}

Result<std::optional<QByteArray>> TamService::process(transport::Profile profile, const QByteArray &body, const QString &peer)
{
    if (m_locked)
        return lockedError();
    return inBatch<std::optional<QByteArray>>([&] {
        keepAlive();
        return profile == transport::Profile::Teep ? m_teep.process(body, peer) : m_otrp.process(body, peer);
    });
}

} // namespace teep::tam
