#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QSqlDatabase>

namespace teep::store {

// The private keys the console holds, in the private_keys table. Unlocked with a passphrase for
// the run of a program and locked again on request; while locked no protected key can be read or
// written. The passphrase is kept only in a wiped-on-lock Secret; decrypted keys live only in the
// crypto::Key objects callers hold. The demo identity's keys are stored unencrypted and labelled.
class KeyStore
{
public:
    explicit KeyStore(QSqlDatabase db);

    bool isUnlocked() const { return !m_passphrase.isEmpty(); }
    // True when at least one passphrase-protected key is stored (the passphrase is then fixed).
    Result<bool> hasProtectedKeys() const;
    // Checks the passphrase against a stored key when there is one; with none stored yet, the
    // first unlock chooses the passphrase (at least 8 characters).
    Status unlock(crypto::Secret passphrase);
    void lock();

    // Inside the caller's transaction. Returns the new key's id.
    Result<qint64> store(const crypto::Key &key, const QString &label, const Clock &clock, bool demoUnprotected = false);
    Result<crypto::Key> load(qint64 id) const;

private:
    QSqlDatabase m_db;
    crypto::Secret m_passphrase;
};

} // namespace teep::store
