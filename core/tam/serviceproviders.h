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
    QList<crypto::Certificate> certificates;
    QDateTime createdAt;
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

    Result<QList<ServiceProvider>> list() const;
    Result<ServiceProvider> get(const QString &spid) const;

private:
    Result<QList<ServiceProvider>> select(const QString &spid) const;

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
