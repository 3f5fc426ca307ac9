#pragma once

#include "common/error.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>

// The fleet at a glance, for the console's Overview: devices by trust tier (a device counts at its
// worst TEE's latest tier), sessions completed and failed per hour over the last day, each TA
// version's installations, and the requests waiting for an operator. Aggregated in the database
// (GROUP BY), so that a million devices cost a few queries, not a million rows.
namespace teep::tam {

struct FleetOverview
{
    qint64 devices = 0;
    // "affirming", "warning", "identified", "contraindicated", and "none" (never attested)
    QMap<QString, qint64> tiers;
    struct Hour
    {
        QDateTime start; // UTC, on the hour
        qint64 completed = 0;
        qint64 failed = 0; // failed or expired
    };
    QList<Hour> hours; // the last 24, oldest first, every hour present
    struct Rollout
    {
        QString taid;
        qint64 version = 0;
        qint64 installed = 0;
        qint64 failed = 0;
    };
    QList<Rollout> rollout; // by TA, then version
    qint64 pendingRequests = 0;
};

inline constexpr int kOverviewHours = 24;

Result<FleetOverview> fleetOverview(QSqlDatabase db, const QDateTime &now);
// The tiers in the order a chart shows them, best first.
QStringList overviewTiers();

} // namespace teep::tam
