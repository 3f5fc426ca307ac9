#include "tam/teepplanner.h"

namespace teep::tam {

namespace {

// Where the device stands with a TA: not on it, on it at a version the TAM never recorded, or at
// the recorded version.
constexpr qint64 kAbsent = -2;
constexpr qint64 kUnknownVersion = -1;

ManifestForm formFor(const TeepPlanInput &input, const DesiredTa &ta, qint64 version)
{
    if (ta.haveBinary && version == kAbsent && input.bundled.contains(ta.taid))
        return ManifestForm::WithoutPayload;
    if (!ta.manifestByUri.isEmpty() && (input.compatibility || ta.manifest.size() > input.payloadByUriAbove))
        return ManifestForm::ByUri; // deployed agents fetch payloads; large ones are fetched too
    return ManifestForm::Integrated;
}

} // namespace

TeepPlan planTeep(const TeepPlanInput &input)
{
    TeepPlan plan;
    for (auto it = input.installed.cbegin(); it != input.installed.cend(); ++it) {
        if (!input.reported.contains(it.key()))
            plan.gone << it.key();
    }
    QSet<QString> desiredTaids;
    for (const DesiredTa &ta : input.desired) {
        desiredTaids << ta.taid;
        if (ta.manifest.isEmpty()) {
            plan.notes << QStringLiteral("%1 v%2 has no SUIT manifest for TEEP devices").arg(ta.taid).arg(ta.sequence);
            continue;
        }
        const qint64 version = input.reported.contains(ta.taid) ? input.installed.value(ta.taid, kUnknownVersion) : kAbsent;
        if (version == ta.sequence)
            continue;
        if (version > ta.sequence) {
            if (!ta.allowRollback) {
                plan.notes << QStringLiteral("%1: version %2 is installed; the assigned version %3 is older and rollback is not allowed")
                                  .arg(ta.taid).arg(version).arg(ta.sequence);
                continue;
            }
            plan.reinstall << ta.taid;
        }
        plan.manifests << PlannedManifest{ta, formFor(input, ta, version)};
    }
    for (const QString &taid : input.reported) {
        if (!desiredTaids.contains(taid))
            plan.remove << taid;
        else if (input.unneeded.contains(taid))
            plan.notes << QStringLiteral("%1 is no longer needed by the device but assigned by the operator: kept").arg(taid);
    }
    return plan;
}

} // namespace teep::tam
