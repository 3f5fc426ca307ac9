#include "transport/httprequestparser.h"

#include <cctype>
#include <cstring>

namespace teep::transport {

namespace {
constexpr int kMaxLeadingEmptyLines = 4; // RFC 9112 2.2: ignore at least one CRLF before a request
constexpr qsizetype kMaxChunkLine = 1024; // a chunk size and its extensions
constexpr qsizetype kMaxMethod = 16;

bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (c == '\0' || !isTokenChar(c))
            return false;
    }
    return true;
}

// RFC 9110 5.5: visible characters, spaces and tabs, and obs-text; no other control characters.
bool isFieldValue(QByteArrayView text)
{
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

bool isOriginForm(QByteArrayView target)
{
    if (!target.startsWith('/'))
        return false;
    for (const char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

QByteArray trimmedOws(QByteArrayView text)
{
    qsizetype from = 0;
    qsizetype to = text.size();
    while (from < to && (text[from] == ' ' || text[from] == '\t'))
        ++from;
    while (to > from && (text[to - 1] == ' ' || text[to - 1] == '\t'))
        --to;
    return text.sliced(from, to - from).toByteArray();
}

bool hasToken(const QByteArray &list, QByteArrayView token)
{
    for (const QByteArray &item : list.split(',')) {
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}
} // namespace

QByteArray HttpRequest::value(QByteArrayView name) const
{
    QByteArray joined;
    for (const auto &[fieldName, fieldValue] : fields) {
        if (fieldName != name)
            continue;
        if (!joined.isEmpty())
            joined += ", ";
        joined += fieldValue;
    }
    return joined;
}

qsizetype HttpRequestParser::refuse(int status, const QByteArray &reason)
{
    m_state = State::Refused;
    m_refusal = {status, reason};
    return 0;
}

bool HttpRequestParser::takeLine(QByteArrayView data, qsizetype &used, qsizetype budget, int tooLongStatus, const char *what)
{
    const void *found = std::memchr(data.data() + used, '\n', size_t(data.size() - used));
    const qsizetype end = found ? static_cast<const char *>(found) - data.data() + 1 : data.size();
    if (m_line.size() + (end - used) > budget) {
        refuse(tooLongStatus, QByteArray(what) + " is longer than " + QByteArray::number(budget) + " bytes");
        return false;
    }
    m_line.append(data.data() + used, end - used);
    used = end;
    if (!found)
        return false;
    if (m_line.size() < 2 || m_line.at(m_line.size() - 2) != '\r') {
        refuse(400, QByteArray(what) + " does not end with CRLF");
        return false;
    }
    m_line.chop(2);
    if (m_line.contains('\r') || m_line.contains('\0')) {
        refuse(400, QByteArray(what) + " holds a bare CR or a NUL");
        return false;
    }
    return true;
}

bool HttpRequestParser::requestLine(const QByteArray &line)
{
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3) {
        refuse(400, "the request line is not METHOD SP TARGET SP VERSION");
        return false;
    }
    if (parts[0].size() > kMaxMethod || !isToken(parts[0])) {
        refuse(400, "the method is not a token of at most 16 characters");
        return false;
    }
    if (!isOriginForm(parts[1])) {
        refuse(400, "the request target is not a path (origin-form, visible ASCII)");
        return false;
    }
    if (parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0") {
        m_request.minorVersion = parts[2].back() - '0';
    } else if (parts[2].size() == 8 && parts[2].startsWith("HTTP/") && parts[2][6] == '.') {
        refuse(505, "only HTTP/1.1 and HTTP/1.0 are served");
        return false;
    } else {
        refuse(400, "the protocol version is not HTTP/1.x");
        return false;
    }
    m_request.method = parts[0];
    m_request.target = parts[1];
    return true;
}

bool HttpRequestParser::field(const QByteArray &line, bool trailer)
{
    if (++m_fieldCount > m_limits.maxHeaderFields) {
        refuse(431, "more than " + QByteArray::number(m_limits.maxHeaderFields) + " header fields");
        return false;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
        refuse(400, "a folded header line (obsolete line folding is not accepted)");
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView name = colon < 0 ? QByteArrayView() : QByteArrayView(line).first(colon);
    if (!isToken(name)) {
        refuse(400, "a header line is not NAME: VALUE (no space before the colon)");
        return false;
    }
    const QByteArray value = trimmedOws(QByteArrayView(line).sliced(colon + 1));
    if (!isFieldValue(value)) {
        refuse(400, "the value of " + name.toByteArray() + " holds a control character");
        return false;
    }
    if (!trailer) // trailers are read and bounded, never used
        m_request.fields.append({name.toByteArray().toLower(), value});
    return true;
}

bool HttpRequestParser::endOfFields()
{
    const QByteArray connection = m_request.value("connection");
    m_request.keepAlive = m_request.minorVersion == 1 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");

    const QByteArray expect = m_request.value("expect");
    if (!expect.isEmpty()) {
        if (expect.compare("100-continue", Qt::CaseInsensitive) != 0) {
            refuse(417, "the only expectation served is 100-continue");
            return false;
        }
        m_expectContinue = true;
    }

    const QByteArray transferEncoding = m_request.value("transfer-encoding");
    QByteArray length;
    for (const auto &[name, value] : std::as_const(m_request.fields)) {
        if (name != "content-length")
            continue;
        // Several Content-Length values must agree (RFC 9112 6.3); anything else may be smuggling.
        for (const QByteArray &item : value.split(',')) {
            const QByteArray one = item.trimmed();
            if (!length.isEmpty() && one != length) {
                refuse(400, "Content-Length values disagree");
                return false;
            }
            length = one;
        }
    }
    if (!transferEncoding.isEmpty()) {
        if (!length.isEmpty()) {
            refuse(400, "a request has Transfer-Encoding or Content-Length, not both");
            return false;
        }
        if (m_request.minorVersion == 0) {
            refuse(400, "Transfer-Encoding is not HTTP/1.0");
            return false;
        }
        if (transferEncoding.compare("chunked", Qt::CaseInsensitive) != 0) {
            refuse(501, "the only transfer coding served is chunked");
            return false;
        }
        m_state = State::ChunkSize;
        return true;
    }
    if (length.isEmpty()) {
        m_state = State::Complete;
        return true;
    }
    bool digits = length.size() <= 18;
    for (const char c : std::as_const(length))
        digits = digits && c >= '0' && c <= '9';
    if (!digits) {
        refuse(400, "Content-Length is not a decimal number of at most 18 digits");
        return false;
    }
    m_remaining = length.toLongLong();
    if (m_remaining > m_limits.maxBodyBytes) {
        refuse(413, "the message is larger than " + QByteArray::number(m_limits.maxBodyBytes) + " bytes");
        return false;
    }
    m_request.body.reserve(qsizetype(m_remaining));
    m_state = m_remaining > 0 ? State::Body : State::Complete;
    return true;
}

bool HttpRequestParser::chunkSize(const QByteArray &line)
{
    // chunk-size [ chunk-ext ]: the extensions are bounded by the line and ignored.
    const qsizetype semicolon = line.indexOf(';');
    const QByteArray hex = semicolon < 0 ? line : line.left(semicolon);
    bool hexDigits = !hex.isEmpty();
    for (const char c : hex)
        hexDigits = hexDigits && std::isxdigit(static_cast<unsigned char>(c));
    if (!hexDigits) {
        refuse(400, "a chunk size is not hexadecimal");
        return false;
    }
    // Leading zeros aside, more than 15 digits cannot fit any limit we would set.
    qsizetype first = 0;
    while (first < hex.size() - 1 && hex[first] == '0')
        ++first;
    if (hex.size() - first > 15) {
        refuse(413, "the message is larger than " + QByteArray::number(m_limits.maxBodyBytes) + " bytes");
        return false;
    }
    m_remaining = hex.mid(first).toLongLong(nullptr, 16);
    if (m_request.body.size() + m_remaining > m_limits.maxBodyBytes) {
        refuse(413, "the message is larger than " + QByteArray::number(m_limits.maxBodyBytes) + " bytes");
        return false;
    }
    m_state = m_remaining == 0 ? State::Trailers : State::ChunkData;
    return true;
}

qsizetype HttpRequestParser::feed(QByteArrayView data)
{
    qsizetype used = 0;
    while (used < data.size()) {
        switch (m_state) {
        case State::Complete:
        case State::Refused:
            return used;
        case State::Start: {
            if (!takeLine(data, used, m_limits.maxHeaderBytes, 414, "the request line"))
                return refused() ? 0 : used;
            const QByteArray line = std::exchange(m_line, {});
            if (line.isEmpty()) {
                if (++m_emptyLeadingLines > kMaxLeadingEmptyLines)
                    return refuse(400, "empty lines instead of a request");
                continue;
            }
            m_headerBytes = line.size() + 2;
            if (!requestLine(line))
                return 0;
            m_state = State::Fields;
            break;
        }
        case State::Fields:
        case State::Trailers: {
            const bool trailer = m_state == State::Trailers;
            if (!takeLine(data, used, m_limits.maxHeaderBytes - m_headerBytes, 431, "the header block"))
                return refused() ? 0 : used;
            const QByteArray line = std::exchange(m_line, {});
            m_headerBytes += line.size() + 2;
            if (line.isEmpty()) {
                if (trailer)
                    m_state = State::Complete;
                else if (!endOfFields())
                    return 0;
            } else if (!field(line, trailer)) {
                return 0;
            }
            break;
        }
        case State::Body:
        case State::ChunkData: {
            const qsizetype take = qsizetype(qMin<qint64>(m_remaining, data.size() - used));
            m_request.body.append(data.data() + used, take);
            used += take;
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = m_state == State::Body ? State::Complete : State::ChunkDataEnd;
            break;
        }
        case State::ChunkSize:
            if (!takeLine(data, used, kMaxChunkLine, 400, "a chunk size line"))
                return refused() ? 0 : used;
            if (!chunkSize(std::exchange(m_line, {})))
                return 0;
            break;
        case State::ChunkDataEnd:
            if (!takeLine(data, used, 2, 400, "the end of a chunk"))
                return refused() ? 0 : used;
            if (!std::exchange(m_line, {}).isEmpty())
                return refuse(400, "a chunk is longer than its size");
            m_state = State::ChunkSize;
            break;
        }
    }
    return used;
}

HttpRequest HttpRequestParser::take()
{
    HttpRequest request = std::exchange(m_request, {});
    m_state = State::Start;
    m_line.clear();
    m_headerBytes = 0;
    m_fieldCount = 0;
    m_emptyLeadingLines = 0;
    m_remaining = 0;
    m_expectContinue = false;
    return request;
}

} // namespace teep::transport
