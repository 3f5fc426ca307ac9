#pragma once

#include "attestation/corim.h"
#include "attestation/eat.h"
#include "attestation/measuredcomponent.h"

#include <QList>
#include <QString>

#include <array>

// Appraisal of evidence against reference values, reported as the RATS AR4SI model does
// (draft-ietf-rats-ar4si): a trustworthiness vector of eight claims, each a value whose range
// says its tier, and an overall tier.
namespace teep::attestation {

enum class Tier { None, Affirming, Warning, Contraindicated };
QString tierName(Tier tier); // "none", "affirming", "warning", "contraindicated"
Tier tierOf(int value);      // AR4SI ranges: 2..31 affirming, 32..95 warning, 96..127 contraindicated

namespace trust {
// AR4SI's values this TAM assigns (the ranges are the standard's; the numbers its examples').
inline constexpr int NoClaim = 0;
inline constexpr int Affirmed = 2;          // recognized, genuine, approved
inline constexpr int Unapproved = 32;       // configuration: not the approved one
inline constexpr int UnrecognizedRun = 33;  // executables: a component no reference value names
inline constexpr int Contraindicated = 96;  // a measurement or state the references contradict
inline constexpr int Unrecognized = 97;     // instance identity: not a listed instance
} // namespace trust

struct TrustClaim
{
    const char *name = ""; // "instance-identity", ...: as EAR writes it
    int value = trust::NoClaim;
    QString detail;
    Tier tier() const { return tierOf(value); }
};

// In AR4SI order: instance-identity, configuration, executables, file-system, hardware,
// runtime-opaque, storage-opaque, sourced-data (their EAR CBOR keys are 0..7).
struct TrustVector
{
    TrustVector();
    std::array<TrustClaim, 8> claims;
    TrustClaim &operator[](const char *name);
    const TrustClaim &operator[](const char *name) const;
};

// What an evidence format says about a device, once decoded: the appraisal does not care which.
struct EvidenceFacts
{
    QByteArray ueid;
    QByteArray oemid;
    QByteArray hwmodel;
    QString modelKind = QStringLiteral("model"); // what hwmodel is called: a PSA token's "implementation id"
    QString hwversion;
    QList<MeasuredComponent> components;
};

// How each reported component fared: the reference value it matched, or the nearest it missed.
struct ComponentMatch
{
    MeasuredComponent component;
    Outcome outcome = Outcome::Fail;
    QString reference; // "sha-256 3f…a1 (acme-2024.corim)" or empty when none names it
};

struct Appraisal
{
    enum class Status { Affirming, Warning, Contraindicated, NotVerified, Malformed };
    Status status = Status::Malformed;
    Tier tier = Tier::None;
    TrustVector vector;
    QList<Check> checks;
    QList<ComponentMatch> components;
    QString statusName() const; // "affirming", ..., "not verified", "malformed"
    QString reason() const;     // the first failure, else the first warning, else "affirming"
};

// A reference value with where it came from, for the appraisal to say which one matched.
struct SourcedTriple
{
    corim::Triple triple;
    QString source; // the CoRIM file or id
};

// Compares verified facts with the reference values. `verifyingChecks` are those of the
// signature and freshness (an EAT's, a PSA token's): they come first in the result, and any that
// failed decides the status (not verified when the signature failed, malformed when the format).
Appraisal appraise(const EvidenceFacts &facts, const QList<SourcedTriple> &references, const QList<Check> &verifyingChecks);

// The overall tier and status again, from the vector and the checks (after checks were added):
// the worst of them; affirming only with something affirmed and nothing worse.
void settle(Appraisal &appraisal);

} // namespace teep::attestation
