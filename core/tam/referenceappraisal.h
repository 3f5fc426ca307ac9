#pragma once

#include "attestation/appraisal.h"
#include "attestation/eatappraisal.h"
#include "attestation/sgxappraisal.h"
#include "common/clock.h"

#include <QCborMap>
#include <QList>
#include <QSqlDatabase>

#include <optional>

// Evidence claims against every reference value the operator keeps: the per-model values typed in
// (referencevalues.h) and those imported from CoRIM (corimreferences.h). One place, so that a
// session and `teepctl attestation appraise` judge alike.
namespace teep::tam {

// `verifyingChecks` (signature, freshness) come first in the result and count in its tier.
attestation::Appraisal appraiseClaims(QSqlDatabase db, const Clock &clock, const QCborMap &claims,
                                      const QList<attestation::Check> &verifyingChecks = {});
// A captured EAT, end to end: verified (eatappraisal.h), then its claims as above.
attestation::Appraisal appraiseEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &token,
                                        const attestation::EatAppraisalOptions &options);

// A PSA token (RFC 9783) against the CoRIM reference values (psatoken.h).
attestation::Appraisal appraisePsaEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &token,
                                           const attestation::EatAppraisalOptions &options);

// An SGX DCAP bundle (attestation/sgxappraisal.h): the PCK chain against the TEE root store, the
// kept Intel collateral (or `collateral`, teepctl's --collateral DIR, when given) and the CoRIM
// reference values of its enclave. `verified` receives the verification (a session learns the
// agent key from it).
attestation::Appraisal appraiseSgxEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &bundle, const QByteArray &challenge,
                                           const crypto::Key &agentKey, const std::optional<attestation::sgx::Collateral> &collateral = std::nullopt,
                                           attestation::sgx::VerifiedSgx *verified = nullptr);

// The passport model: an attestation result from a verifier (an EAR, JWT or CWT) in the
// QueryResponse, signed by a key of the verifier-key store and echoing the session's challenge.
inline constexpr qint64 kPassportMaxAgeSeconds = 300;
bool isEarFormat(const QString &attestationPayloadFormat); // application/eat+cwt or +jwt with the EAR profile, or ear+...
attestation::Appraisal appraisePassport(QSqlDatabase db, const Clock &clock, const QByteArray &payload, const QString &format,
                                        const QByteArray &challenge);

// The trust vector as attestation_results.trust_vector keeps it ({"executables": {"value": 2,
// "detail": "..."}, ...}: the claims made) and back; what cannot be read back reads as no claim.
QString encodeTrustVector(const attestation::TrustVector &vector);
attestation::TrustVector decodeTrustVector(const QString &stored);

} // namespace teep::tam
