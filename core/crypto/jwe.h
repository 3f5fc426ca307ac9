#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <nlohmann/json_fwd.hpp>

// JSON Web Encryption (RFC 7516/7518) for OTrP, general JSON serialization, no JWE AAD member:
// content A128CBC-HS256 or A256CBC-HS512; keys wrapped with RSA-OAEP-256, ECDH-ES+A128KW or
// ECDH-ES+A256KW, and RSA1_5 only where a device profile explicitly allows that legacy algorithm.
namespace teep::crypto::jose {

struct JweRecipient
{
    Key key;                                      // the recipient's public key
    QString alg = QStringLiteral("ECDH-ES+A128KW"); // key management algorithm
};

// The key management a recipient's key gets here: RSA-OAEP-256 for RSA, ECDH-ES+A128KW otherwise.
QString keyManagementFor(const Key &key);

struct JwePolicy
{
    bool allowRsa15 = false; // RSA1_5 is OTrP's mandatory algorithm but open to padding oracles
};

// Encrypts `plaintext` for every recipient. `cek` may be given (OTrP answers with the request's
// CEK); otherwise a fresh one is drawn.
Result<nlohmann::json> encrypt(const QByteArray &plaintext, const QList<JweRecipient> &recipients,
                               const QString &enc = QStringLiteral("A128CBC-HS256"), const Secret &cek = {},
                               const JwePolicy &policy = {});

struct Decrypted
{
    QByteArray plaintext;
    Secret cek;
    QString alg;
    QString enc;
};

// Decrypts with the recipient entry that `privateKey` can open. Every failure after the key
// unwrap looks the same ("the JWE does not decrypt"), so the answer leaks nothing about padding.
Result<Decrypted> decrypt(const nlohmann::json &json, const Key &privateKey, const JwePolicy &policy = {});

} // namespace teep::crypto::jose
