#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QString>

// A new key pair made inside a PKCS#11 token, so that its private half never exists anywhere
// else. libp11 0.4 makes no EC key in a token, and we write no PKCS#11 of our own: GnuTLS's
// p11tool (Debian gnutls-bin) makes it, the PIN given in its environment (never its command
// line), marked for signing: the TAM's TEEP key, a root CA's key, an SP's signer key. (An OTrP
// TAM key must also derive, for ECDH: make that one with `pkcs11-tool --usage-sign
// --usage-derive`, which takes its PIN from a terminal only.)
namespace teep::crypto {

// `uri` names the token and the new key's label (object=) and, optionally, its id (id=; else a
// random one). Refused when a key with that label is already there. Returns the key, loaded.
// P-256 and RSA keys; Ed25519 where the token and p11tool make one.
Result<Key> generateInToken(const QString &uri, const Secret &pin, KeyAlgorithm algorithm);

} // namespace teep::crypto
