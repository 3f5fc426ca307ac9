#pragma once

#include "common/error.h"
#include "crypto/key.h"

#include <QByteArray>

namespace teep::crypto {

// The signature schemes COSE and JOSE name. ECDSA signatures are in the raw r||s form both use
// (fixed-width, big-endian), never DER.
enum class SignatureScheme {
    EcdsaP256Sha256, // COSE -7 ES256 / -9 ESP256, JOSE ES256
    EcdsaP384Sha384, // COSE -35 ES384 / -51 ESP384
    Ed25519,         // COSE -8 EdDSA (with an Ed25519 key) / -19 Ed25519
    RsaPkcs1Sha256,  // JOSE RS256
};

QString schemeName(SignatureScheme scheme);
// Whether `key` is of the kind `scheme` needs (curve, type); an Error says what is expected.
Status checkKeyFits(const Key &key, SignatureScheme scheme);

Result<QByteArray> signRaw(const Key &key, SignatureScheme scheme, const QByteArray &message);
// True only when `signature` is a valid signature of `message` by `key` under `scheme`.
Status verifyRaw(const Key &key, SignatureScheme scheme, const QByteArray &message, const QByteArray &signature);

} // namespace teep::crypto
