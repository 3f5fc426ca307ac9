#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "protocol/otrp/tamid.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

#include <optional>

namespace teep::store {
class KeyStore;
}

namespace teep::tam {

// The TAM's own identity: the certificate it signs TEEP/OTrP messages with, its key, the chain
// up to the TAM root CA that devices embed, and the TAM id carried in the certificate.
struct TamIdentity
{
    qint64 id = 0;
    QString name;
    QString tamId; // from the certificate's subjectAltName: a URI, or "oid:<registeredID>"
    QString state; // "csr-pending", "ready", "retired"
    crypto::Certificate certificate;
    QList<crypto::Certificate> chain; // issuers, up to the root
    QByteArray csrDer;
    qint64 keyId = 0;
    qint64 rootKeyId = 0; // 0 unless this console created the root CA
    bool active = false;
    bool demoUnprotected = false;
    QDateTime createdAt;
    // Set while a rollover's new identity is active and this one still signs beside it (until
    // the operator retires it): the end the operator planned.
    QDateTime overlapUntil;
    bool inOverlap() const { return state == QLatin1String("ready") && !active && overlapUntil.isValid(); }
};

struct GenerateOptions
{
    QString name = QStringLiteral("TAM");
    QString tamId; // empty: a fresh urn:uuid
    QString organization;
    crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256;
    int rootValidityYears = 20;
    int tamValidityYears = 3;
    bool demoUnprotected = false; // trainers' demo identity: keys stored unencrypted, labelled so
    // A bare TAM key that devices already trust (e.g. compiled into deployed agents): the TAM
    // certificate is made for it, under a new TAM root CA, instead of for a fresh key.
    std::optional<crypto::Key> existingKey;
    // The TAM root CA's key where it already is (made in a token): else a new one, kept encrypted
    // in the database.
    std::optional<crypto::Key> existingRootKey;
};

// The TAM id its certificate carries (protocol/otrp/tamid.h).
using protocol::otrp::tamIdFromCertificate;

class TamIdentities
{
public:
    TamIdentities(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QString actor);

    // A new TAM root CA and a TAM certificate under it (for a fresh key, or options.existingKey);
    // the root goes into the TAM root CA store and the identity becomes the active one.
    Result<TamIdentity> generate(const GenerateOptions &options);
    // An existing certificate (with any chain, leaf first or in any order) and its private key.
    Result<TamIdentity> importExisting(const QString &name, const QList<crypto::Certificate> &certificates,
                                       const crypto::Key &key);
    // A key and a CSR for an external CA; the identity waits in state "csr-pending".
    Result<TamIdentity> createCsr(const QString &name, const QString &tamId, crypto::KeyAlgorithm algorithm);
    // The certificate the external CA issued for a pending CSR (with its chain, if given).
    Result<TamIdentity> installIssuedCertificate(qint64 identityId, const QList<crypto::Certificate> &certificates);

    Result<QList<TamIdentity>> list() const;
    Result<TamIdentity> get(qint64 id) const;
    Result<TamIdentity> active() const;
    Result<TamIdentity> byName(const QString &name) const;
    // The active one among identities already read (list() parses every certificate: read once).
    static Result<TamIdentity> activeIn(const QList<TamIdentity> &all);

private:
    // Checks the certificate chain for `key`, stores it, adds new roots to the TAM root CA store,
    // makes the identity active and audits `action`; inside the caller's transaction.
    Status finishReady(qint64 identityId, const crypto::Key &key, const QList<crypto::Certificate> &certificates,
                       const QString &action);

    QSqlDatabase m_db;
    store::KeyStore &m_keys;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
