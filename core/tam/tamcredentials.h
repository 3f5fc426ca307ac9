#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/jws.h"
#include "crypto/key.h"

#include <QSqlDatabase>

namespace teep::store {
class KeyStore;
}

namespace teep::tam {

// What the TAM signs and decrypts with during sessions: the active identity's key, certificate,
// chain (sent as x5c up to the root) and TAM id.
struct TamCredentials
{
    crypto::Key key;
    crypto::Certificate certificate;
    QList<crypto::Certificate> chain; // issuers, up to the root
    QString tamId;
    // The keys of identities a rollover replaced that still sign beside this one (their overlap):
    // devices pin the TAM's key, and each TEEP message carries a signature by every one of them.
    QList<crypto::Key> previousKeys;

    crypto::jose::JwsSigner jwsSigner() const;
};

// The active TAM identity with its private key (the key store must be unlocked unless the identity
// is the demo one), and the keys of the identities in a rollover's overlap.
Result<TamCredentials> loadActiveTam(QSqlDatabase db, store::KeyStore &keys);

} // namespace teep::tam
