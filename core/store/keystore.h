#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QSqlDatabase>

#include <optional>

namespace teep::store {

// The private keys the console holds, in the private_keys table. Unlocked with a passphrase for
// the run of a program and locked again on request; while locked no protected key can be read or
// written. The passphrase is kept only in a wiped-on-lock Secret; decrypted keys live only in the
// crypto::Key objects callers hold. The demo identity's keys are stored unencrypted and labelled.
class KeyStore
{
public:
    explicit KeyStore(QSqlDatabase db);
    // The same keys through another connection (another thread's), unlocked as `keys` is now.
    KeyStore(QSqlDatabase db, const KeyStore &keys);

    bool isUnlocked() const { return !m_passphrase.isEmpty(); }
    // Checks the passphrase against a stored key when there is one; with none stored yet, the
    // first unlock chooses the passphrase (at least 8 characters).
    Status unlock(crypto::Secret passphrase);
    void lock();

    // unlock() in three steps, for a program whose thread must not wait for the key derivation
    // (PBKDF2, a third of a second): what to check against (read here), the check (on any
    // thread), then the unlock with the passphrase the check accepted.
    struct PassphraseProbe
    {
        std::optional<QByteArray> protectedKey; // none: the first unlock chooses the passphrase
    };
    Result<PassphraseProbe> probe() const;
    static Status check(const PassphraseProbe &probe, const crypto::Secret &passphrase);
    void unlockChecked(crypto::Secret passphrase) { m_passphrase = std::move(passphrase); }

    // The PIN of the PKCS#11 token keys are kept in (crypto/pkcs11key), for this run; wiped by
    // lock(). A key in a token needs it, not the passphrase.
    void setTokenPin(crypto::Secret pin) { m_tokenPin = std::move(pin); }
    bool hasTokenPin() const { return !m_tokenPin.isEmpty(); }
    // A key in a token not registered yet (a rollover's new key), opened with this run's PIN.
    Result<crypto::Key> loadTokenKey(const QString &uri) const;
    // A new key made in the token `uri` names (crypto/pkcs11keygen), with this run's PIN.
    Result<crypto::Key> makeTokenKey(const QString &uri, crypto::KeyAlgorithm algorithm) const;

    // Inside the caller's transaction. Returns the new key's id. A key in a token is stored as
    // its URI and public key only.
    Result<qint64> store(const crypto::Key &key, const QString &label, const Clock &clock, bool demoUnprotected = false);
    Result<crypto::Key> load(qint64 id) const;

private:
    QSqlDatabase m_db;
    crypto::Secret m_passphrase;
    crypto::Secret m_tokenPin;
};

} // namespace teep::store
