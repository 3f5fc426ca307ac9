#include "tam/tamhost.h"

#include "common/logging.h"
#include "store/database.h"

namespace teep::tam {

TamHost::TamHost(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QObject *parent)
    : QObject(parent), m_db(std::move(db)), m_keys(keys), m_clock(clock)
{
}

TamHost::~TamHost()
{
    // The server refers to the service: it goes first.
    m_server.reset();
    m_service.reset();
}

Result<QString> TamHost::start(const transport::ServerOptions &options)
{
    if (m_server)
        return m_server->uri();
    if (const Status servable = store::checkServable(m_db); !servable)
        return servable.error();
    const Result<TamCredentials> credentials = loadActiveTam(m_db, m_keys);
    if (!credentials)
        return credentials.error();
    auto service = std::make_unique<TamService>(m_db, credentials.value(), m_clock);
    service->setListener([this](const SessionEvent &event) { emit sessionEvent(event); });
    // The console's views write on this connection too: every round trip commits on its own.
    transport::ServerOptions unbatched = options;
    unbatched.groupCommit = false;
    auto server = std::make_unique<transport::TamServer>(*service, unbatched);
    const Result<QString> uri = server->start();
    if (!uri)
        return uri.error();
    m_service = std::move(service);
    m_server = std::move(server);
    emit runningChanged(true, uri.value());
    return uri;
}

void TamHost::stop()
{
    if (!m_server)
        return;
    m_server->stop();
    // Its open sessions cannot go on without it: closed now, rather than at the next start.
    if (const Result<int> interrupted = m_service->interruptOpenSessions(); !interrupted)
        qCWarning(lcTam) << "open sessions not closed:" << interrupted.error().toString();
    m_server.reset();
    m_service.reset();
    emit runningChanged(false, QString());
}

QString TamHost::uri() const
{
    return m_server ? m_server->uri() : QString();
}

} // namespace teep::tam
