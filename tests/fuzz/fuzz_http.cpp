// libFuzzer: the TAM's HTTP/1.1 request reader with whole byte streams (pipelined requests and
// all). Checks, besides crashes: no request exceeds the limits, and the verdicts do not depend on
// how the stream is cut (whole, or in pieces whose sizes the input's first byte picks).
#include "transport/httprequestparser.h"

#include <cstddef>
#include <cstdint>

using teep::transport::HttpLimits;
using teep::transport::HttpRequestParser;

namespace {
struct Reading
{
    QList<QByteArray> requests; // method, target and body of each complete request
    int refusal = 0;
};

Reading readAll(QByteArrayView stream, qsizetype piece, const HttpLimits &limits)
{
    Reading reading;
    HttpRequestParser parser(limits);
    QByteArray pending;
    qsizetype offset = 0;
    while (reading.requests.size() < 64) {
        if (pending.isEmpty()) {
            if (offset >= stream.size())
                break;
            pending = stream.sliced(offset, qMin(piece, stream.size() - offset)).toByteArray();
            offset += pending.size();
        }
        const qsizetype used = parser.feed(pending);
        if (used < 0 || used > pending.size())
            __builtin_trap();
        pending.remove(0, used);
        if (parser.refused()) {
            reading.refusal = parser.refusal().status;
            break;
        }
        if (parser.complete()) {
            const auto request = parser.take();
            if (request.body.size() > limits.maxBodyBytes || request.fields.size() > limits.maxHeaderFields)
                __builtin_trap();
            reading.requests.append(request.method + ' ' + request.target + ' ' + request.body);
        }
    }
    return reading;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    HttpLimits limits;
    limits.maxHeaderBytes = 512;
    limits.maxHeaderFields = 16;
    limits.maxBodyBytes = 4096;
    const QByteArrayView stream(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const Reading whole = readAll(stream, stream.size() + 1, limits);
    const Reading cut = readAll(stream, 1 + data[0] % 17, limits);
    if (whole.requests != cut.requests || whole.refusal != cut.refusal)
        __builtin_trap();
    return 0;
}
