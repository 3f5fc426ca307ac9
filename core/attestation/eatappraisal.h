#pragma once

#include "attestation/appraisal.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QList>

// An EAT (RFC 9711) appraised end to end: its signature and freshness (eat.h's checks), then its
// claims, with the measured components of its `measurements` claim, against reference values.
namespace teep::attestation {

struct EatAppraisalOptions
{
    QList<crypto::Key> attestationKeys; // tried in turn: the first that verifies the signature is the one
    QByteArray nonce;                   // empty: freshness not checked (said, as a warning)
    crypto::Key agentKey;               // null: cnf is not checked against a known agent key
};

// The signature, freshness and form of an EAT, with its claims (empty when it did not decode).
struct VerifiedEat
{
    QList<Check> checks;
    QCborMap claims;
};
VerifiedEat verifyEat(const QByteArray &token, const EatAppraisalOptions &options);

Appraisal appraiseEat(const QByteArray &token, const EatAppraisalOptions &options, const QList<SourcedTriple> &references);

// The facts an EAT's claims state (ueid, oemid, hwmodel, hwversion, measured components).
Result<EvidenceFacts> eatFacts(const QCborMap &claims);

} // namespace teep::attestation
