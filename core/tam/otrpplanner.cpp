#include "tam/otrpplanner.h"

#include <QSet>

namespace teep::tam {

using protocol::otrp::SdEntry;

QString stepCommand(StepKind kind)
{
    switch (kind) {
    case StepKind::CreateSd:
        return QStringLiteral("CreateSD");
    case StepKind::DeleteTa:
        return QStringLiteral("DeleteTA");
    case StepKind::InstallTa:
        return QStringLiteral("InstallTA");
    case StepKind::UpdateTa:
        return QStringLiteral("UpdateTA");
    case StepKind::DeleteSd:
        break;
    }
    return QStringLiteral("DeleteSD");
}

OtrpPlan planOtrp(const QList<DesiredTa> &desired, const QList<SdEntry> &sds, const QMap<QString, qint64> &installed)
{
    OtrpPlan plan;
    QList<PlannedStep> creates, deletes, installs, sdDeletes;
    QStringList desiredSps; // in the order of the assignments, so that plans are reproducible
    QSet<QString> desiredTaids;
    for (const DesiredTa &ta : desired) {
        if (!desiredSps.contains(ta.spid))
            desiredSps << ta.spid;
        desiredTaids << ta.taid;
    }
    auto sdOf = [&](const QString &spid) -> QString {
        for (const SdEntry &sd : sds) {
            if (sd.spid == spid)
                return sd.name;
        }
        return QString();
    };
    auto locate = [&](const QString &taid) -> const SdEntry * {
        for (const SdEntry &sd : sds) {
            if (std::any_of(sd.tas.cbegin(), sd.tas.cend(), [&](const protocol::otrp::TaEntry &ta) { return ta.taid == taid; }))
                return &sd;
        }
        return nullptr;
    };

    for (const QString &spid : std::as_const(desiredSps)) {
        if (sdOf(spid).isEmpty())
            creates << PlannedStep{StepKind::CreateSd, spid, spid, {}, std::nullopt, QStringLiteral("SP %1 has no security domain yet").arg(spid)};
    }
    for (const DesiredTa &ta : desired) {
        const QString sdName = sdOf(ta.spid).isEmpty() ? ta.spid : sdOf(ta.spid);
        const SdEntry *where = locate(ta.taid);
        if (!where) {
            installs << PlannedStep{StepKind::InstallTa, sdName, ta.spid, ta.taid, ta, QStringLiteral("assigned version %1 is not installed").arg(ta.sequence)};
            continue;
        }
        if (where->spid != ta.spid) {
            // The TA sits in another SP's domain: take it out and install it where it belongs.
            deletes << PlannedStep{StepKind::DeleteTa, where->name, where->spid, ta.taid, std::nullopt, QStringLiteral("in another SP's domain")};
            installs << PlannedStep{StepKind::InstallTa, sdName, ta.spid, ta.taid, ta, QStringLiteral("moved to SP %1's domain").arg(ta.spid)};
            continue;
        }
        const auto known = installed.constFind(ta.taid);
        if (known == installed.cend()) {
            // The TEE has the TA but the TAM has no record of its version (e.g. the TAM stopped
            // between the TEE's answer and its own write): reinstall, which converges whatever it was.
            deletes << PlannedStep{StepKind::DeleteTa, where->name, ta.spid, ta.taid, std::nullopt,
                                   QStringLiteral("installed version unknown to the TAM: reinstall")};
            installs << PlannedStep{StepKind::InstallTa, where->name, ta.spid, ta.taid, ta, QStringLiteral("reinstall version %1").arg(ta.sequence)};
        } else if (*known < ta.sequence) {
            installs << PlannedStep{StepKind::UpdateTa, where->name, ta.spid, ta.taid, ta, QStringLiteral("version %1 -> %2").arg(*known).arg(ta.sequence)};
        } else if (*known > ta.sequence) {
            if (ta.allowRollback) {
                deletes << PlannedStep{StepKind::DeleteTa, where->name, ta.spid, ta.taid, std::nullopt, QStringLiteral("rollback allowed: remove version %1").arg(*known)};
                installs << PlannedStep{StepKind::InstallTa, where->name, ta.spid, ta.taid, ta, QStringLiteral("rollback to version %1").arg(ta.sequence)};
            } else {
                plan.notes << QStringLiteral("%1: version %2 is installed; the assigned version %3 is older and rollback is not allowed")
                                  .arg(ta.taid)
                                  .arg(*known)
                                  .arg(ta.sequence);
            }
        }
    }
    for (const SdEntry &sd : sds) {
        if (!desiredSps.contains(sd.spid)) {
            sdDeletes << PlannedStep{StepKind::DeleteSd, sd.name, sd.spid, {}, std::nullopt, QStringLiteral("no TA of SP %1 is assigned").arg(sd.spid)};
            continue;
        }
        for (const protocol::otrp::TaEntry &ta : sd.tas) {
            if (!desiredTaids.contains(ta.taid))
                deletes << PlannedStep{StepKind::DeleteTa, sd.name, sd.spid, ta.taid, std::nullopt, QStringLiteral("no longer assigned")};
        }
    }
    plan.steps = creates + deletes + installs + sdDeletes;
    return plan;
}

} // namespace teep::tam
