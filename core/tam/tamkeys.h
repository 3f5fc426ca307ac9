#pragma once

#include "common/error.h"
#include "crypto/pkcs11key.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QStringList>

namespace teep::tam {

// Where each of the TAM's private keys is: the signing key and root CA key of every identity,
// encrypted in this database, unencrypted (the demo's), or in a PKCS#11 token, with the token's
// label, maker, model, serial and slot and whether it is plugged in now. What the console's TAM
// Identity view and `teepctl tam keys` show.
struct TamKey
{
    QString identity;
    QString identityState; // "active", "overlap" (signs beside the active one), "retired", "csr-pending", "ready"
    QString role;          // "signing" or "root CA"
    QString label;
    QString algorithm;
    QString storage;       // "database (passphrase)", "database (demo, NOT ENCRYPTED)", "pkcs11 token"
    QString tokenUri;      // without the module path
    crypto::TokenDescription token; // for a key in a token
};

// Reads the token of each key in a token (the module is loaded, no PIN is asked): may take a
// moment with a hardware token, so run it off a window's thread.
Result<QList<TamKey>> tamKeys(QSqlDatabase db);
// The token URIs the TAM needs a PIN for: keys of identities that still sign (not retired).
Result<QStringList> tokenKeysInUse(QSqlDatabase db);

} // namespace teep::tam
