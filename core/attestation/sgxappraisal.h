#pragma once

#include "attestation/appraisal.h"
#include "attestation/sgxcollateral.h"
#include "attestation/sgxpck.h"
#include "attestation/sgxquote.h"
#include "common/clock.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QList>

// An SGX DCAP bundle appraised end to end, with OpenSSL only: the PCK chain to the Intel SGX Root
// CA (in the TEE root store), the Quoting Enclave's report signed by the PCK key and binding the
// attestation key, the quote signed by that key, the enclave's report data binding the agent key
// and the session's challenge; then the enclave's MRENCLAVE/MRSIGNER/ISV SVN/attributes against
// the reference values and the platform's TCB against Intel's collateral.
namespace teep::attestation::sgx {

struct SgxAppraisalOptions
{
    QList<crypto::Certificate> roots; // the TEE root store
    const Clock *clock = &SystemClock::instance();
    QByteArray challenge;  // empty: freshness not checked (said, as a warning)
    crypto::Key agentKey;  // null: the key the report data binds is learned
    Collateral collateral; // empty: the TCB status is unknown and the tier at most warning
};

struct VerifiedSgx
{
    QList<Check> checks;
    bool verified = false; // every check that proves origin passed
    bool malformed = false;
    Quote quote;
    PckExtensions pck;
    crypto::Certificate pckCertificate;
    crypto::Key boundAgentKey; // the agent key the report data binds
};
VerifiedSgx verifySgx(const QByteArray &bundle, const SgxAppraisalOptions &options);

// The facts an enclave's quote states: MRSIGNER as its class ("model"), PPID as the instance,
// MRENCLAVE and MRSIGNER as measured components (sha-256), the ISV SVN as MRENCLAVE's version.
EvidenceFacts sgxFacts(const VerifiedSgx &verified);

Appraisal appraiseSgx(const QByteArray &bundle, const SgxAppraisalOptions &options, const QList<SourcedTriple> &references);
// The same, once verified (a session verifies first, to learn the agent key).
Appraisal appraiseVerifiedSgx(const VerifiedSgx &verified, const SgxAppraisalOptions &options, const QList<SourcedTriple> &references);

} // namespace teep::attestation::sgx
