// libFuzzer: the CoRIM decoder (unsigned and signed CoRIM, every CoMID encoding), and what it
// accepts read back through the store's JSON form of a measurement.
#include "attestation/corim.h"
#include "tam/corimreferences.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    static const teep::attestation::corim::VerifierKey verifier{QStringLiteral("fuzz verifier"), key};
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto corim = teep::attestation::corim::decode(bytes, {verifier});
    if (!corim) {
        if (corim.error().message.isEmpty())
            __builtin_trap(); // a refusal always says why
        return 0;
    }
    if (corim.value().comids.isEmpty())
        __builtin_trap(); // accepted only with something to take reference values from
    for (const auto &comid : corim.value().comids)
        for (const auto &triple : comid.references)
            for (const auto &measurement : triple.measurements) {
                const auto back = teep::tam::measurementFromJson(teep::tam::measurementToJson(measurement));
                if (back.digests.size() != measurement.digests.size() || back.name != measurement.name)
                    __builtin_trap(); // what is stored reads back the same
            }
    return 0;
}
