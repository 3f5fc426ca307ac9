#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/signature.h"

#include <QByteArray>
#include <QCborMap>
#include <QCborValue>
#include <QList>

namespace teep::crypto {

// COSE (RFC 9052) signed objects: COSE_Sign1 (tag 18) and COSE_Sign (tag 98).
namespace cose {

inline constexpr qint64 kHeaderAlg = 1;
inline constexpr qint64 kHeaderCrit = 2;
inline constexpr qint64 kHeaderContentType = 3;
inline constexpr qint64 kHeaderKid = 4;
inline constexpr qint64 kHeaderX5Chain = 33; // RFC 9360

inline constexpr qint64 kES256 = -7;
inline constexpr qint64 kEdDSA = -8;
inline constexpr qint64 kESP256 = -9;
inline constexpr qint64 kEd25519 = -19;
inline constexpr qint64 kES384 = -35;

QString algorithmName(qint64 alg); // "ESP256 (-9)", or "unknown (-260)"
Result<SignatureScheme> schemeFor(qint64 alg);

// Which algorithms a peer may use. TEEP's standard profile is ESP256 and Ed25519; deployed agents
// still sign with ES256 and EdDSA, which a per-peer compatibility setting admits.
struct AlgorithmPolicy
{
    QList<qint64> accepted;
    static AlgorithmPolicy standard() { return {{kESP256, kEd25519}}; }
    static AlgorithmPolicy compatible() { return {{kESP256, kEd25519, kES256, kEdDSA}}; }
    bool accepts(qint64 alg) const { return accepted.contains(alg); }
};

struct Headers
{
    QByteArray protectedBytes; // exactly as on the wire (it is signed)
    QCborMap protectedMap;
    QCborMap unprotectedMap;
    qint64 alg = 0;
    QByteArray kid;
    QList<QByteArray> x5chain; // DER certificates, leaf first (not trusted: only a hint which key to try)
};

struct Signer
{
    Headers headers;
    QByteArray signature;
};

// A decoded COSE_Sign1 (one signer) or COSE_Sign (several). The payload is not trusted until
// verify() succeeded.
struct SignedObject
{
    bool multiSigner = false; // COSE_Sign
    bool detached = false;    // the payload travels elsewhere (SUIT): set `payload` before verify()
    Headers body;             // COSE_Sign1: the signer's headers; COSE_Sign: the body's
    QByteArray payload;
    QList<Signer> signers;
};

struct SigningKey
{
    Key key;
    qint64 alg = kESP256;
    bool withKid = true; // false only to act as a deployed agent that sends none (simulation, tests)
};

// Encoded, tagged COSE objects. The kid (RFC 9679 thumbprint) goes in the unprotected header (unless
// the signer says otherwise), and
// so does `x5chain` (the signer's certificate chain, leaf first) when given.
Result<QByteArray> sign1(const QByteArray &payload, const SigningKey &signer, const QByteArray &externalAad = {},
                         bool detachPayload = false, const QList<QByteArray> &x5chain = {});
Result<QByteArray> signMulti(const QByteArray &payload, const QList<SigningKey> &signers, const QByteArray &externalAad = {});

// Structure and headers only: tag 18 or 98 (an untagged Sign1 array only when `allowUntagged`),
// alg in the protected header, crit naming only understood labels, no label in both buckets.
// `profileLabels`: header labels the caller's profile defines beyond COSE's own (CoRIM's
// corim-meta, 8); any other label is refused.
Result<SignedObject> parse(const QCborValue &value, bool allowUntagged = false, bool allowDetached = false,
                           const QList<qint64> &profileLabels = {});

// Valid when a signer whose algorithm `policy` accepts, and whose kid (if any) is `key`'s RFC 9679
// thumbprint, verifies with `key`. Errors name the algorithm, the kid and the reason.
Status verify(const SignedObject &object, const Key &key, const AlgorithmPolicy &policy,
              const QByteArray &externalAad = {});

} // namespace cose
} // namespace teep::crypto
