#pragma once

#include "common/error.h"
#include "transport/httplistener.h"

#include <QHostAddress>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>

#include <functional>
#include <optional>
#include <vector>

// TEEP over HTTP (draft-ietf-teep-otrp-over-http-15, teep.md 3.5) for both profiles: the device
// always POSTs to the TAM URI; an empty body starts a session (the profile chosen by Accept), a
// body continues it (the profile chosen by Content-Type); 200 carries the next message, 204 ends.
// Everything at the HTTP level is checked here: 404 for another path, 405 for another method,
// 415 for another media type, 406 for an unusable Accept, 413 for a body over the limit, 400 for a
// message the TAM refuses, 503 with Retry-After when every session slot is taken by a device that
// has proven who it is or the TAM's key store is locked, 500 (without internal text) when the TAM itself fails.
// The HTTP itself (limits, deadlines, connection caps) is HttpListener's and HttpConnection's.
// Every answer carries the security headers the draft requires and no Cache-Control.
// Group commit: the answers of one pass of the event loop (every request that arrived meanwhile,
// at most kMaxHeldAnswers) are held until the TAM has made what it recorded for them durable in
// one commit; then they leave, in the order their requests came. A device never sees an answer
// whose records a crash could still lose.
namespace teep::transport {

enum class Profile { Teep, Otrp };
QByteArray mediaType(Profile profile);

// The TAM behind the endpoint (the engines). nullopt: nothing more to send (204).
class TamEndpoint
{
public:
    virtual ~TamEndpoint() = default;
    virtual bool supports(Profile profile) const = 0;
    virtual Result<QByteArray> start(Profile profile, const QString &peer) = 0;
    virtual Result<std::optional<QByteArray>> process(Profile profile, const QByteArray &body, const QString &peer) = 0;
    // What start() and process() recorded since the last call becomes durable here; the server
    // calls it before any of their answers leaves. An error: none of those answers may be sent.
    virtual Status makeDurable() = 0;
    // GET PATH/health, for a load balancer: whether this server can take devices now (its key
    // store unlocked, its database answering). An error: 503 with the reason.
    virtual Status health() { return {}; }
    // GET PATH/payloads/NAME: a TA's code that SUIT manifests name by URI (nothing: 404).
    virtual Result<std::optional<QByteArray>> payload(const QString &name)
    {
        Q_UNUSED(name);
        return std::optional<QByteArray>();
    }
};

struct ServerOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0; // 0: any free port
    QString path = QStringLiteral("/tam");
    HttpLimits http; // header block, header fields, body
    HttpTimeouts timeouts;
    ConnectionLimits connections;
    // HTTPS with the TAM's TLS certificate when both are set.
    QSslCertificate tlsCertificate;
    QList<QSslCertificate> tlsChain;
    QSslKey tlsKey;
    // Hold answers for one commit per event-loop pass. Off where other code writes on the TAM's
    // database connection between passes (the console's views): their changes would join the
    // batch, and a failed commit would lose them after they were reported saved.
    bool groupCommit = true;
};

class TamServer : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxHeldAnswers = 128;

    TamServer(TamEndpoint &endpoint, ServerOptions options, QObject *parent = nullptr);
    ~TamServer() override;

    // Listens; returns the TAM URI (http(s)://address:port/tam).
    Result<QString> start();
    quint16 port() const { return m_port; }
    QString uri() const;
    // Stops listening and sends the answers held, once their records are durable (the process
    // may end right after: what is sent is handed to the system). Open connections stay.
    void stop();
    int openConnections() const { return m_listener ? m_listener->openConnections() : 0; }

signals:
    // One line per request for logs and the console: method, status, peer.
    void requestHandled(const QString &peer, int status, const QString &summary);

private:
    // An answer waiting for the commit of its request's records.
    struct HeldAnswer
    {
        QPointer<HttpConnection> connection;
        QString peer;
        bool recordedByTam = false; // it depends on makeDurable()
        HttpAnswer answer;
    };

    void handleRequest(HttpConnection *connection, const HttpRequest &request);
    void answer(HttpConnection *connection, HttpAnswer answer, bool recordedByTam = false);
    // Commits what the held answers depend on, then sends them.
    void sendHeldAnswers();
    void send(const HeldAnswer &held);

    TamEndpoint &m_endpoint;
    ServerOptions m_options;
    quint16 m_port = 0;
    HttpListener *m_listener = nullptr;
    std::vector<HeldAnswer> m_held;
    bool m_sendQueued = false;
};

} // namespace teep::transport
