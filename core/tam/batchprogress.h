#pragma once

#include "tam/provisioningreport.h"

#include <QList>
#include <QString>

// How far a batch is (the devices of a provisioning report: a group, a time window or both): each
// device waiting for its first contact, provisioned, or failed with why. A device is failed when
// its last session failed, a TEE refused a TA, or its evidence was contraindicated; provisioned
// when it was in contact and none of those holds.
namespace teep::tam {

enum class BatchState { Waiting, Provisioned, Failed };

struct BatchDevice
{
    QString device;
    BatchState state = BatchState::Waiting;
    QString why; // for a failed device: the last outcome, the refused TAs or the tier
};

struct BatchProgress
{
    QList<BatchDevice> devices; // in the report's order, one per device (not per TEE)
    int waiting = 0;
    int provisioned = 0;
    int failed = 0;
    int total() const { return int(devices.size()); }
    int done() const { return provisioned + failed; }
};

BatchProgress batchProgress(const QList<ReportRow> &rows);
QString batchStateName(BatchState state);

} // namespace teep::tam
