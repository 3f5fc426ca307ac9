#pragma once

#include "attestation/appraisal.h"
#include "attestation/corim.h"
#include "common/error.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QString>

// EAT Attestation Results (draft-ietf-rats-ear): an appraisal as a signed token a Service
// Provider can keep, in both encodings: a JWT (ES256) and a CWT (COSE_Sign1). The profile is
// "tag:github.com,2023:veraison/ear"; the appraisal is one submodule with its status, trust vector
// and the policy it was judged by.
namespace teep::attestation {

inline constexpr const char *kEarProfile = "tag:github.com,2023:veraison/ear";

struct EarOptions
{
    QString submodule = QStringLiteral("teep");
    QString policyId = QStringLiteral("teep-console/reference-values");
    QByteArray nonce;   // echoed as eat_nonce when given
    qint64 issuedAt = 0; // seconds since the epoch
    QString build;      // ear.verifier-id's build: this console's version
};

// EAR status codes (CBOR) and names (JSON): none 0, affirming 2, warning 32, contraindicated 96.
int earStatus(const Appraisal &appraisal);

Result<QByteArray> earJwt(const Appraisal &appraisal, const EarOptions &options, const crypto::Key &key);
Result<QByteArray> earCwt(const Appraisal &appraisal, const EarOptions &options, const crypto::Key &key);

struct EarCheckOptions
{
    QByteArray nonce;         // the challenge the EAR must echo; empty: freshness by its age
    qint64 now = 0;           // seconds since the epoch
    qint64 maxAgeSeconds = 300;
};

// An EAR from a verifier (the passport model): a JWT or a CWT signed by one of `verifierKeys`,
// with the EAR profile, fresh (its eat_nonce the challenge, or issued at most maxAgeSeconds ago),
// and its submodules' statuses; the appraisal takes the worst submodule's status and vector.
// Malformed when it is not an EAR, not verified when no trusted key signed it.
Appraisal readEar(const QByteArray &ear, const QList<corim::VerifierKey> &verifierKeys, const EarCheckOptions &options);

} // namespace teep::attestation
