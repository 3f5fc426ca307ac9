// FleetQueries::devices: the fleet a page at a time, as the Devices view and `teepctl devices list`
// read it.
#include "tam/fleetqueries.h"

#include "store/sql.h"

#include <QHash>

namespace teep::tam {

using store::run;

namespace {
// More devices than this matching a filter fill a page early in a walk by name.
constexpr int kFewMatches = 5000;
} // namespace

QString FleetQueries::trigramPhrase(const QString &filter)
{
    // One FTS5 phrase: the trigram tokenizer matches it as a substring, in any case.
    return QLatin1Char('"') + QString(filter).replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"');
}

bool FleetQueries::anyGroupMatches(const QString &pattern) const
{
    auto groups = run(m_db, QStringLiteral("SELECT COUNT(*) FROM device_groups WHERE name %1 ? ESCAPE '\\'").arg(store::likeIgnoringCase(m_db)), {pattern});
    return !groups || !groups.value().next() || groups.value().value(0).toLongLong() > 0; // when in doubt, the groups too
}

bool FleetQueries::fewByTrigrams(const QString &filter) const
{
    // SQLite's trigram index answers a filter of three characters or more; PostgreSQL's planner
    // uses its own (pg_trgm) in the query itself.
    if (store::engineOf(m_db) != store::Engine::Sqlite || filter.size() < 3)
        return false;
    auto few = run(m_db, QStringLiteral("SELECT COUNT(*) FROM (SELECT rowid FROM device_search WHERE device_search MATCH ? LIMIT ?)"),
                   {trigramPhrase(filter), kFewMatches + 1});
    return few && few.value().next() && few.value().value(0).toLongLong() <= kFewMatches;
}

Result<QList<DeviceSummary>> FleetQueries::devices(const DevicePage &page) const
{
    // LIKE with a backslash as escape, so that % and _ in the filter match themselves. The groups
    // that match are found once, not joined per device; name, serial and group are all in the
    // devices_by_name index, so a device's row is read only when it matches. A filter few devices
    // match is answered from the trigram index instead (fewByTrigrams).
    QString pattern = page.filter;
    pattern.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('%'), QLatin1String("\\%")).replace(QLatin1Char('_'), QLatin1String("\\_"));
    pattern = QLatin1Char('%') + pattern + QLatin1Char('%');
    const bool after = !page.afterName.isNull();
    const QString like = store::likeIgnoringCase(m_db);
    // A group name that matches brings in its devices, which are many: walked by name. Without
    // one, the groups are left out of the query, so that PostgreSQL's planner can weigh its
    // trigram indexes (an OR with a subquery hides them from it).
    const bool groups = page.filter.isEmpty() || anyGroupMatches(pattern);
    const bool byTrigrams = !groups && fewByTrigrams(page.filter);
    // Either the devices the trigram index names (few: read by id, then sorted), or every device
    // in name order until the page is full (many match, or the filter is too short to index).
    QString candidates = QStringLiteral("(d.name %1 ? ESCAPE '\\' OR d.serial %1 ? ESCAPE '\\'%2)")
                             .arg(like, groups ? QStringLiteral(" OR d.group_id IN (SELECT id FROM device_groups WHERE name %1 ? ESCAPE '\\')").arg(like) : QString());
    if (byTrigrams)
        candidates.prepend(QStringLiteral("d.id IN (SELECT rowid FROM device_search WHERE device_search MATCH ?) AND "));
    QVariantList values{after ? page.afterName : QStringLiteral(""), after ? page.afterId : qint64(-1)};
    if (byTrigrams)
        values << trigramPhrase(page.filter);
    values << pattern << pattern;
    if (groups)
        values << pattern;
    values << qBound(1, page.limit, 1000000);
    auto devices = run(m_db, QStringLiteral("SELECT d.id, d.name, COALESCE(d.serial, ''), d.identity_source, COALESCE(g.name, ''), COALESCE(d.last_contact_at, ''), "
                                            "COALESCE((SELECT peer_address FROM sessions s WHERE s.device_id = d.id ORDER BY s.id DESC LIMIT 1), ''), "
                                            "COALESCE(d.last_outcome, ''), d.refused_signatures, "
                                            "COALESCE(d.last_refused_signature_at || ' from ' || d.last_refused_signature_peer, '') FROM devices d LEFT JOIN device_groups g ON g.id = d.group_id "
                                            "WHERE (d.name, d.id) > (?, ?) AND %1 ORDER BY d.name, d.id LIMIT ?")
                                 .arg(candidates),
                       values);
    if (!devices)
        return devices.error();
    QSqlQuery &rows = devices.value();
    QList<DeviceSummary> result;
    QHash<qint64, qsizetype> deviceRow;
    while (rows.next()) {
        deviceRow.insert(rows.value(0).toLongLong(), result.size());
        result << DeviceSummary{rows.value(0).toLongLong(), rows.value(1).toString(), rows.value(2).toString(),   rows.value(3).toString(),
                                rows.value(4).toString(),   rows.value(5).toString(), rows.value(6).toString(),   rows.value(7).toString(),
                                rows.value(8).toLongLong(), rows.value(9).toString(), {}};
    }
    if (result.isEmpty())
        return result;
    // The page's TEEs, SDs and installed TAs in three queries (not three per device).
    QStringList marks;
    QVariantList ids;
    for (const DeviceSummary &device : std::as_const(result)) {
        marks << QStringLiteral("?");
        ids << device.id;
    }
    const QString in = marks.join(QLatin1Char(','));
    auto tees = run(m_db, QStringLiteral("SELECT t.id, t.device_id, t.tee_name, t.protocol, COALESCE((SELECT tier FROM attestation_results a WHERE a.tee_id = t.id "
                                         "ORDER BY a.id DESC LIMIT 1), '') FROM tees t WHERE t.device_id IN (%1) ORDER BY t.device_id, t.tee_name")
                              .arg(in),
                    ids);
    if (!tees)
        return tees.error();
    QHash<qint64, std::pair<qsizetype, qsizetype>> teeAt; // tee id -> (device row, TEE index)
    while (tees.value().next()) {
        DeviceSummary &device = result[deviceRow.value(tees.value().value(1).toLongLong())];
        teeAt.insert(tees.value().value(0).toLongLong(), {deviceRow.value(tees.value().value(1).toLongLong()), device.tees.size()});
        device.tees << DeviceSummary::Tee{tees.value().value(2).toString(), tees.value().value(3).toString(), tees.value().value(4).toString(), {}, {}};
    }
    auto sds = run(m_db, QStringLiteral("SELECT sd.id, sd.tee_id, sd.name FROM security_domains sd JOIN tees t ON t.id = sd.tee_id "
                                        "WHERE t.device_id IN (%1) ORDER BY sd.tee_id, sd.name")
                             .arg(in),
                   ids);
    if (!sds)
        return sds.error();
    QHash<qint64, std::pair<qint64, qsizetype>> sdAt; // sd id -> (tee id, SD index)
    while (sds.value().next()) {
        const auto at = teeAt.value(sds.value().value(1).toLongLong(), {-1, -1});
        if (at.first < 0)
            continue;
        DeviceSummary::Tee &tee = result[at.first].tees[at.second];
        sdAt.insert(sds.value().value(0).toLongLong(), {sds.value().value(1).toLongLong(), tee.sds.size()});
        tee.sds.append({sds.value().value(2).toString(), {}});
    }
    auto installed = run(m_db, QStringLiteral("SELECT i.tee_id, i.security_domain_id, ta.name, v.sequence_number FROM installations i "
                                              "JOIN tees t ON t.id = i.tee_id JOIN ta_versions v ON v.id = i.ta_version_id "
                                              "JOIN trusted_apps ta ON ta.id = v.ta_id WHERE t.device_id IN (%1) AND i.state = 'installed' "
                                              "ORDER BY i.tee_id, ta.name")
                                   .arg(in),
                         ids);
    if (!installed)
        return installed.error();
    QSqlQuery &r = installed.value();
    while (r.next()) {
        const auto at = teeAt.value(r.value(0).toLongLong(), {-1, -1});
        if (at.first < 0)
            continue;
        DeviceSummary::Tee &tee = result[at.first].tees[at.second];
        const QString entry = QStringLiteral("%1 v%2").arg(r.value(2).toString()).arg(r.value(3).toLongLong());
        const auto sd = r.value(1).isNull() ? std::pair<qint64, qsizetype>{-1, -1} : sdAt.value(r.value(1).toLongLong(), {-1, -1});
        if (sd.first >= 0) {
            tee.sds[sd.second].second << entry;
            continue;
        }
        // TEEP has no security domains: its TAs are listed under an empty SD name, after the SDs.
        if (tee.sds.isEmpty() || !tee.sds.last().first.isEmpty())
            tee.sds.append({QString(), {}});
        tee.sds.last().second << entry;
    }
    // What a TEE refused (its agent's reason), unless it took that TA at that version or later since.
    auto refused = run(m_db, QStringLiteral("SELECT i.tee_id, ta.name, v.sequence_number, COALESCE(i.detail, '') FROM installations i "
                                            "JOIN tees t ON t.id = i.tee_id JOIN ta_versions v ON v.id = i.ta_version_id "
                                            "JOIN trusted_apps ta ON ta.id = v.ta_id WHERE t.device_id IN (%1) AND i.state = 'failed' "
                                            "AND NOT EXISTS (SELECT 1 FROM installations i2 JOIN ta_versions v2 ON v2.id = i2.ta_version_id "
                                            "WHERE i2.tee_id = i.tee_id AND v2.ta_id = v.ta_id AND i2.state = 'installed' "
                                            "AND v2.sequence_number >= v.sequence_number) ORDER BY i.tee_id, ta.name")
                                 .arg(in),
                       ids);
    if (!refused)
        return refused.error();
    QSqlQuery &f = refused.value();
    while (f.next()) {
        const auto at = teeAt.value(f.value(0).toLongLong(), {-1, -1});
        if (at.first >= 0)
            result[at.first].tees[at.second].refused << QStringLiteral("%1 v%2: %3").arg(f.value(1).toString()).arg(f.value(2).toLongLong()).arg(f.value(3).toString());
    }
    return result;
}

} // namespace teep::tam
