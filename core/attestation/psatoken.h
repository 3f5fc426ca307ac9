#pragma once

#include "attestation/appraisal.h"
#include "attestation/eatappraisal.h"
#include "common/error.h"

#include <QByteArray>
#include <QCborMap>
#include <QList>
#include <QString>

// PSA Attestation Tokens (RFC 9783): what an Arm PSA Root of Trust signs with its Initial
// Attestation Key, in the RFC's claim keys (eat_profile "tag:psacertified.org,2023:psa#tfm") and
// in the -75000 keys deployed TF-M firmware still sends ("PSA_IOT_PROFILE_1").
namespace teep::attestation {

struct PsaSoftwareComponent
{
    QString measurementType;  // "BL", "PRoT", "ARoT", ...
    QByteArray measurementValue;
    QString version;
    QByteArray signerId;
    QString description;      // the hash algorithm, e.g. "sha-256"
};

struct PsaToken
{
    QString profile;
    bool legacyKeys = false;  // the -75000 claim keys
    QByteArray nonce;
    QByteArray instanceId;       // 0x01 || the IAK's hash
    QByteArray implementationId;
    QByteArray bootSeed;
    qint64 lifecycle = 0;
    QString certificationReference;
    QString verificationService;
    qint64 clientId = 0;
    QList<PsaSoftwareComponent> components;
};

// The security lifecycle's state, from the value's high byte: "secured", "decommissioned", ...
QString psaLifecycleName(qint64 lifecycle);

// The claims of a PSA token, checked for form: the required claims present and well typed, at
// most 64 software components. Errors name the claim.
Result<PsaToken> decodePsaClaims(const QCborMap &claims);

// Signature (by one of the given Initial Attestation Keys), nonce, then the claims against the
// reference values: software components by measurement type, the implementation id as the
// class, the instance id as the instance, and the security lifecycle as the configuration.
Appraisal appraisePsa(const QByteArray &token, const EatAppraisalOptions &options, const QList<SourcedTriple> &references);

} // namespace teep::attestation
