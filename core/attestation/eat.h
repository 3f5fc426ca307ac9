#pragma once

#include "common/error.h"
#include "crypto/cosesign.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QList>
#include <QString>

#include <optional>

// Entity Attestation Tokens (RFC 9711) in the TEEP profile: evidence a TEEP Agent sends in its
// QueryResponse, signed by the TEE's attestation key.
namespace teep::attestation {

namespace claim {
inline constexpr qint64 Cnf = 8;
inline constexpr qint64 Nonce = 10;
inline constexpr qint64 Ueid = 256;
inline constexpr qint64 Oemid = 258;
inline constexpr qint64 Hwmodel = 259;
inline constexpr qint64 Hwversion = 260;
inline constexpr qint64 Profile = 265;
inline constexpr qint64 Manifests = 273; // as the TEEP profile numbers it
// RFC 9711's `measurements`: the same key. Its measured-component entries are told apart from the
// TEEP profile's SUIT reports by their media type and shape (measuredcomponent.h).
inline constexpr qint64 Measurements = 273;
} // namespace claim

QString claimName(qint64 key); // "ueid", "eat_nonce", ... or "claim <key>"

struct EvidenceSpec
{
    QByteArray ueid;    // e.g. 0x01 || 16 random bytes (RAND type)
    QByteArray oemid;   // 3-byte IEEE OUI or 16-byte random
    QByteArray hwmodel;
    QString hwversion;
    QCborArray manifests; // [+ [content-type, bstr content]] of installed components
    crypto::Key agentKey; // the TEEP Agent's key, bound through cnf
    QByteArray nonce;     // the TAM's challenge
    QList<QByteArray> attestationChain; // DER: the attestation key's certificate and its CAs, sent as x5chain
};

// The claims map, COSE_Sign1-signed by the TEE's attestation key (payload in deterministic CBOR).
Result<QByteArray> buildEvidence(const EvidenceSpec &spec, const crypto::cose::SigningKey &attestationKey);

enum class Outcome { Pass, Warn, Fail };
QString outcomeName(Outcome outcome); // "pass", "warn", "fail": as stored and exported
std::optional<Outcome> outcomeFromName(QStringView name);

struct Check
{
    QString name;   // "signature", "nonce", "cnf", "claim ueid", ...
    Outcome outcome = Outcome::Fail;
    QString detail; // why
};

struct EvidenceVerification
{
    QCborMap claims;
    // With no agent key given: the key the evidence's cnf binds, once its signature verified.
    crypto::Key boundAgentKey;
    QList<Check> checks;
    bool passed() const; // no check failed
    QString summary() const; // the first failure, or "all checks passed"
};

// Every check, each with its outcome: the COSE signature by `attestationKey`, eat_nonce equal to
// `expectedNonce`, cnf naming `agentKey` (a COSE_Key or an RFC 9679 kid), and the TEEP profile's
// required claims (ueid, oemid, hwmodel, hwversion, manifests, cnf). Never throws away a result:
// a malformed token yields a failed "format" check. With a null `agentKey` (a device not known
// yet) the cnf check passes for a COSE_Key, which `boundAgentKey` then holds.
EvidenceVerification verifyEvidence(const QByteArray &token, const crypto::Key &attestationKey,
                                    const crypto::cose::AlgorithmPolicy &policy, const QByteArray &expectedNonce,
                                    const crypto::Key &agentKey);

} // namespace teep::attestation
