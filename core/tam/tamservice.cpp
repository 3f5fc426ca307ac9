#include "tam/tamservice.h"

#include "common/logging.h"

namespace teep::tam {

TamService::TamService(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits) : m_otrp(db, tam, clock, limits), m_teep(db, tam, clock, limits)
{
    // Sessions a previous run left open cannot continue: their state lived in that process.
    const Result<int> interrupted = Fleet(db, clock, QStringLiteral("tam")).closeInterruptedSessions();
    if (!interrupted)
        qCWarning(lcTam) << "interrupted sessions not closed:" << interrupted.error().toString();
    else if (interrupted.value() > 0)
        qCInfo(lcTam) << interrupted.value() << "session(s) interrupted by the last stop marked failed";
}

void TamService::setListener(const std::function<void(const SessionEvent &)> &listener)
{
    m_otrp.setListener(listener);
    m_teep.setListener(listener);
}

int TamService::openSessions() const
{
    return m_otrp.openSessions() + m_teep.openSessions();
}

bool TamService::supports(transport::Profile) const
{
    return true;
}

Result<QByteArray> TamService::start(transport::Profile profile, const QString &peer)
{
    return profile == transport::Profile::Teep ? m_teep.start(peer) : m_otrp.start(peer);
}

Result<std::optional<QByteArray>> TamService::process(transport::Profile profile, const QByteArray &body, const QString &peer)
{
    return profile == transport::Profile::Teep ? m_teep.process(body, peer) : m_otrp.process(body, peer);
}

} // namespace teep::tam
