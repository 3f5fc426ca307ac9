// libFuzzer: SUIT envelope parsing, signature, sequence and payload checks.
#include "suit/suitenvelope.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto envelope = teep::suit::parseEnvelope(bytes);
    if (!envelope)
        return 0;
    (void)teep::suit::verifyEnvelope(envelope.value(), key);
    (void)teep::suit::checkSequence(envelope.value(), 1);
    for (const QByteArray &payload : envelope.value().integratedPayloads)
        (void)teep::suit::checkPayload(envelope.value(), payload);
    return 0;
}
