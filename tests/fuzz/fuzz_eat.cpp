// libFuzzer: EAT evidence verification (every check runs on whatever decodes).
#include "attestation/eatappraisal.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto result = teep::attestation::verifyEvidence(bytes, key, teep::crypto::cose::AlgorithmPolicy::compatible(),
                                                          QByteArray(16, '\xa0'), key);
    if (result.checks.isEmpty())
        __builtin_trap(); // a verdict always comes with its checks
    // The appraisal too (measured components in claim 273); the key verifies nothing here, so the
    // claims are read by eatFacts directly as well.
    teep::attestation::EatAppraisalOptions options;
    options.attestationKeys = {key};
    const auto appraisal = teep::attestation::appraiseEat(bytes, options, {});
    if (appraisal.status == teep::attestation::Appraisal::Status::Affirming)
        __builtin_trap(); // nothing a fuzzer makes is signed by this key
    (void)teep::attestation::eatFacts(result.claims);
    return 0;
}
