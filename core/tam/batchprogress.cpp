#include "tam/batchprogress.h"

namespace teep::tam {

namespace {

// Why this row (one TEE of a device) fails its device, the first of: the failed session (which
// names what was refused), a refused TA, contraindicated evidence; empty when none holds.
QString failureOf(const ReportRow &row)
{
    if (row.lastOutcome.startsWith(QLatin1String("failed")))
        return row.lastOutcome;
    if (!row.refused.isEmpty())
        return QStringLiteral("refused %1").arg(row.refused);
    if (row.attestation == QLatin1String("contraindicated"))
        return QStringLiteral("%1: attestation contraindicated").arg(row.tee);
    return {};
}

} // namespace

BatchProgress batchProgress(const QList<ReportRow> &rows)
{
    BatchProgress progress;
    for (const ReportRow &row : rows) {
        // A device's TEEs are consecutive rows of the report.
        if (progress.devices.isEmpty() || progress.devices.last().device != row.device) {
            BatchDevice device;
            device.device = row.device;
            device.state = row.lastContact.isEmpty() ? BatchState::Waiting : BatchState::Provisioned;
            progress.devices << device;
        }
        BatchDevice &device = progress.devices.last();
        if (device.state == BatchState::Waiting)
            continue;
        if (const QString why = failureOf(row); !why.isEmpty()) {
            device.state = BatchState::Failed;
            if (!device.why.contains(why))
                device.why = device.why.isEmpty() ? why : device.why + QStringLiteral("; ") + why;
        }
    }
    for (const BatchDevice &device : progress.devices)
        ++(device.state == BatchState::Waiting ? progress.waiting : device.state == BatchState::Failed ? progress.failed : progress.provisioned);
    return progress;
}

QString batchStateName(BatchState state)
{
    switch (state) {
    case BatchState::Waiting:
        return QStringLiteral("waiting");
    case BatchState::Provisioned:
        return QStringLiteral("provisioned");
    case BatchState::Failed:
        break;
    }
    return QStringLiteral("failed");
}

} // namespace teep::tam
