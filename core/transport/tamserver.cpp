#include "transport/tamserver.h"

#include "common/logging.h"

#include <QSslCipher>
#include <QSslConfiguration>

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

// TLS 1.3 (preferred), or TLS 1.2 with an ephemeral ECDH key exchange and an AEAD cipher: forward
// secrecy and no CBC, whatever the type of the TAM's key.
QList<QSslCipher> strongCiphers()
{
    QList<QSslCipher> tls13;
    QList<QSslCipher> tls12;
    const QList<QSslCipher> supported = QSslConfiguration::supportedCiphers();
    for (const QSslCipher &cipher : supported) {
        const bool aead = cipher.name().contains(QLatin1String("GCM")) || cipher.name().contains(QLatin1String("CHACHA20"));
        if (cipher.protocol() == QSsl::TlsV1_3)
            tls13.append(cipher);
        else if (cipher.protocol() == QSsl::TlsV1_2 && aead && cipher.name().startsWith(QLatin1String("ECDHE-")))
            tls12.append(cipher);
    }
    return tls13 + tls12;
}
} // namespace

QByteArray mediaType(Profile profile)
{
    return profile == Profile::Teep ? QByteArrayLiteral("application/teep+cbor") : QByteArrayLiteral("application/otrp+json");
}

TamServer::TamServer(TamEndpoint &endpoint, ServerOptions options, QObject *parent)
    : QObject(parent), m_endpoint(endpoint), m_options(std::move(options))
{
}

Result<QString> TamServer::start()
{
    if (m_listener)
        return uri();
    std::optional<QSslConfiguration> tls;
    if (!m_options.tlsCertificate.isNull() && !m_options.tlsKey.isNull()) {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificateChain(QList<QSslCertificate>{m_options.tlsCertificate} + m_options.tlsChain);
        configuration.setPrivateKey(m_options.tlsKey);
        configuration.setProtocol(QSsl::TlsV1_2OrLater);
        configuration.setCiphers(strongCiphers());
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // devices authenticate in TEEP, not TLS
        tls = configuration;
    }
    auto *listener = new HttpListener(m_options.http, m_options.timeouts, m_options.connections, tls, this);
    if (!listener->listen(m_options.address, m_options.port)) {
        delete listener;
        return Error{QStringLiteral("transport.listen"),
                     QStringLiteral("cannot listen on %1:%2 (in use, or not an address of this machine)").arg(m_options.address.toString()).arg(m_options.port)};
    }
    m_listener = listener;
    m_port = listener->serverPort();
    connect(listener, &HttpListener::connectionOpened, this, [this](HttpConnection *connection) {
        connect(connection, &HttpConnection::requestReady, this, &TamServer::handleRequest);
        connect(connection, &HttpConnection::refused, this,
                [this](const QString &peer, int status, const QString &reason) { emit requestHandled(peer, status, QStringLiteral("%1 %2").arg(status).arg(reason)); });
    });
    connect(listener, &HttpListener::connectionRefused, this,
            [this](const QString &peer) { emit requestHandled(peer, 503, QStringLiteral("connection closed: every connection slot is busy")); });
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
    if (m_listener)
        m_listener->close();
    std::vector<QPointer<HttpConnection>> connections;
    for (const HeldAnswer &held : m_held)
        connections.push_back(held.connection);
    sendHeldAnswers();
    for (const QPointer<HttpConnection> &connection : connections) {
        if (connection)
            connection->flush();
    }
}

TamServer::~TamServer()
{
    // What is held is still owed: commit and send it while the connections exist.
    sendHeldAnswers();
}

void TamServer::answer(HttpConnection *connection, HttpAnswer answer, bool recordedByTam)
{
    // Every answer is held, not only the TAM's, so that one commit covers the pass.
    m_held.push_back({connection, connection->peer(), recordedByTam, std::move(answer)});
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
    for (HeldAnswer &one : held) {
        if (one.recordedByTam && !durable)
            one.answer = {500, "text/plain; charset=utf-8", "the TAM could not save this session's records; start again\n"};
        send(one);
    }
}

void TamServer::send(const HeldAnswer &held)
{
    // The device may have gone while its answer waited (the connection is then already deleted).
    if (!held.connection)
        return;
    held.connection->send(held.answer);
    emit requestHandled(held.peer, held.answer.status, QStringLiteral("%1 %2").arg(held.answer.status).arg(QString::fromLatin1(held.answer.contentType)));
}

void TamServer::handleRequest(HttpConnection *connection, const HttpRequest &request)
{
    const QByteArray text = "text/plain; charset=utf-8";
    const QString path = QString::fromUtf8(QByteArray::fromPercentEncoding(request.path()));
    const QString peer = connection->peer();
    // The payloads that SUIT manifests name by URI, on the same listener (and so with its TLS).
    const QString payloads = m_options.path + QStringLiteral("/payloads/");
    if (path.startsWith(payloads)) {
        if (request.method != "GET") {
            answer(connection, {405, text, "payloads are fetched with GET\n", {{"Allow", "GET"}}});
            return;
        }
        const Result<std::optional<QByteArray>> found = m_endpoint.payload(path.mid(payloads.size()));
        if (!found) {
            qCWarning(lcTransport) << "payload lookup failed:" << found.error().toString();
            answer(connection, {500, text, "the payload could not be read\n"});
        } else if (!found.value()) {
            answer(connection, {404, text, "no published TA has this payload\n"});
        } else {
            answer(connection, {200, "application/octet-stream", *found.value()});
        }
        return;
    }
    if (path == m_options.path + QStringLiteral("/health")) {
        if (request.method != "GET") {
            answer(connection, {405, text, "health is read with GET\n", {{"Allow", "GET"}}});
            return;
        }
        const Status healthy = m_endpoint.health();
        answer(connection, healthy ? HttpAnswer{200, text, "ok\n"}
                                   : HttpAnswer{503, text, healthy.error().message.toUtf8() + "\n", {{"Retry-After", "5"}}});
        return;
    }
    if (path != m_options.path) {
        answer(connection, {404, text, "not found: the TAM URI is " + m_options.path.toUtf8() + "\n"});
        return;
    }
    if (request.method != "POST") {
        answer(connection, {405, text, "only POST is allowed\n", {{"Allow", "POST"}}});
        return;
    }
    const QByteArray accept = request.value("accept");
    Result<std::optional<QByteArray>> result = std::optional<QByteArray>();
    Profile profile = Profile::Teep;
    if (request.body.isEmpty()) {
        // ProcessConnect: the profile the client accepts (TEEP preferred when it takes both).
        const bool teep = accepts(accept, mediaType(Profile::Teep)) && m_endpoint.supports(Profile::Teep);
        const bool otrp = accepts(accept, mediaType(Profile::Otrp)) && m_endpoint.supports(Profile::Otrp);
        if (!teep && !otrp) {
            answer(connection, {406, text, "Accept must name application/teep+cbor or application/otrp+json\n"});
            return;
        }
        profile = teep ? Profile::Teep : Profile::Otrp;
        const Result<QByteArray> first = m_endpoint.start(profile, peer);
        result = first ? Result<std::optional<QByteArray>>(std::optional<QByteArray>(first.value())) : Result<std::optional<QByteArray>>(first.error());
    } else {
        const QByteArray contentType = bareType(request.value("content-type"));
        if (contentType == mediaType(Profile::Teep) && m_endpoint.supports(Profile::Teep))
            profile = Profile::Teep;
        else if (contentType == mediaType(Profile::Otrp) && m_endpoint.supports(Profile::Otrp))
            profile = Profile::Otrp;
        else {
            answer(connection, {415, text, "Content-Type must be application/teep+cbor or application/otrp+json\n"});
            return;
        }
        result = m_endpoint.process(profile, request.body, peer);
    }
    if (!result) {
        const QString code = result.error().code;
        const bool unavailable = code == QLatin1String("tam.busy") || code == QLatin1String("tam.locked");
        const int status = code == QLatin1String("tam.bad-message") ? 400 : unavailable ? 503 : 500;
        QList<std::pair<QByteArray, QByteArray>> headers;
        if (status == 503)
            headers.append(std::pair<QByteArray, QByteArray>("Retry-After", "5"));
        // The device learns why its message was refused; of the TAM's own failures (a database
        // gone bad, a full disk) only that they happened: their text is for the operator's log.
        QByteArray reason = result.error().message.toUtf8().left(500);
        if (status == 500) {
            qCWarning(lcTransport) << "the TAM failed:" << result.error().toString();
            reason = "the TAM could not handle this message; its operator's log says why";
        }
        answer(connection, {status, text, reason + '\n', headers}, true);
        return;
    }
    if (!result.value()) {
        answer(connection, {204, {}, {}}, true);
        return;
    }
    answer(connection, {200, mediaType(profile), *result.value()}, true);
}

} // namespace teep::transport
