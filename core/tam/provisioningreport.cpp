#include "tam/provisioningreport.h"

#include "common/csv.h"
#include "store/sql.h"
#include "tam/fleetqueries.h"

#include <QHash>
#include <QSqlQuery>

namespace teep::tam {

namespace {

// Who registered each device, by name: the latest device.registered entry of the audit log.
Result<QHash<QString, QString>> registrars(QSqlDatabase db)
{
    auto rows = store::run(db, QStringLiteral("SELECT object_id, actor FROM audit_log WHERE action = 'device.registered' ORDER BY id"));
    if (!rows)
        return rows.error();
    QHash<QString, QString> result;
    while (rows.value().next())
        result.insert(rows.value().value(0).toString(), rows.value().value(1).toString());
    return result;
}

bool inScope(const DeviceSummary &device, const ReportScope &scope)
{
    if (!scope.group.isEmpty() && device.groupName != scope.group)
        return false;
    if (!scope.since.isEmpty() && (device.lastContact.isEmpty() || device.lastContact < scope.since))
        return false;
    if (!scope.until.isEmpty() && (device.lastContact.isEmpty() || device.lastContact >= scope.until))
        return false;
    return true;
}

} // namespace

Result<QList<ReportRow>> provisioningReport(QSqlDatabase db, const ReportScope &scope)
{
    const Result<QHash<QString, QString>> registeredBy = registrars(db);
    if (!registeredBy)
        return registeredBy.error();
    const FleetQueries fleet(db);
    QList<ReportRow> report;
    DevicePage page{scope.filter, QString(), 0, 500};
    for (;;) {
        const Result<QList<DeviceSummary>> devices = fleet.devices(page);
        if (!devices)
            return devices.error();
        for (const DeviceSummary &device : devices.value()) {
            if (!inScope(device, scope))
                continue;
            ReportRow base{device.name, device.serial, device.groupName, device.identitySource, registeredBy.value().value(device.name),
                           {}, {}, {}, {}, {}, device.lastContact, device.lastOutcome};
            if (device.tees.isEmpty())
                report << base;
            for (const DeviceSummary::Tee &tee : device.tees) {
                ReportRow row = base;
                row.tee = tee.name;
                row.protocol = tee.protocol;
                row.attestation = tee.lastTier;
                QStringList installed;
                for (const auto &[sd, tas] : tee.sds)
                    installed << tas;
                row.installed = installed.join(QStringLiteral("; "));
                row.refused = tee.refused.join(QStringLiteral("; "));
                report << row;
            }
        }
        if (devices.value().size() < page.limit)
            break;
        page.afterName = devices.value().last().name;
        page.afterId = devices.value().last().id;
    }
    return report;
}

QByteArray reportCsv(const QList<ReportRow> &rows)
{
    QString text = csv::line({QStringLiteral("device"), QStringLiteral("serial"), QStringLiteral("group"), QStringLiteral("identity"),
                              QStringLiteral("registered_by"), QStringLiteral("tee"), QStringLiteral("protocol"), QStringLiteral("attestation"),
                              QStringLiteral("installed_tas"), QStringLiteral("refused_tas"), QStringLiteral("last_contact_utc"),
                              QStringLiteral("last_outcome")});
    for (const ReportRow &row : rows)
        text += csv::line({row.device, row.serial, row.group, row.identity, row.registeredBy, row.tee, row.protocol, row.attestation, row.installed,
                           row.refused, row.lastContact, row.lastOutcome});
    return text.toUtf8();
}

} // namespace teep::tam
