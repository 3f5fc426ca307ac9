#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

// The record a factory keeps of a batch: per device and TEE, who registered it, how it attested,
// what it holds and what it refused, when it was last provisioned and how that went. A batch is
// the devices of a group, those last in contact within a time window, or both (what the Devices
// view's filter shows, in the console). `teepctl devices report` and the console write the same CSV.
namespace teep::tam {

struct ReportScope
{
    QString filter; // as the Devices view's filter: part of a name, serial or group; "" all
    QString group;  // exactly this group; "" any
    QString since;  // last contact at or after (ISO 8601 UTC, as stored); "" no bound
    QString until;  // last contact before; "" no bound
};

struct ReportRow
{
    QString device;
    QString serial;
    QString group;
    QString identity;     // registered, attested (learned), tofu-demo
    QString registeredBy; // the operator, for registered devices (from the audit log)
    QString tee;
    QString protocol;
    QString attestation;  // the last tier, "" never attested
    QString installed;    // "taid vN; ..."
    QString refused;      // "taid vN: why; ..."
    QString lastContact;
    QString lastOutcome;
};

Result<QList<ReportRow>> provisioningReport(QSqlDatabase db, const ReportScope &scope);
// The report as CSV with a header line (common/csv.h: quoted where needed, formulas defused).
QByteArray reportCsv(const QList<ReportRow> &rows);

} // namespace teep::tam
