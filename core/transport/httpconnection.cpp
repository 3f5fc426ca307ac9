#include "transport/httpconnection.h"

#include "common/logging.h"

#include <QSslSocket>
#include <QTcpSocket>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace teep::transport {

namespace {
constexpr qsizetype kReadChunk = 64 * 1024;
// While closing after a refusal, what the client still sends is read and dropped (so that our
// answer is not lost to a reset, and a client that sends its whole body before it reads still
// learns why), for this long at most: it costs time, never memory.
constexpr int kLingerMs = 2000;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}
} // namespace

QByteArray encodeAnswer(const HttpAnswer &answer, bool close)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(answer.status) + ' ' + reasonPhrase(answer.status) + "\r\n";
    // teep.md 3.5: these on every answer; never Cache-Control.
    head += "X-Content-Type-Options: nosniff\r\n"
            "Content-Security-Policy: default-src 'none'\r\n"
            "Referrer-Policy: no-referrer\r\n";
    for (const auto &[name, value] : answer.extraHeaders)
        head += name + ": " + value + "\r\n";
    if (!answer.contentType.isEmpty())
        head += "Content-Type: " + answer.contentType + "\r\n";
    // RFC 9110 8.6: a 204 carries no Content-Length.
    if (answer.status != 204)
        head += "Content-Length: " + QByteArray::number(answer.body.size()) + "\r\n";
    if (close)
        head += "Connection: close\r\n";
    head += "\r\n";
    return head + answer.body;
}

HttpConnection::HttpConnection(QTcpSocket *socket, HttpLimits limits, HttpTimeouts timeouts, QObject *parent)
    : QObject(parent), m_socket(socket), m_peer(socket->peerAddress()), m_parser(limits), m_timeouts(timeouts)
{
    m_socket->setParent(this);
    // Qt reads no more than this ahead of us; the rest waits in the kernel (TCP flow control).
    m_socket->setReadBufferSize(kReadChunk);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &HttpConnection::timedOut);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_phase == Phase::Writing) {
            if (m_socket->bytesToWrite() > 0) {
                m_deadline.start(m_timeouts.writeMs); // progress: the client is reading
                return;
            }
            enter(Phase::Idle);
            QMetaObject::invokeMethod(this, &HttpConnection::readAvailable, Qt::QueuedConnection);
        } else if (m_phase == Phase::Closing && m_socket->bytesToWrite() == 0) {
            finishClose();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        if (!m_closedSignalled) {
            m_closedSignalled = true;
            emit closed(this);
        }
        deleteLater();
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcTransport) << "connection from" << peer() << "failed:" << m_socket->errorString();
        abort();
    });
    if (auto *tls = qobject_cast<QSslSocket *>(m_socket)) {
        connect(tls, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            qCDebug(lcTransport) << "TLS with" << peer() << "failed:" << errors;
            abort();
        });
    }
    enter(Phase::Idle);
    // Bytes that came with the connection (or before this object existed) are read now.
    QMetaObject::invokeMethod(this, &HttpConnection::readAvailable, Qt::QueuedConnection);
}

void HttpConnection::enter(Phase phase)
{
    m_phase = phase;
    m_phaseClock.start();
    switch (phase) {
    case Phase::Idle: m_deadline.start(m_timeouts.idleMs); break;
    case Phase::Header: m_deadline.start(m_timeouts.headerMs); break;
    case Phase::Body: m_deadline.start(m_timeouts.bodyMs); break;
    case Phase::WaitingForTam: m_deadline.stop(); break;
    case Phase::Writing: m_deadline.start(m_timeouts.writeMs); break;
    case Phase::Closing: m_deadline.start(kLingerMs); break;
    }
}

void HttpConnection::readAvailable()
{
    if (m_phase == Phase::Closing) {
        while (m_socket->skip(kReadChunk) > 0) {
        }
        return;
    }
    if (m_phase == Phase::WaitingForTam || m_phase == Phase::Writing)
        return; // one request at a time: the rest waits until this answer is out
    for (;;) {
        if (m_unread.isEmpty())
            m_unread = m_socket->read(kReadChunk);
        if (m_unread.isEmpty())
            return;
        const qsizetype used = m_parser.feed(m_unread);
        m_unread.remove(0, used);
        if (m_parser.refused()) {
            const HttpRefusal refusal = m_parser.refusal();
            refuseAndClose(refusal.status, refusal.reason);
            return;
        }
        if (m_parser.complete()) {
            const HttpRequest request = m_parser.take();
            m_keepAlive = request.keepAlive;
            m_continueSent = false;
            enter(Phase::WaitingForTam);
            emit requestReady(this, request);
            return;
        }
        // Only now does a phase begin: its deadline counts from its first byte, not from each one.
        if (m_parser.readingBody() && m_phase != Phase::Body)
            enter(Phase::Body);
        else if (!m_parser.readingBody() && m_parser.started() && m_phase == Phase::Idle)
            enter(Phase::Header);
        if (m_parser.wantsContinue() && !m_continueSent) {
            m_continueSent = true;
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
    }
}

void HttpConnection::send(const HttpAnswer &answer)
{
    if (m_phase != Phase::WaitingForTam)
        return;
    m_socket->write(encodeAnswer(answer, !m_keepAlive));
    if (!m_keepAlive) {
        closeAfterWriting();
        return;
    }
    enter(Phase::Writing);
    if (m_socket->bytesToWrite() == 0) {
        enter(Phase::Idle);
        QMetaObject::invokeMethod(this, &HttpConnection::readAvailable, Qt::QueuedConnection);
    }
}

bool HttpConnection::evictable() const
{
    return m_phase == Phase::Idle || m_phase == Phase::Header || m_phase == Phase::Body;
}

void HttpConnection::refuseAndClose(int status, const QByteArray &reason)
{
    emit refused(peer(), status, QString::fromUtf8(reason));
    // A refusal of a request the client is still sending ends the connection: what follows
    // cannot be told apart from a next request.
    m_socket->write(encodeAnswer({status, "text/plain; charset=utf-8", reason + '\n'}, true));
    closeAfterWriting();
}

void HttpConnection::closeAfterWriting()
{
    enter(Phase::Closing);
    if (m_socket->bytesToWrite() == 0)
        finishClose();
}

void HttpConnection::finishClose()
{
    // Half-close: our answer is out, and a client still sending is read and dropped until it
    // stops or the linger deadline passes, so the kernel does not reset the connection (and lose
    // the answer) over unread bytes.
    if (qobject_cast<QSslSocket *>(m_socket) == nullptr && m_socket->socketDescriptor() != -1) {
#ifdef Q_OS_WIN
        ::shutdown(SOCKET(m_socket->socketDescriptor()), SD_SEND);
#else
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
#endif
        readAvailable();
    } else {
        m_socket->disconnectFromHost();
    }
}

void HttpConnection::timedOut()
{
    switch (m_phase) {
    case Phase::Idle:
        // Nothing of a request, or a TLS handshake that never finished: close without a word.
        abort();
        break;
    case Phase::Header:
        refuseAndClose(408, "the request's header block did not arrive within " + QByteArray::number(m_timeouts.headerMs / 1000.0) + " s");
        break;
    case Phase::Body:
        refuseAndClose(408, "the request's body did not arrive within " + QByteArray::number(m_timeouts.bodyMs / 1000.0) + " s");
        break;
    case Phase::Writing:
    case Phase::Closing:
    case Phase::WaitingForTam:
        abort();
        break;
    }
}

void HttpConnection::flush()
{
    m_socket->flush();
}

void HttpConnection::abort()
{
    m_deadline.stop();
    if (!m_closedSignalled) {
        m_closedSignalled = true;
        emit closed(this);
    }
    m_socket->abort();
    deleteLater();
}

} // namespace teep::transport
