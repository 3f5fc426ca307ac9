#pragma once

#include "transport/httpconnection.h"

#include <QHash>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

// Accepts devices' connections, over TLS when configured, within two caps: in total (kept below
// the process's descriptor limit, which it raises to the hard limit) and per peer address. At a
// cap, the connection that has waited longest without a request for the TAM gives way to the
// newcomer (an idle keep-alive, a slow header, a stalled TLS handshake): a flood of idle sockets
// from one address cannot lock out the devices behind it, which complete a request in
// milliseconds. Only when every connection is busy with the TAM is the newcomer closed.
namespace teep::transport {

struct ConnectionLimits
{
    int maxConnections = 1000;
    int maxPerPeer = 500;
};

class HttpListener : public QTcpServer
{
    Q_OBJECT

public:
    HttpListener(HttpLimits limits, HttpTimeouts timeouts, ConnectionLimits caps, std::optional<QSslConfiguration> tls, QObject *parent = nullptr);

    int openConnections() const { return int(m_connections.size()); }
    // The total cap in force: the one asked for, lowered to fit the descriptor limit.
    int maxConnections() const { return m_caps.maxConnections; }

signals:
    void connectionOpened(teep::transport::HttpConnection *connection);
    // A connection closed at once because every slot was busy (for logs and benchmarks).
    void connectionRefused(const QString &peer);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    // Closes the connection that has waited longest without work for the TAM, among `candidates`.
    bool evictOldest(const QList<HttpConnection *> &candidates);
    void forget(HttpConnection *connection);

    HttpLimits m_limits;
    HttpTimeouts m_timeouts;
    ConnectionLimits m_caps;
    std::optional<QSslConfiguration> m_tls;
    QList<HttpConnection *> m_connections;
    QHash<QHostAddress, QList<HttpConnection *>> m_byPeer;
};

// Raises the soft limit on open descriptors to the hard one; returns the soft limit now in force
// (or -1 where the system has none to ask).
int raiseDescriptorLimit();

} // namespace teep::transport
