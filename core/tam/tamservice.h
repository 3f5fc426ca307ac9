#pragma once

#include "store/transaction.h"
#include "tam/otrpengine.h"
#include "tam/teepengine.h"
#include "transport/tamserver.h"

#include <memory>

// The TAM behind the HTTP endpoint: one engine per profile, TEEP and OTrP.
namespace teep::tam {

class TamService : public transport::TamEndpoint
{
public:
    TamService(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits = {});
    // Leaves tam_servers: its sessions (closed by interruptOpenSessions() first) are no one's.
    ~TamService() override;

    void setListener(const std::function<void(const SessionEvent &)> &listener);
    int openSessions() const;
    // The TAM stops: its open sessions (and only its: another server may share the file) are
    // closed as interrupted. Returns how many.
    Result<int> interruptOpenSessions(const QString &why = QStringLiteral("the TAM stopped"));
    // The operator locked the key store: nothing is signed from now on. Sessions in progress
    // fail ("key store locked"); every request is answered 503 with Retry-After until unlock().
    Status lock();
    void unlock() { m_locked = false; }
    bool isLocked() const { return m_locked; }
    // The TEEP listener's suites for this process instead of the database's setting.
    void overrideTeepSuites(std::optional<TeepSuites> suites) { m_teep.overrideSuites(suites); }

    bool supports(transport::Profile profile) const override;
    Result<QByteArray> start(transport::Profile profile, const QString &peer) override;
    // This server's row in tam_servers kept fresh, and the sessions of servers that are gone
    // closed (each at most every TamServers::kHeartbeatSeconds). Every request
    // does it; a server's timer calls it too, so that an idle server is not taken for gone.
    void keepAlive();
    QString serverId() const { return m_limits.serverId; }
    Result<std::optional<QByteArray>> process(transport::Profile profile, const QByteArray &body, const QString &peer) override;
    Status makeDurable() override;
    // Key store unlocked and the database answering: what a load balancer asks before it sends
    // devices here.
    Status health() override;
    // Round trips are recorded that the next makeDurable() has yet to commit (their answers are
    // held): what reads the log as committed, an audit checkpoint, waits until then.
    bool hasUncommitted() const { return m_batch != nullptr; }
    // NAME is "sha256-<hex>" of a published TA version's code.
    Result<std::optional<QByteArray>> payload(const QString &name) override;

private:
    template <typename Answer>
    Result<Answer> inBatch(const std::function<Result<Answer>()> &answer);
    // Deletes the failed sessions past their retention (at most once an hour) and those of no
    // known device beyond their number (at most once a minute).
    void purgeExpiredRecords();

    QSqlDatabase m_db;
    const Clock &m_clock;
    EngineLimits m_limits;
    QDateTime m_lastPurge;
    QDateTime m_lastHeartbeat;
    QDateTime m_lastSweep;
    QDateTime m_lastTrim;
    bool m_locked = false;
    // The transaction of the round trips whose answers the server holds (group commit).
    std::unique_ptr<store::Transaction> m_batch;
    OtrpEngine m_otrp;
    TeepEngine m_teep;
};

} // namespace teep::tam
