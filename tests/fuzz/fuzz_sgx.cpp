// libFuzzer: SGX DCAP evidence: the TEEP bundle and quote layout, the PCK certificate's SGX
// Extensions (our ASN.1 tree over OpenSSL's), and Intel's collateral JSON (the signed member's
// exact text is found by a scanner of our own).
#include "attestation/sgxappraisal.h"
#include "crypto/asn1tree.h"
#include "crypto/pkiformats.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    // No root is trusted: nothing a fuzzer makes can verify, and every verdict says why.
    const teep::attestation::sgx::SgxAppraisalOptions options;
    const auto appraisal = teep::attestation::sgx::appraiseSgx(bytes, options, {});
    if (appraisal.status == teep::attestation::Appraisal::Status::Affirming || appraisal.checks.isEmpty())
        __builtin_trap();
    if (const auto bundle = teep::attestation::sgx::parseBundle(bytes)) {
        if (const auto quote = teep::attestation::sgx::parseQuote(bundle.value().quote)) {
            if (const auto chain = teep::crypto::parseCertificates(quote.value().certificationData))
                for (const teep::crypto::Certificate &certificate : chain.value())
                    (void)teep::attestation::sgx::pckExtensions(certificate);
        }
    }
    (void)teep::attestation::sgx::parseQuote(bytes); // a bare quote, as Intel's tools write quote.dat
    (void)teep::crypto::parseDerSequence(bytes);
    const auto collateral = teep::attestation::sgx::readCollateral({{QStringLiteral("fuzz.json"), bytes}}, {}, teep::SystemClock::instance());
    if (collateral && !collateral.value().isEmpty())
        __builtin_trap(); // signed items cannot verify without a root
    return 0;
}
