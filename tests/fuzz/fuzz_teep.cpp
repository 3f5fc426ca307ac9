// libFuzzer: the TEEP message decoder, in both profiles, and negotiation on what it accepts.
#include "protocol/teep/teepcodec.h"
#include "protocol/teep/teepnegotiation.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    for (const auto &profile : {teep::protocol::DecodeProfile::standard(), teep::protocol::DecodeProfile::compatible()}) {
        const auto decoded = teep::protocol::decodeMessageBytes(bytes, profile);
        if (!decoded)
            continue;
        // Whatever decodes in the current form must encode again and decode to the same bytes
        // (older forms the compatibility profile admits have no exact current equivalent).
        if (!decoded.value().compatibilityNotes.isEmpty())
            continue;
        const QByteArray again = teep::protocol::encodeMessage(decoded.value().message);
        const auto redecoded = teep::protocol::decodeMessageBytes(again, teep::protocol::DecodeProfile::compatible());
        if (!redecoded || teep::protocol::encodeMessage(redecoded.value().message) != again)
            __builtin_trap();
        if (const auto *request = std::get_if<teep::protocol::QueryRequest>(&decoded.value().message))
            (void)teep::protocol::selectForQueryRequest(*request, teep::protocol::AgentCapabilities());
    }
    return 0;
}
