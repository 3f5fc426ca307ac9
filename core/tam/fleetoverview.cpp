#include "tam/fleetoverview.h"

#include "store/sql.h"

namespace teep::tam {

using store::run;

QStringList overviewTiers()
{
    return {QStringLiteral("affirming"), QStringLiteral("identified"), QStringLiteral("warning"), QStringLiteral("contraindicated"), QStringLiteral("none")};
}

namespace {

Status countTiers(const QSqlDatabase &db, FleetOverview &overview)
{
    // Each TEE's latest result, each device at its worst TEE (a device with no result: none).
    auto rows = run(db, QStringLiteral("SELECT worst, COUNT(*) FROM (SELECT device_id, MAX(tier_rank) AS worst FROM (SELECT t.device_id, "
                                       "CASE (SELECT tier FROM attestation_results a WHERE a.tee_id = t.id ORDER BY a.id DESC LIMIT 1) "
                                       "WHEN 'affirming' THEN 1 WHEN 'identified' THEN 2 WHEN 'warning' THEN 3 WHEN 'contraindicated' THEN 4 ELSE 0 END "
                                       "AS tier_rank FROM tees t) ranked GROUP BY device_id) worst_per_device GROUP BY worst"));
    if (!rows)
        return rows.error();
    const QStringList byRank = {QStringLiteral("none"), QStringLiteral("affirming"), QStringLiteral("identified"), QStringLiteral("warning"),
                                QStringLiteral("contraindicated")};
    qint64 counted = 0;
    for (const QString &tier : overviewTiers())
        overview.tiers.insert(tier, 0);
    while (rows.value().next()) {
        const qint64 count = rows.value().value(1).toLongLong();
        overview.tiers[byRank.value(rows.value().value(0).toInt(), QStringLiteral("none"))] += count;
        counted += count;
    }
    overview.tiers[QStringLiteral("none")] += qMax<qint64>(0, overview.devices - counted); // registered, no TEE yet
    return {};
}

Status countSessions(const QSqlDatabase &db, const QDateTime &now, FleetOverview &overview)
{
    const QDateTime thisHour(now.toUTC().date(), QTime(now.toUTC().time().hour(), 0), Qt::UTC);
    const QDateTime first = thisHour.addSecs(-3600 * (kOverviewHours - 1));
    for (int i = 0; i < kOverviewHours; ++i)
        overview.hours << FleetOverview::Hour{first.addSecs(3600 * i), 0, 0};
    // started_at is ISO 8601 UTC: its first 13 characters name the hour.
    auto rows = run(db, QStringLiteral("SELECT SUBSTR(started_at, 1, 13), state, COUNT(*) FROM sessions WHERE started_at >= ? AND state <> 'open' "
                                       "GROUP BY SUBSTR(started_at, 1, 13), state"),
                    {store::isoUtc(first)});
    if (!rows)
        return rows.error();
    while (rows.value().next()) {
        const QDateTime hour = QDateTime::fromString(rows.value().value(0).toString() + QStringLiteral(":00:00Z"), Qt::ISODate);
        const qsizetype index = first.secsTo(hour) / 3600;
        if (!hour.isValid() || index < 0 || index >= overview.hours.size())
            continue;
        FleetOverview::Hour &slot = overview.hours[index];
        (rows.value().value(1).toString() == QLatin1String("completed") ? slot.completed : slot.failed) += rows.value().value(2).toLongLong();
    }
    return {};
}

Status countRollout(const QSqlDatabase &db, FleetOverview &overview)
{
    auto rows = run(db, QStringLiteral("SELECT t.name, v.sequence_number, SUM(CASE WHEN i.state = 'installed' THEN 1 ELSE 0 END), "
                                       "SUM(CASE WHEN i.state = 'failed' THEN 1 ELSE 0 END) FROM installations i "
                                       "JOIN ta_versions v ON v.id = i.ta_version_id JOIN trusted_apps t ON t.id = v.ta_id "
                                       "WHERE i.state IN ('installed', 'failed') GROUP BY t.name, v.sequence_number ORDER BY t.name, v.sequence_number"));
    if (!rows)
        return rows.error();
    while (rows.value().next())
        overview.rollout << FleetOverview::Rollout{rows.value().value(0).toString(), rows.value().value(1).toLongLong(), rows.value().value(2).toLongLong(),
                                                   rows.value().value(3).toLongLong()};
    return {};
}

Result<qint64> count(const QSqlDatabase &db, const QString &sql)
{
    auto rows = run(db, sql);
    if (!rows)
        return rows.error();
    return rows.value().next() ? rows.value().value(0).toLongLong() : qint64(0);
}

} // namespace

Result<FleetOverview> fleetOverview(QSqlDatabase db, const QDateTime &now)
{
    FleetOverview overview;
    const Result<qint64> devices = count(db, QStringLiteral("SELECT COUNT(*) FROM devices"));
    if (!devices)
        return devices.error();
    overview.devices = devices.value();
    const Result<qint64> pending = count(db, QStringLiteral("SELECT COUNT(*) FROM ta_requests WHERE status = 'pending'"));
    if (!pending)
        return pending.error();
    overview.pendingRequests = pending.value();
    for (const Status &counted : {countTiers(db, overview), countSessions(db, now, overview), countRollout(db, overview)}) {
        if (!counted)
            return counted.error();
    }
    return overview;
}

} // namespace teep::tam
