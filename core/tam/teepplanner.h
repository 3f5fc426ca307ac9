#pragma once

#include "tam/otrpplanner.h"

#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

// What a TEEP device should get next, from what the operator assigned (and the device's approved
// requests), what its agent reports and what the TAM recorded. Pure: no database, no crypto, no
// encoding; the engine stores, builds and signs what the plan says (the OTrP planner's twin).
namespace teep::tam {

struct TeepPlanInput
{
    QList<DesiredTa> desired;        // in the order they are to be sent
    QStringList reported;            // taids in the agent's tc-list
    QMap<QString, qint64> installed; // taid -> the version the TAM recorded as installed
    QSet<QString> bundled;           // taids whose binary a client app on the device holds
    QSet<QString> unneeded;          // taids the device said it no longer needs
    bool compatibility = false;      // a deployed agent (compatibility profile)
    qsizetype payloadByUriAbove = 0; // manifests larger than this name their payload by URI
};

// The form a manifest is sent in: with its payload, without it (the device has the binary,
// authorised by its digest), or naming it by URI (the device fetches it).
enum class ManifestForm { Integrated, WithoutPayload, ByUri };

struct PlannedManifest
{
    DesiredTa ta;
    ManifestForm form = ManifestForm::Integrated;
};

struct TeepPlan
{
    QStringList gone;                 // recorded as installed, no longer reported: record them removed
    QStringList reinstall;            // an allowed rollback: unneeded first, then installed afresh
    QList<PlannedManifest> manifests; // to install or update, in order
    QStringList remove;               // reported, not desired: the Update's unneeded list
    QStringList notes;                // what was deliberately not done, and why
};

TeepPlan planTeep(const TeepPlanInput &input);

} // namespace teep::tam
