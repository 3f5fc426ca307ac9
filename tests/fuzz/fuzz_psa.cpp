// libFuzzer: PSA attestation tokens (RFC 9783, and the legacy -75000 claim keys): the COSE
// envelope, the claims' decoder and the appraisal of whatever decodes.
#include "attestation/psatoken.h"
#include "cbor/strictcbor.h"

#include <QCborValue>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    teep::attestation::EatAppraisalOptions options;
    options.attestationKeys = {key};
    const auto appraisal = teep::attestation::appraisePsa(bytes, options, {});
    if (appraisal.status == teep::attestation::Appraisal::Status::Affirming || appraisal.checks.isEmpty())
        __builtin_trap(); // nothing a fuzzer makes is signed by this key; every verdict says why
    // The claims' decoder on its own, on the input read as a claims map (by our strict reader, as
    // a token's payload is: Qt's own fromCbor builds maps from malformed input that crash on use).
    const auto claims = teep::cbor::decodeStrict(bytes);
    if (claims && claims.value().isMap())
        (void)teep::attestation::decodePsaClaims(claims.value().toMap());
    return 0;
}
