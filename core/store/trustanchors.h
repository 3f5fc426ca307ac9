#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "crypto/truststore.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

namespace teep::store {

struct TrustAnchor
{
    qint64 id = 0;
    crypto::TrustStore store = crypto::TrustStore::TamRoot;
    bool isCertificate = true; // false: a bare public key (Verifier keys)
    QString label;
    QString subject;
    QString fingerprint; // SHA-256, colon-separated upper-case hex (of the DER certificate or SPKI)
    QByteArray der;      // certificate or SubjectPublicKeyInfo
    QDateTime notBefore; // certificates only
    QDateTime notAfter;
    QDateTime addedAt;

    crypto::Certificate certificate() const; // null for public keys
    crypto::Key publicKey() const;
};

// The trust-anchor stores in the database. Every change is one transaction with its audit entry.
class TrustAnchors
{
public:
    TrustAnchors(QSqlDatabase db, const Clock &clock, QString actor);

    Result<QList<TrustAnchor>> list(crypto::TrustStore store) const;
    Result<TrustAnchor> get(qint64 id) const;
    // The certificates of a store, for a ChainVerifier.
    Result<QList<crypto::Certificate>> certificates(crypto::TrustStore store) const;

    // Imports every certificate in `data` (PEM, DER, PKCS#7) into `store`: all of them or, if any
    // fails the admission rules or is already there, none. Returns the new ids.
    Result<QList<qint64>> importCertificates(crypto::TrustStore store, const QByteArray &data);
    // The same admission for already parsed certificates, inside the caller's transaction.
    // With `skipPresent`, a certificate already in the store is passed over instead of refused.
    Result<QList<qint64>> addWithinTransaction(crypto::TrustStore store, const QList<crypto::Certificate> &certificates,
                                               bool skipPresent = false);
    // A Verifier's bare public key (PEM or DER SubjectPublicKeyInfo), under a label.
    Result<qint64> importPublicKey(crypto::TrustStore store, const QByteArray &data, const QString &label);
    Status remove(qint64 id);

private:
    Result<qint64> insert(const TrustAnchor &anchor);
    Status ensureNotPresent(crypto::TrustStore store, const QString &fingerprint) const;

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::store
