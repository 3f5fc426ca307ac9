#include "transport/tamserver.h"

#include "common/logging.h"

#include <QHttpServerRequest>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>

namespace teep::transport {

namespace {
// The media type in a Content-Type or Accept value, without parameters, lower case.
QByteArray bareType(const QByteArray &value)
{
    return value.split(';').first().trimmed().toLower();
}

bool accepts(const QByteArray &accept, const QByteArray &type)
{
    if (accept.isEmpty())
        return false;
    for (const QByteArray &item : accept.split(',')) {
        if (bareType(item) == type)
            return true;
    }
    return false;
}

QString peerOf(const QHttpServerRequest &request)
{
    return request.remoteAddress().toString();
}
} // namespace

QByteArray mediaType(Profile profile)
{
    return profile == Profile::Teep ? QByteArrayLiteral("application/teep+cbor") : QByteArrayLiteral("application/otrp+json");
}

TamServer::TamServer(TamEndpoint &endpoint, ServerOptions options, QObject *parent)
    : QAbstractHttpServer(parent), m_endpoint(endpoint), m_options(std::move(options))
{
}

Result<QString> TamServer::start()
{
    if (!m_options.tlsCertificate.isNull() && !m_options.tlsKey.isNull()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificateChain(QList<QSslCertificate>{m_options.tlsCertificate} + m_options.tlsChain);
        tls.setPrivateKey(m_options.tlsKey);
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        sslSetup(tls);
    }
    m_port = listen(m_options.address, m_options.port);
    if (m_port == 0)
        return Error{QStringLiteral("transport.listen"),
                     QStringLiteral("cannot listen on %1:%2 (in use, or not an address of this machine)").arg(m_options.address.toString()).arg(m_options.port)};
    return uri();
}

QString TamServer::uri() const
{
    const bool tls = !m_options.tlsCertificate.isNull();
    const QString host = m_options.address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(m_options.address.toString())
                                                                                       : m_options.address.toString();
    return QStringLiteral("%1://%2:%3%4").arg(tls ? QStringLiteral("https") : QStringLiteral("http"), host).arg(m_port).arg(m_options.path);
}

void TamServer::stop()
{
    const QList<QTcpServer *> listeners = servers();
    for (QTcpServer *listener : listeners)
        listener->close();
    std::vector<QPointer<QTcpSocket>> sockets;
    for (const HeldAnswer &held : m_held)
        sockets.push_back(held.socket);
    sendHeldAnswers();
    for (const QPointer<QTcpSocket> &socket : sockets) {
        if (socket)
            socket->flush();
    }
}

TamServer::~TamServer()
{
    // What is held is still owed: commit and send it while the sockets exist.
    sendHeldAnswers();
}

void TamServer::answer(const QHttpServerRequest &request, QTcpSocket *socket, int status, const QByteArray &contentType, const QByteArray &body,
                       const QList<std::pair<QByteArray, QByteArray>> &extraHeaders, bool recordedByTam)
{
    // Every answer is held, not only the TAM's: a client that sends its next request before the
    // answer (pipelining) still gets its answers in order.
    m_held.push_back({socket, peerOf(request), recordedByTam, status, contentType, body, extraHeaders});
    if (!m_options.groupCommit || int(m_held.size()) >= kMaxHeldAnswers) {
        sendHeldAnswers();
    } else if (!m_sendQueued) {
        // Queued, so that it runs once the requests already waiting in this pass are handled.
        m_sendQueued = true;
        QMetaObject::invokeMethod(this, &TamServer::sendHeldAnswers, Qt::QueuedConnection);
    }
}

void TamServer::sendHeldAnswers()
{
    m_sendQueued = false;
    if (m_held.empty())
        return;
    std::vector<HeldAnswer> held;
    held.swap(m_held);
    const Status durable = m_endpoint.makeDurable();
    qCDebug(lcTransport) << held.size() << "answers after one commit";
    if (!durable)
        qCWarning(lcTransport) << "the TAM could not save a batch of" << held.size() << "answers:" << durable.error().toString();
    for (HeldAnswer &answer : held) {
        if (answer.recordedByTam && !durable) {
            answer.status = 500;
            answer.contentType = "text/plain; charset=utf-8";
            answer.body = "the TAM could not save this session's records; start again\n";
            answer.extraHeaders.clear();
        }
        send(answer);
    }
}

namespace {
QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}
} // namespace

void TamServer::send(const HeldAnswer &held)
{
    // The device may have gone while its answer waited (the socket is then already deleted).
    if (!held.socket || held.socket->state() != QAbstractSocket::ConnectedState)
        return;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(held.status) + ' ' + reasonPhrase(held.status) + "\r\n";
    // teep.md 3.5: these on every answer; never Cache-Control.
    head += "X-Content-Type-Options: nosniff\r\n"
            "Content-Security-Policy: default-src 'none'\r\n"
            "Referrer-Policy: no-referrer\r\n";
    for (const auto &[name, value] : held.extraHeaders)
        head += name + ": " + value + "\r\n";
    if (!held.contentType.isEmpty())
        head += "Content-Type: " + held.contentType + "\r\n";
    // RFC 9110 8.6: a 204 carries no Content-Length.
    if (held.status != 204)
        head += "Content-Length: " + QByteArray::number(held.body.size()) + "\r\n";
    head += "\r\n";
    held.socket->write(head + held.body);
    emit requestHandled(held.peer, held.status, QStringLiteral("%1 %2").arg(held.status).arg(QString::fromLatin1(held.contentType)));
}

bool TamServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QByteArray text = "text/plain; charset=utf-8";
    // The payloads that SUIT manifests name by URI, on the same listener (and so with its TLS).
    const QString payloads = m_options.path + QStringLiteral("/payloads/");
    if (request.url().path().startsWith(payloads)) {
        if (request.method() != QHttpServerRequest::Method::Get) {
            answer(request, socket, 405, text, "payloads are fetched with GET\n", {{"Allow", "GET"}});
            return true;
        }
        const Result<std::optional<QByteArray>> found = m_endpoint.payload(request.url().path().mid(payloads.size()));
        if (!found) {
            qCWarning(lcTransport) << "payload lookup failed:" << found.error().toString();
            answer(request, socket, 500, text, "the payload could not be read\n");
        } else if (!found.value()) {
            answer(request, socket, 404, text, "no published TA has this payload\n");
        } else {
            answer(request, socket, 200, "application/octet-stream", *found.value());
        }
        return true;
    }
    if (request.url().path() != m_options.path) {
        answer(request, socket, 404, text, "not found: the TAM URI is " + m_options.path.toUtf8() + "\n");
        return true;
    }
    if (request.method() != QHttpServerRequest::Method::Post) {
        answer(request, socket, 405, text, "only POST is allowed\n", {{"Allow", "POST"}});
        return true;
    }
    const QByteArray body = request.body();
    // Qt has read the whole body before we see it; the limit still keeps it out of the TAM.
    if (body.size() > m_options.maxBodyBytes || request.value("content-length").toLongLong() > m_options.maxBodyBytes) {
        answer(request, socket, 413, text, "the message is larger than " + QByteArray::number(m_options.maxBodyBytes) + " bytes\n");
        return true;
    }
    const QByteArray accept = request.value("accept");
    Result<std::optional<QByteArray>> result = std::optional<QByteArray>();
    Profile profile = Profile::Teep;
    if (body.isEmpty()) {
        // ProcessConnect: the profile the client accepts (TEEP preferred when it takes both).
        const bool teep = accepts(accept, mediaType(Profile::Teep)) && m_endpoint.supports(Profile::Teep);
        const bool otrp = accepts(accept, mediaType(Profile::Otrp)) && m_endpoint.supports(Profile::Otrp);
        if (!teep && !otrp) {
            answer(request, socket, 406, text, "Accept must name application/teep+cbor or application/otrp+json\n");
            return true;
        }
        profile = teep ? Profile::Teep : Profile::Otrp;
        const Result<QByteArray> first = m_endpoint.start(profile, peerOf(request));
        result = first ? Result<std::optional<QByteArray>>(std::optional<QByteArray>(first.value())) : Result<std::optional<QByteArray>>(first.error());
    } else {
        const QByteArray contentType = bareType(request.value("content-type"));
        if (contentType == mediaType(Profile::Teep) && m_endpoint.supports(Profile::Teep))
            profile = Profile::Teep;
        else if (contentType == mediaType(Profile::Otrp) && m_endpoint.supports(Profile::Otrp))
            profile = Profile::Otrp;
        else {
            answer(request, socket, 415, text, "Content-Type must be application/teep+cbor or application/otrp+json\n");
            return true;
        }
        result = m_endpoint.process(profile, body, peerOf(request));
    }
    if (!result) {
        const QString code = result.error().code;
        const int status = code == QLatin1String("tam.bad-message") ? 400 : code == QLatin1String("tam.busy") ? 503 : 500;
        if (status == 500)
            qCWarning(lcTransport) << "the TAM failed:" << result.error().toString();
        answer(request, socket, status, text, result.error().message.toUtf8().left(500) + '\n', {}, true);
        return true;
    }
    if (!result.value()) {
        answer(request, socket, 204, {}, {}, {}, true);
        return true;
    }
    answer(request, socket, 200, mediaType(profile), *result.value(), {}, true);
    return true;
}

void TamServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    answer(request, socket, 404, "text/plain; charset=utf-8", "not found\n");
}

} // namespace teep::transport
