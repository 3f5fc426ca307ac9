#include "tam/tamservers.h"

#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QRandomGenerator>

#include <nlohmann/json.hpp>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#endif

namespace teep::tam {

using store::run;

namespace {
// Whether a process of this machine still runs (only "no such process" says it does not: a
// process of another user answers EPERM and is alive).
bool processRuns(qint64 pid)
{
#ifdef Q_OS_UNIX
    return pid <= 0 || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
#else
    Q_UNUSED(pid);
    return true; // elsewhere the heartbeat alone tells
#endif
}
} // namespace

TamServers::TamServers(QSqlDatabase db, const Clock &clock) : m_db(std::move(db)), m_clock(clock) {}

QString TamServers::newServerId()
{
    return QStringLiteral("%1:%2:%3")
        .arg(QHostInfo::localHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
}

Status TamServers::join(const QString &id)
{
    const QString now = store::timestamp(m_clock);
    const auto joined = run(m_db, QStringLiteral("INSERT INTO tam_servers (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"),
                            {id, QHostInfo::localHostName(), QCoreApplication::applicationPid(), now, now});
    return joined ? Status() : Status(joined.error());
}

Status TamServers::heartbeat(const QString &id)
{
    const QString now = store::timestamp(m_clock);
    auto touched = run(m_db, QStringLiteral("UPDATE tam_servers SET seen_at = ? WHERE id = ?"), {now, id});
    if (!touched)
        return touched.error();
    if (touched.value().numRowsAffected() > 0)
        return {};
    return join(id); // another server took this one for gone: it is back
}

Status TamServers::leave(const QString &id)
{
    const auto left = run(m_db, QStringLiteral("DELETE FROM tam_servers WHERE id = ?"), {id});
    return left ? Status() : Status(left.error());
}

Result<int> TamServers::closeSessionsOfGoneServers(const QString &ownId)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const QDateTime now = m_clock.now();
    // A server on this machine whose process is gone (a kill, a crash) is gone now, not a minute
    // later: the restart that follows closes its sessions at once.
    QStringList deadHere;
    {
        auto here = run(m_db, QStringLiteral("SELECT id, pid FROM tam_servers WHERE host = ? AND id <> ?"), {QHostInfo::localHostName(), ownId});
        if (!here)
            return here.error();
        while (here.value().next()) {
            if (!processRuns(here.value().value(1).toLongLong()))
                deadHere << here.value().value(0).toString();
        }
    }
    for (const QString &dead : std::as_const(deadHere)) {
        if (const Status left = leave(dead); !left)
            return left.error();
    }
    if (auto forgotten = run(m_db, QStringLiteral("DELETE FROM tam_servers WHERE seen_at < ? AND id <> ?"),
                             {store::isoUtc(now.addSecs(-kStaleSeconds)), ownId});
        !forgotten)
        return forgotten.error();
    const QString why = QStringLiteral("its TAM server stopped");
    auto closed = run(m_db, QStringLiteral("UPDATE sessions SET state = 'failed', outcome = COALESCE(outcome || '; ', '') || 'interrupted: ' || ?, ended_at = ? "
                                           "WHERE state = 'open' AND (server_id IS NULL OR server_id NOT IN (SELECT id FROM tam_servers)) "
                                           // a session kept in the database goes on with any server
                                           "AND id NOT IN (SELECT session_id FROM open_sessions WHERE session_id IS NOT NULL)"),
                      {why, store::isoUtc(now)});
    if (!closed)
        return closed.error();
    const int count = closed.value().numRowsAffected();
    if (count > 0) {
        if (const Status audited = store::AuditLog::append(m_db, m_clock, QStringLiteral("tam"), QStringLiteral("session.interrupted"), QStringLiteral("session"),
                                                           QString(), {{"count", count}, {"why", why.toStdString()}});
            !audited)
            return audited.error();
    }
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return count;
}

} // namespace teep::tam
