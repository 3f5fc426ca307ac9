#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

namespace teep::tam {

// A service provider: owns security domains and signs its Trusted Applications. Its signer
// certificates must chain to an SP signer CA in the trust-anchor store.
struct ServiceProvider
{
    qint64 id = 0;
    QString spid; // stable identifier used in OTrP (spid) and on the command line
    QString name;
    QList<crypto::Certificate> certificates; // current signers: TAs signed by them are accepted
    QDateTime createdAt;
    QList<crypto::Certificate> retired; // signers a rollover replaced: no longer accepted
};

class ServiceProviders
{
public:
    ServiceProviders(QSqlDatabase db, const Clock &clock, QString actor);

    Result<ServiceProvider> add(const QString &spid, const QString &name);
    // A TA-signing certificate for the SP (PEM or DER; a chain may follow the signer). It must be
    // an end-entity certificate that chains to an SP signer CA and allows digital signatures.
    Result<ServiceProvider> addCertificate(const QString &spid, const QByteArray &data);
    Status remove(const QString &spid);
    // A signer certificate a newer one replaced (its rollover): TAs it signs are no longer
    // accepted, nor delivered by OTrP. Refused for the SP's last current certificate (add its
    // successor first). Returns the TA versions whose manifests it signed ("taid vN"): the ones
    // to sign again with the new key. One transaction, audited.
    Result<QStringList> retireCertificate(const QString &spid, const QString &fingerprintSha256);

    Result<QList<ServiceProvider>> list() const;
    Result<ServiceProvider> get(const QString &spid) const;

private:
    Result<QList<ServiceProvider>> select(const QString &spid) const;

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
