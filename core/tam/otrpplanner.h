#pragma once

#include "protocol/otrp/dsi.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// What a TEE should get next, from what the operator assigned and what the TEE reports (OTrP).
// Pure: no database, no crypto; the engine executes the steps.
//
// Decision: each SP gets one security domain per TEE, named after its SP id, created with the
// SP's first TA and deleted (with deleteta) when none of its TAs is assigned any more.
namespace teep::tam {

struct DesiredTa
{
    qint64 versionId = 0;
    QString taid;
    QString spid;
    qint64 sequence = 0;
    QByteArray signedTa;  // OTrP: the SP-signed TA
    bool allowRollback = false;
    QByteArray manifest;  // TEEP: the SP-signed SUIT envelope (empty when none was attached)
    QByteArray manifestByUri; // TEEP: the same TA's envelope that names its payload by URI (empty: none)
    bool requested = false;  // desired because the device asked for it (an approved request), not assigned
    bool haveBinary = false; // TEEP: the device holds the binary already (bundled in its client app)
};

enum class StepKind { CreateSd, DeleteTa, InstallTa, UpdateTa, DeleteSd };
QString stepCommand(StepKind kind); // the OTrP command name

struct PlannedStep
{
    StepKind kind = StepKind::CreateSd;
    QString sdName;
    QString spid;
    QString taid;
    std::optional<DesiredTa> ta; // InstallTa, UpdateTa
    QString reason;              // for the session log
};

struct OtrpPlan
{
    QList<PlannedStep> steps; // in order: CreateSd, DeleteTa, InstallTa/UpdateTa, DeleteSd
    QStringList notes;        // what was deliberately not done (e.g. a refused rollback)
};

// `sds` are this TAM's domains as the TEE reported them; `installed` maps taid to the version the
// TAM recorded as installed on this TEE (missing when unknown).
OtrpPlan planOtrp(const QList<DesiredTa> &desired, const QList<protocol::otrp::SdEntry> &sds, const QMap<QString, qint64> &installed);

} // namespace teep::tam
