#include "tam/fleetqueries.h"

#include "tam/referenceappraisal.h"

#include "tam/attestationchecks.h"

#include "store/sql.h"

#include <QHash>

namespace teep::tam {

using store::run;

Result<QList<SessionRecord>> FleetQueries::sessions(int limit) const
{
    return selectSessions(QStringLiteral("1 = 1"), {}, limit);
}

Result<std::optional<SessionRecord>> FleetQueries::session(qint64 id) const
{
    const Result<QList<SessionRecord>> found = selectSessions(QStringLiteral("s.id = ?"), {id}, 1);
    if (!found)
        return found.error();
    return found.value().isEmpty() ? std::optional<SessionRecord>() : std::optional<SessionRecord>(found.value().first());
}

Result<QList<SessionRecord>> FleetQueries::selectSessions(const QString &where, const QVariantList &binds, int limit) const
{
    auto rows = run(m_db, QStringLiteral("SELECT s.id, s.profile, COALESCE(d.name, ''), COALESCE(s.peer_address, ''), s.state, COALESCE(s.outcome, ''), "
                                         "s.started_at, COALESCE(s.ended_at, ''), (SELECT COUNT(*) FROM session_messages m WHERE m.session_id = s.id) "
                                         "FROM sessions s LEFT JOIN devices d ON d.id = s.device_id WHERE %1 ORDER BY s.id DESC LIMIT %2")
                              .arg(where)
                              .arg(qBound(1, limit, 1000000)),
                    binds);
    if (!rows)
        return rows.error();
    QList<SessionRecord> result;
    QSqlQuery &r = rows.value();
    while (r.next())
        result << SessionRecord{r.value(0).toLongLong(), r.value(1).toString(), r.value(2).toString(), r.value(3).toString(), r.value(4).toString(),
                                r.value(5).toString(), r.value(6).toString(), r.value(7).toString(), r.value(8).toInt()};
    return result;
}

Result<QList<MessageRecord>> FleetQueries::messages(qint64 sessionId) const
{
    auto rows = run(m_db, QStringLiteral("SELECT seq, direction, media_type, body, at FROM session_messages WHERE session_id = ? ORDER BY seq"), {sessionId});
    if (!rows)
        return rows.error();
    QList<MessageRecord> result;
    QSqlQuery &r = rows.value();
    while (r.next())
        result << MessageRecord{r.value(0).toInt(), r.value(1).toString() == QLatin1String("to-device"), r.value(2).toString(), r.value(3).toByteArray(),
                                r.value(4).toString()};
    return result;
}

Result<QList<AttestationRecord>> FleetQueries::attestations(const QString &where, const QVariantList &binds, int limit) const
{
    auto rows = run(m_db, QStringLiteral("SELECT a.id, COALESCE(a.session_id, 0), d.name, t.tee_name, t.protocol, a.tier, a.checks_json, a.verified_at, "
                                         "COALESCE(a.trust_vector, '') FROM attestation_results a JOIN tees t ON t.id = a.tee_id JOIN devices d ON d.id = t.device_id "
                                         "WHERE %1 ORDER BY a.id DESC LIMIT %2")
                              .arg(where)
                              .arg(qBound(1, limit, 1000000)),
                    binds);
    if (!rows)
        return rows.error();
    QList<AttestationRecord> result;
    QSqlQuery &r = rows.value();
    while (r.next())
        result << AttestationRecord{r.value(0).toLongLong(), r.value(1).toLongLong(), r.value(2).toString(), r.value(3).toString(), r.value(4).toString(),
                                    r.value(5).toString(), decodeChecks(r.value(6).toString()), r.value(7).toString(),
                                    decodeTrustVector(r.value(8).toString())};
    return result;
}

Result<QList<AttestationRecord>> FleetQueries::latestAttestations() const
{
    return attestations(QStringLiteral("a.id IN (SELECT MAX(id) FROM attestation_results GROUP BY tee_id)"), {}, 1000000);
}

Result<QList<AttestationRecord>> FleetQueries::attestationHistory(const QString &device, const QString &tee, int limit) const
{
    return attestations(QStringLiteral("d.name = ? AND t.tee_name = ?"), {device, tee}, limit);
}

Result<QList<InventoryRecord>> FleetQueries::inventory(int limit) const
{
    auto rows = run(m_db, QStringLiteral("SELECT ta.name, sp.spid, v.sequence_number, d.name, t.tee_name, COALESCE(sd.name, ''), i.state, "
                                         "COALESCE(i.detail, ''), i.updated_at FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                         "JOIN trusted_apps ta ON ta.id = v.ta_id JOIN service_providers sp ON sp.id = ta.sp_id "
                                         "JOIN tees t ON t.id = i.tee_id JOIN devices d ON d.id = t.device_id "
                                         "LEFT JOIN security_domains sd ON sd.id = i.security_domain_id "
                                         "ORDER BY ta.name, v.sequence_number DESC, d.name LIMIT ?"),
                    {qBound(1, limit, 10000000)});
    if (!rows)
        return rows.error();
    QList<InventoryRecord> result;
    QSqlQuery &r = rows.value();
    while (r.next())
        result << InventoryRecord{r.value(0).toString(), r.value(1).toString(), r.value(2).toLongLong(), r.value(3).toString(), r.value(4).toString(),
                                  r.value(5).toString(), r.value(6).toString(), r.value(7).toString(), r.value(8).toString()};
    return result;
}

Result<QList<SecurityDomainRecord>> FleetQueries::securityDomains() const
{
    auto rows = run(m_db, QStringLiteral("SELECT sd.id, d.name, t.tee_name, sd.name, sp.spid, sd.state, sd.created_at FROM security_domains sd "
                                         "JOIN tees t ON t.id = sd.tee_id JOIN devices d ON d.id = t.device_id JOIN service_providers sp ON sp.id = sd.sp_id "
                                         "ORDER BY d.name, t.tee_name, sd.name"));
    if (!rows)
        return rows.error();
    QList<SecurityDomainRecord> result;
    QHash<qint64, qsizetype> rowOf;
    QSqlQuery &r = rows.value();
    while (r.next()) {
        rowOf.insert(r.value(0).toLongLong(), result.size());
        result << SecurityDomainRecord{r.value(1).toString(), r.value(2).toString(), r.value(3).toString(), r.value(4).toString(), r.value(5).toString(),
                                       r.value(6).toString(), {}};
    }
    auto tas = run(m_db, QStringLiteral("SELECT i.security_domain_id, ta.name, v.sequence_number FROM installations i "
                                        "JOIN ta_versions v ON v.id = i.ta_version_id JOIN trusted_apps ta ON ta.id = v.ta_id "
                                        "WHERE i.state = 'installed' AND i.security_domain_id IS NOT NULL ORDER BY ta.name"));
    if (!tas)
        return tas.error();
    while (tas.value().next()) {
        const qsizetype at = rowOf.value(tas.value().value(0).toLongLong(), -1);
        if (at >= 0)
            result[at].tas << QStringLiteral("%1 v%2").arg(tas.value().value(1).toString()).arg(tas.value().value(2).toLongLong());
    }
    return result;
}

} // namespace teep::tam
