#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <utility>

// A strict, bounded, incremental HTTP/1.1 request reader (RFC 9112) for the TAM's endpoint: what a
// TEEP broker sends (POST with Content-Length or chunked, GET for payloads) and nothing it does not
// need. Every limit is checked as bytes arrive, so an oversized header block or body is refused
// while it is still being sent, never buffered first. It is ours rather than QHttpServer's because
// no QHttpServer version lets a server refuse a body before reading it whole or bound its headers.
namespace teep::transport {

struct HttpLimits
{
    qsizetype maxHeaderBytes = 8 * 1024; // the request line, the header fields and a chunked body's trailers
    int maxHeaderFields = 64;
    qsizetype maxBodyBytes = 4 * 1024 * 1024;
};

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // origin-form, as sent: path and query
    int minorVersion = 1; // HTTP/1.x
    QList<std::pair<QByteArray, QByteArray>> fields; // names lower-case, in the order received
    QByteArray body;
    bool keepAlive = true;

    // A field's value; several fields of one name joined by ", " (RFC 9110 5.3).
    QByteArray value(QByteArrayView name) const;
    QByteArray path() const
    {
        const qsizetype query = target.indexOf('?');
        return query < 0 ? target : target.left(query);
    }
};

// Why a request was refused: the HTTP status to answer with and one sentence for the client.
struct HttpRefusal
{
    int status = 400;
    QByteArray reason;
};

class HttpRequestParser
{
public:
    explicit HttpRequestParser(HttpLimits limits = {}) : m_limits(limits) {}

    // Reads bytes of the current request. Returns how many it used: once the request is complete
    // (or refused) it stops, and what is left belongs to the next request.
    qsizetype feed(QByteArrayView data);

    bool complete() const { return m_state == State::Complete; }
    bool refused() const { return m_state == State::Refused; }
    const HttpRefusal &refusal() const { return m_refusal; }
    // Some bytes of a request have arrived (an idle connection has none).
    bool started() const { return m_state != State::Start || !m_line.isEmpty(); }
    bool readingBody() const { return m_state == State::Body || m_state == State::ChunkSize || m_state == State::ChunkData || m_state == State::ChunkDataEnd; }
    // The header block is in and the client waits for "100 Continue" before it sends the body.
    bool wantsContinue() const { return m_expectContinue && readingBody(); }

    // The complete request; the parser is then ready for the next one on the connection.
    HttpRequest take();

private:
    enum class State { Start, Fields, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Complete, Refused };

    qsizetype refuse(int status, const QByteArray &reason);
    // Collects one CRLF-terminated line into m_line; true when it is whole. Counts toward `budget`.
    bool takeLine(QByteArrayView data, qsizetype &used, qsizetype budget, int tooLongStatus, const char *what);
    bool requestLine(const QByteArray &line);
    bool field(const QByteArray &line, bool trailer);
    bool endOfFields();
    bool chunkSize(const QByteArray &line);

    HttpLimits m_limits;
    State m_state = State::Start;
    HttpRefusal m_refusal;
    HttpRequest m_request;
    QByteArray m_line;
    qsizetype m_headerBytes = 0;
    int m_fieldCount = 0;
    int m_emptyLeadingLines = 0;
    qint64 m_remaining = 0; // of the body (Content-Length) or of the current chunk
    bool m_expectContinue = false;
};

} // namespace teep::transport
