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

    crypto::jose::JwsSigner jwsSigner() const;
};

// The active TAM identity with its private key (the key store must be unlocked unless the identity
// is the demo one).
Result<TamCredentials> loadActiveTam(QSqlDatabase db, store::KeyStore &keys);

} // namespace teep::tam
