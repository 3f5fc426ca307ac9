#include "transport/httplistener.h"

#include "common/logging.h"

#include <QSslSocket>
#include <QTimer>

#ifndef Q_OS_WIN
#include <sys/resource.h>
#endif

namespace teep::transport {

namespace {
// Descriptors kept for everything that is not a device: the database, its journal, logs, TLS.
constexpr int kReservedDescriptors = 64;
constexpr int kAcceptRetryMs = 100;
} // namespace

int raiseDescriptorLimit()
{
#ifdef Q_OS_WIN
    return -1;
#else
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t(1 << 20) : limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > rlim_t(1 << 20) ? (1 << 20) : int(limit.rlim_cur);
#endif
}

HttpListener::HttpListener(HttpLimits limits, HttpTimeouts timeouts, ConnectionLimits caps, std::optional<QSslConfiguration> tls, QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_timeouts(timeouts), m_caps(caps), m_tls(std::move(tls))
{
    const int descriptors = raiseDescriptorLimit();
    if (descriptors > 0 && m_caps.maxConnections > descriptors - kReservedDescriptors) {
        m_caps.maxConnections = qMax(16, descriptors - kReservedDescriptors);
        qCInfo(lcTransport) << "at most" << m_caps.maxConnections << "connections: the descriptor limit is" << descriptors;
    }
    m_caps.maxPerPeer = qMin(m_caps.maxPerPeer, m_caps.maxConnections);
    // Out of descriptors or buffers: stop accepting for a moment instead of failing in a loop.
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
        qCWarning(lcTransport) << "accepting a connection failed (" << error << errorString() << "); retrying in" << kAcceptRetryMs << "ms";
        pauseAccepting();
        QTimer::singleShot(kAcceptRetryMs, this, &QTcpServer::resumeAccepting);
    });
}

bool HttpListener::evictOldest(const QList<HttpConnection *> &candidates)
{
    HttpConnection *oldest = nullptr;
    for (HttpConnection *connection : candidates) {
        if (connection->evictable() && (!oldest || connection->phaseAgeMs() > oldest->phaseAgeMs()))
            oldest = connection;
    }
    if (!oldest)
        return false;
    qCDebug(lcTransport) << "closing an idle connection from" << oldest->peer() << "to make room";
    oldest->abort(); // forget() runs through closed()
    return true;
}

void HttpListener::incomingConnection(qintptr descriptor)
{
    QTcpSocket *socket = m_tls ? new QSslSocket : new QTcpSocket;
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcTransport) << "cannot take an accepted connection:" << socket->errorString();
        delete socket;
        return;
    }
    const QHostAddress peer = socket->peerAddress();
    const bool room = (m_byPeer.value(peer).size() < m_caps.maxPerPeer || evictOldest(m_byPeer.value(peer)))
                      && (m_connections.size() < m_caps.maxConnections || evictOldest(m_connections));
    if (!room) {
        emit connectionRefused(peer.toString());
        socket->abort();
        delete socket;
        return;
    }
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        tls->setSslConfiguration(*m_tls);
        tls->startServerEncryption();
    }
    auto *connection = new HttpConnection(socket, m_limits, m_timeouts, this);
    m_connections.append(connection);
    m_byPeer[peer].append(connection);
    connect(connection, &HttpConnection::closed, this, &HttpListener::forget);
    emit connectionOpened(connection);
}

void HttpListener::forget(HttpConnection *connection)
{
    m_connections.removeOne(connection);
    const auto mine = m_byPeer.find(connection->peerAddress());
    if (mine != m_byPeer.end()) {
        mine->removeOne(connection);
        if (mine->isEmpty())
            m_byPeer.erase(mine);
    }
}

} // namespace teep::transport
