#include "transport/tamserver.h"

#include "common/logging.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QSslConfiguration>
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

void TamServer::answer(const QHttpServerRequest &request, QTcpSocket *socket, int status, const QByteArray &contentType, const QByteArray &body,
                       const QList<std::pair<QByteArray, QByteArray>> &extraHeaders)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(status));
    // teep.md 3.5: these on every answer; never Cache-Control.
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    responder.writeHeader("Content-Security-Policy", "default-src 'none'");
    responder.writeHeader("Referrer-Policy", "no-referrer");
    for (const auto &[name, value] : extraHeaders)
        responder.writeHeader(name, value);
    if (!contentType.isEmpty())
        responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    responder.writeBody(body);
    emit requestHandled(peerOf(request), status, QStringLiteral("%1 %2").arg(status).arg(QString::fromLatin1(contentType)));
}

bool TamServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QByteArray text = "text/plain; charset=utf-8";
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
        answer(request, socket, status, text, result.error().message.toUtf8().left(500) + '\n');
        return true;
    }
    if (!result.value()) {
        answer(request, socket, 204);
        return true;
    }
    answer(request, socket, 200, mediaType(profile), *result.value());
    return true;
}

void TamServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    answer(request, socket, 404, "text/plain; charset=utf-8", "not found\n");
}

} // namespace teep::transport
