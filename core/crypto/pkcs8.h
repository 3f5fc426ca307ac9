#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

namespace teep::crypto {

// Private keys at rest: PKCS#8 EncryptedPrivateKeyInfo, PBES2 with PBKDF2-HMAC-SHA256 and
// AES-256-CBC. 600,000 iterations by default (OWASP's 2023 figure for PBKDF2-SHA256); the
// `openssl pkey` command reads the result given the passphrase.
inline constexpr int kPbkdf2DefaultIterations = 600000;
// What we accept when reading: enough for any sane writer, bounded so that a hostile file cannot
// make us spin for minutes.
inline constexpr int kPbkdf2MaxIterations = 10000000;
inline constexpr int kPbkdf2MinIterations = 1000;

Result<QByteArray> encryptPrivateKey(const Key &key, const Secret &passphrase,
                                     int iterations = kPbkdf2DefaultIterations);
Result<Key> decryptPrivateKey(const QByteArray &encryptedDer, const Secret &passphrase);

// Unencrypted PKCS#8 DER: only for the labelled demo identity. The returned Secret is wiped.
Result<Secret> plainPrivateKey(const Key &key);
Result<Key> readPlainPrivateKey(const QByteArray &der);

// A private key in PEM as other tools write it: PKCS#8 (encrypted or not) or the traditional
// RSA/EC forms. `passphrase` may be empty for unencrypted keys.
Result<Key> readPrivateKeyPem(const QByteArray &pem, const Secret &passphrase);

// PEM armour for DER bytes ("ENCRYPTED PRIVATE KEY", "CERTIFICATE", ...).
QByteArray pemEncode(const QByteArray &der, const char *label);
// The DER inside the first PEM block with `label`, or an empty array.
QByteArray pemDecode(const QByteArray &pem, const char *label);

} // namespace teep::crypto
