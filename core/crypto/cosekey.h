#pragma once

#include "common/error.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QCborMap>

namespace teep::crypto {

// The public COSE_Key of an EC P-256/P-384 or Ed25519 key (RFC 9053: kty, crv, x[, y]).
Result<QCborMap> toCoseKey(const Key &key);
// A public key from a COSE_Key; refuses unknown kty/crv and points not on the curve.
Result<Key> fromCoseKey(const QCborMap &coseKey);
// RFC 9679 COSE Key thumbprint: SHA-256 over the deterministic encoding of the required
// parameters. TEEP uses it as the `kid` of TAM and Agent keys.
Result<QByteArray> coseKeyThumbprint(const Key &key);

} // namespace teep::crypto
