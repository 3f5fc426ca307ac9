#include "tam/installations.h"

#include <QSet>

#include "store/auditlog.h"
#include "store/sql.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::run;

Installations::Installations(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Status Installations::audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                              const std::function<Status()> &change)
{
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, action, objectType, objectId, detail, change);
}

Result<QList<DesiredTa>> Installations::desiredFor(qint64 deviceId, TaForm form) const
{
    const QString blobs = form == TaForm::SignedTa ? QStringLiteral("v.binary_data, NULL, NULL") : QStringLiteral("NULL, v.manifest, v.manifest_by_uri");
    // Every assignment that reaches the device; per TA the most specific wins (device, then
    // group, then all), and among equals the newest assignment.
    auto query = run(m_db,
                           QStringLiteral("SELECT t.name, s.spid, a.sequence_number, a.allow_rollback, t.id, "
                                          "CASE a.target_kind WHEN 'device' THEN 0 WHEN 'group' THEN 1 ELSE 2 END AS rank, a.excluded "
                                          "FROM assignments a JOIN trusted_apps t ON t.id = a.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                          "WHERE a.target_kind = 'all' OR a.device_id = ? "
                                          "OR a.group_id = (SELECT group_id FROM devices WHERE id = ?) "
                                          "ORDER BY t.name, rank, a.id DESC"),
                           {deviceId, deviceId});
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QList<DesiredTa> result;
    QSet<QString> excluded;
    QString lastTaid;
    while (rows.next()) {
        const QString taid = rows.value(0).toString();
        if (taid == lastTaid)
            continue;
        lastTaid = taid;
        if (rows.value(6).toInt() == 1) {
            excluded << taid; // removed from this device by the operator, whatever else says
            continue;
        }
        auto version = rows.value(2).isNull()
                                 ? run(m_db, QStringLiteral("SELECT v.id, v.sequence_number, %1 FROM ta_versions v WHERE v.ta_id = ? ORDER BY v.sequence_number DESC LIMIT 1").arg(blobs),
                                       {rows.value(4)})
                                 : run(m_db, QStringLiteral("SELECT v.id, v.sequence_number, %1 FROM ta_versions v WHERE v.ta_id = ? AND v.sequence_number = ?").arg(blobs),
                                       {rows.value(4), rows.value(2)});
        if (!version)
            return version.error();
        QSqlQuery &v = version.value();
        if (!v.next())
            continue;
        DesiredTa ta{v.value(0).toLongLong(), taid, rows.value(1).toString(), v.value(1).toLongLong(), v.value(2).toByteArray(),
                     rows.value(3).toInt() == 1, v.value(3).toByteArray(), v.value(4).toByteArray()};
        result << ta;
    }
    // What the device asked for and the operator (or the policy) approved, unless assigned too.
    auto requests = run(m_db, QStringLiteral("SELECT t.name, s.spid, r.sequence_number, r.have_binary, v.id, v.sequence_number, %1 "
                                             "FROM ta_requests r JOIN trusted_apps t ON t.id = r.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                             "JOIN ta_versions v ON v.ta_id = t.id AND v.sequence_number = "
                                             "(SELECT MAX(sequence_number) FROM ta_versions WHERE ta_id = t.id) "
                                             "WHERE r.device_id = ? AND r.status = 'approved' ORDER BY t.name").arg(blobs),
                        {deviceId});
    if (!requests)
        return requests.error();
    QSqlQuery &r = requests.value();
    while (r.next()) {
        const QString taid = r.value(0).toString();
        if (excluded.contains(taid) || std::any_of(result.cbegin(), result.cend(), [&](const DesiredTa &ta) { return ta.taid == taid; }))
            continue;
        if (!r.value(2).isNull() && r.value(2).toLongLong() > r.value(5).toLongLong())
            continue; // asks for a newer version than the catalog has
        DesiredTa ta{r.value(4).toLongLong(), taid, r.value(1).toString(), r.value(5).toLongLong(), r.value(6).toByteArray(), false, r.value(7).toByteArray(),
                     r.value(8).toByteArray()};
        ta.requested = true;
        ta.haveBinary = r.value(3).toInt() == 1;
        result << ta;
    }
    return result;
}

Result<QMap<QString, qint64>> Installations::installedVersions(qint64 teeId) const
{
    auto query = run(m_db, QStringLiteral("SELECT t.name, v.sequence_number FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                                "JOIN trusted_apps t ON t.id = v.ta_id WHERE i.tee_id = ? AND i.state = 'installed'"),
                           {teeId});
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QMap<QString, qint64> result;
    while (rows.next())
        result.insert(rows.value(0).toString(), qMax(result.value(rows.value(0).toString(), -1), rows.value(1).toLongLong()));
    return result;
}

Status Installations::reconcile(qint64 teeId, const QList<protocol::otrp::SdEntry> &reported)
{
    return audited(QString(), {}, {}, {}, [&]() -> Status {
        const QString now = store::timestamp(m_clock);
        QStringList names;
        QStringList taids;
        for (const protocol::otrp::SdEntry &sd : reported) {
            names << sd.name;
            for (const protocol::otrp::TaEntry &ta : sd.tas)
                taids << ta.taid;
            const auto upserted = run(m_db, QStringLiteral("INSERT INTO security_domains (tee_id, sp_id, name, state, created_at) "
                                                           "SELECT ?, id, ?, 'created', ? FROM service_providers WHERE spid = ? "
                                                           "ON CONFLICT (tee_id, name) DO NOTHING"),
                                      {teeId, sd.name, now, sd.spid});
            if (!upserted)
                return upserted.error();
        }
        auto known = run(m_db, QStringLiteral("SELECT id, name FROM security_domains WHERE tee_id = ?"), {teeId});
        if (!known)
            return known.error();
        QList<qint64> gone;
        while (known.value().next()) {
            if (!names.contains(known.value().value(1).toString()))
                gone << known.value().value(0).toLongLong();
        }
        for (qint64 id : gone) {
            if (const auto removed = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE security_domain_id = ? AND state = 'installed'"),
                                         {now, id});
                !removed)
                return removed.error();
            if (const auto deleted = run(m_db, QStringLiteral("DELETE FROM security_domains WHERE id = ?"), {id}); !deleted)
                return deleted.error();
        }
        auto installed = run(m_db, QStringLiteral("SELECT i.id, t.name FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                                  "JOIN trusted_apps t ON t.id = v.ta_id WHERE i.tee_id = ? AND i.state = 'installed'"),
                             {teeId});
        if (!installed)
            return installed.error();
        QList<qint64> missing;
        while (installed.value().next()) {
            if (!taids.contains(installed.value().value(1).toString()))
                missing << installed.value().value(0).toLongLong();
        }
        for (qint64 id : missing) {
            if (const auto removed = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', detail = 'not reported by the TEE', updated_at = ? WHERE id = ?"),
                                         {now, id});
                !removed)
                return removed.error();
        }
        return {};
    });
}

Status Installations::recordSdCreated(qint64 teeId, const QString &spid, const QString &sdName)
{
    return audited(QStringLiteral("sd.created"), QStringLiteral("tee"), QString::number(teeId), {{"sd", sdName.toStdString()}, {"spid", spid.toStdString()}},
                   [&]() -> Status {
                       auto inserted = run(m_db, QStringLiteral("INSERT INTO security_domains (tee_id, sp_id, name, state, created_at) "
                                                                      "SELECT ?, id, ?, 'created', ? FROM service_providers WHERE spid = ? "
                                                                      "ON CONFLICT (tee_id, name) DO UPDATE SET state = 'created'"),
                                                 {teeId, sdName, store::timestamp(m_clock), spid});
                       return inserted ? Status() : Status(inserted.error());
                   });
}

Status Installations::recordSdDeleted(qint64 teeId, const QString &sdName)
{
    return audited(QStringLiteral("sd.deleted"), QStringLiteral("tee"), QString::number(teeId), {{"sd", sdName.toStdString()}}, [&]() -> Status {
        auto removedTas = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND state = 'installed' "
                                                         "AND security_domain_id = (SELECT id FROM security_domains WHERE tee_id = ? AND name = ?)"),
                                    {store::timestamp(m_clock), teeId, teeId, sdName});
        if (!removedTas)
            return removedTas.error();
        auto deleted = run(m_db, QStringLiteral("DELETE FROM security_domains WHERE tee_id = ? AND name = ?"), {teeId, sdName});
        return deleted ? Status() : Status(deleted.error());
    });
}

Status Installations::recordInstalled(qint64 teeId, const DesiredTa &ta, const QString &sdName)
{
    return audited(QStringLiteral("ta.installed"), QStringLiteral("tee"), QString::number(teeId),
                   {{"taid", ta.taid.toStdString()}, {"version", ta.sequence}, {"sd", sdName.toStdString()}}, [&]() -> Status {
                       const QString now = store::timestamp(m_clock);
                       // Any other version of this TA on this TEE is gone now.
                       auto others = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND ta_version_id <> ? "
                                                                    "AND ta_version_id IN (SELECT id FROM ta_versions WHERE ta_id = (SELECT ta_id FROM ta_versions WHERE id = ?))"),
                                               {now, teeId, ta.versionId, ta.versionId});
                       if (!others)
                           return others.error();
                       auto upserted = run(m_db, QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, security_domain_id, state, detail, updated_at) "
                                                                      "VALUES (?, ?, (SELECT id FROM security_domains WHERE tee_id = ? AND name = ?), 'installed', NULL, ?) "
                                                                      "ON CONFLICT (tee_id, ta_version_id) DO UPDATE SET state = 'installed', detail = NULL, "
                                                                      "security_domain_id = excluded.security_domain_id, updated_at = excluded.updated_at"),
                                                 {teeId, ta.versionId, teeId, sdName, now});
                       return upserted ? Status() : Status(upserted.error());
                   });
}

Status Installations::recordRemoved(qint64 teeId, const QString &taid)
{
    return audited(QStringLiteral("ta.removed"), QStringLiteral("tee"), QString::number(teeId), {{"taid", taid.toStdString()}}, [&]() -> Status {
        auto updated = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND state = 'installed' "
                                                      "AND ta_version_id IN (SELECT v.id FROM ta_versions v JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ?)"),
                                 {store::timestamp(m_clock), teeId, taid});
        return updated ? Status() : Status(updated.error());
    });
}

Status Installations::recordFailed(qint64 teeId, const DesiredTa &ta, const QString &detail)
{
    return audited(QStringLiteral("ta.install-failed"), QStringLiteral("tee"), QString::number(teeId),
                   {{"taid", ta.taid.toStdString()}, {"version", ta.sequence}, {"detail", detail.left(200).toStdString()}}, [&]() -> Status {
                       auto upserted = run(m_db, QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, state, detail, updated_at) VALUES (?, ?, 'failed', ?, ?) "
                                                                      "ON CONFLICT (tee_id, ta_version_id) DO UPDATE SET state = 'failed', detail = excluded.detail, "
                                                                      "updated_at = excluded.updated_at"),
                                                 {teeId, ta.versionId, detail.left(500), store::timestamp(m_clock)});
                       return upserted ? Status() : Status(upserted.error());
                   });
}

} // namespace teep::tam
