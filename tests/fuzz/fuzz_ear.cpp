// libFuzzer: EAT Attestation Results from a verifier (JWT or CWT): the encodings, the claims and
// the verdict; nothing a fuzzer makes is signed by the trusted key.
#include "attestation/ear.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::attestation::corim::VerifierKey verifier{QStringLiteral("fuzz verifier"),
                                                                teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value()};
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    teep::attestation::EarCheckOptions options;
    options.now = 1796400000;
    const auto appraisal = teep::attestation::readEar(bytes, {verifier}, options);
    if (appraisal.checks.isEmpty() || appraisal.status == teep::attestation::Appraisal::Status::Affirming)
        __builtin_trap();
    return 0;
}
