#pragma once

#include "attestation/sgxcollateral.h"
#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <utility>

// Intel's SGX collateral the operator imported (attestation/sgxcollateral.h): files verified against
// the TEE root store before anything is stored, one transaction and one audit entry per import,
// read back (and verified again) for each SGX appraisal.
namespace teep::tam {

struct SgxCollateralRow
{
    qint64 id = 0;
    QString kind;    // "tcb-info", "qe-identity", "crl", "certificates"
    QString subject; // "FMSPC 00906ed50000", "QE", the CRL's issuer, the certificates' names
    QString source;
    QString issued;
    QString nextUpdate;
    QString importedAt;
    QString importedBy;
};

struct SgxCollateralImport
{
    QList<SgxCollateralRow> added;
    QStringList unchanged; // files already imported, byte for byte
    QStringList replaced;  // older TCB info / QE identity / CRLs the new ones superseded
};

class SgxCollateralStore
{
public:
    SgxCollateralStore(QSqlDatabase db, const Clock &clock, QString actor);

    // Verifies the files together with what is kept (certificates imported before sign what comes
    // now) and stores them; a newer TCB info, QE identity or CRL replaces the older of the same
    // subject, and an older one than the kept is refused. Refused whole, nothing stored.
    Result<SgxCollateralImport> importFiles(const QList<std::pair<QString, QByteArray>> &files);
    Status remove(qint64 id);
    Result<QList<SgxCollateralRow>> rows() const;
    // Everything kept, verified again against today's TEE root store (read here, or given by a
    // caller that has read it already).
    Result<attestation::sgx::Collateral> collateral() const;
    Result<attestation::sgx::Collateral> collateral(const QList<crypto::Certificate> &teeRoots) const;

private:
    Result<QList<std::pair<QString, QByteArray>>> storedFiles() const;
    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
