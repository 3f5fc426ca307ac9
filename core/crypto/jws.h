#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "crypto/signature.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>

// JSON Web Signature (RFC 7515) for OTrP: flattened and general JSON serializations, RS256 and
// ES256 only (never "none", never an HMAC), the signer's certificate chain in x5c.
namespace teep::crypto::jose {

// base64url without padding (RFC 7515 2); decoding refuses padding, whitespace and other
// alphabets, so a value has exactly one encoding.
QByteArray base64UrlEncode(const QByteArray &bytes);
Result<QByteArray> base64UrlDecode(const QByteArray &text, const QString &where);

inline constexpr qsizetype kMaxJoseInput = 8 * 1024 * 1024;

// RS256 and ES256 to signature schemes; any other alg is jose.unsupported-alg.
Result<SignatureScheme> schemeForAlg(const QString &alg);
// The JWS alg a key signs with here: RS256 for RSA keys, ES256 otherwise.
QString signingAlgFor(const Key &key);

struct JwsSigner
{
    Key key;
    QString alg = QStringLiteral("ES256"); // "ES256" or "RS256"
    QList<Certificate> x5c;                  // leaf first; empty: none sent
};

// The flattened serialization {"payload", "protected", "signature"}.
Result<nlohmann::json> signFlattened(const QByteArray &payload, const JwsSigner &signer);
// The general serialization {"payload", "signatures": [...]} with one entry per signer.
Result<nlohmann::json> signGeneral(const QByteArray &payload, const QList<JwsSigner> &signers);

struct JwsSignature
{
    QByteArray protectedHeaderJson; // decoded: a JSON object with an accepted alg
    QByteArray protectedB64;        // as signed
    QByteArray signature;
    QString alg;
    QList<Certificate> x5c;
};

struct Jws
{
    QByteArray payload;
    QByteArray payloadB64;
    QList<JwsSignature> signatures;
};

// Structure only: flattened or general form, base64url everywhere, protected headers that are JSON
// objects with an allowed alg, no crit, x5c certificates that parse. Nothing is trusted yet.
Result<Jws> parse(const nlohmann::json &json, const QStringList &allowedAlgs = {QStringLiteral("RS256"), QStringLiteral("ES256")});
// Valid when a signature verifies with `key`.
Status verify(const Jws &jws, const Key &key);

} // namespace teep::crypto::jose
