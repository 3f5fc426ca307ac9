#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/key.h"
#include "tam/tamidentity.h"

#include <QSqlDatabase>
#include <QStringList>

#include <optional>

namespace teep::store {
class KeyStore;
}

namespace teep::tam {

// Key rollover (draft-ietf-teep-protocol-26, operational considerations): a new TAM key and
// certificate replace the active identity, which keeps signing beside the new one until the
// operator retires it.
//
// How devices learn of the new key, per profile: a TEEP agent pins the TAM's key, so during the
// overlap every TEEP message carries a signature by each key (a COSE_Sign; an agent pinning
// either finds one it verifies) while devices get the new key with their firmware or image. An
// OTrP TEE checks the TAM's certificate chain against its TAM root CAs: under the same root it
// accepts the new certificate at once (each message carries it); under a new root it needs that
// root first (teepctl tam export-root).
struct RolloverOptions
{
    QString name;                   // the new identity's name
    std::optional<crypto::Key> key; // a key to use where it is (e.g. in a token); else a new one
    crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256;
    bool newRoot = false;    // a new TAM root CA too (needed when this console does not hold the root's key)
    int overlapDays = 30;    // the overlap the operator plans (shown; the old key signs until retired)
    int tamValidityYears = 3;
};

// Where a rollover stands: the active identity, those still signing beside it, and which devices
// have completed a session since the rollover (and so have met the new certificate).
struct RolloverStatus
{
    TamIdentity current;
    QList<TamIdentity> overlapping;
    QDateTime since; // when the current identity became active
    qint64 devices = 0;
    qint64 talkedSince = 0;
    QStringList notYetSeen; // names, the first kNotYetSeenShown
    static constexpr int kNotYetSeenShown = 200;
};

class TamRollover
{
public:
    TamRollover(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QString actor);

    // The active identity rolled over to a new one (same TAM id); one transaction, audited.
    Result<TamIdentity> rollover(const RolloverOptions &options);
    // The identity stops signing; its key stays in the key store (history, audit). Refused for the
    // active identity and one not in an overlap; one transaction, audited.
    Status retire(const QString &name);
    Result<RolloverStatus> status() const;

private:
    QSqlDatabase m_db;
    store::KeyStore &m_keys;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
