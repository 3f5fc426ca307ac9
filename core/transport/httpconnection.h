#pragma once

#include "transport/httprequestparser.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <utility>

class QTcpSocket;

// One device's connection to the TAM: reads its requests one at a time through the bounded
// parser, writes the answers, and closes it when it dawdles. Each phase has its own deadline, set
// when the phase begins and never extended by a trickle of bytes (a slow client cannot keep a
// connection by sending one byte a second): idle (a new connection, TLS handshake included, or one
// kept alive between requests), header block, body, and writing the answer (the one deadline that
// moves, with each write the client accepts, so a large payload over a slow line still arrives).
namespace teep::transport {

struct HttpTimeouts
{
    int idleMs = 10'000;
    int headerMs = 10'000;
    int bodyMs = 30'000;
    int writeMs = 30'000;
};

// What the server sends back. The security headers teep.md 3.5 requires are added to every answer.
struct HttpAnswer
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> extraHeaders = {};
};

QByteArray encodeAnswer(const HttpAnswer &answer, bool close);

class HttpConnection : public QObject
{
    Q_OBJECT

public:
    // Takes the socket (connected; for TLS, a QSslSocket whose handshake has started).
    HttpConnection(QTcpSocket *socket, HttpLimits limits, HttpTimeouts timeouts, QObject *parent = nullptr);

    QHostAddress peerAddress() const { return m_peer; }
    QString peer() const { return m_peer.toString(); }

    // The answer to the request last handed out; the next request is read after it.
    void send(const HttpAnswer &answer);
    // Whether it may be closed to make room for another: it is not waiting for the TAM nor
    // receiving an answer. The one whose current phase began first gives way first.
    bool evictable() const;
    qint64 phaseAgeMs() const { return m_phaseClock.elapsed(); }
    void abort();
    // Hands what is written to the system now (the process may be about to end).
    void flush();

signals:
    void requestReady(teep::transport::HttpConnection *connection, const teep::transport::HttpRequest &request);
    // A request refused at the HTTP level (too large, malformed, too slow) before the TAM saw it.
    void refused(const QString &peer, int status, const QString &reason);
    // Gone: the owner may forget it (it deletes itself later).
    void closed(teep::transport::HttpConnection *connection);

private:
    enum class Phase { Idle, Header, Body, WaitingForTam, Writing, Closing };

    void readAvailable();
    void enter(Phase phase);
    void refuseAndClose(int status, const QByteArray &reason);
    void closeAfterWriting();
    void finishClose();
    void timedOut();

    QTcpSocket *m_socket;
    QHostAddress m_peer;
    HttpRequestParser m_parser;
    HttpTimeouts m_timeouts;
    QByteArray m_unread; // bytes read from the socket that belong to the next request
    Phase m_phase = Phase::Idle;
    QElapsedTimer m_phaseClock;
    QTimer m_deadline;
    bool m_keepAlive = true;
    bool m_continueSent = false;
    bool m_closedSignalled = false;
};

} // namespace teep::transport
