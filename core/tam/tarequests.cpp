#include "tam/tarequests.h"

#include "store/auditlog.h"
#include "store/sql.h"

namespace teep::tam {

using store::run;

namespace {
Error requestError(const QString &code, const QString &message)
{
    return Error{QStringLiteral("requests.") + code, message};
}

QVariant nullIfEmpty(const QVariant &value)
{
    return value.isNull() || value.toString().isEmpty() ? QVariant(QMetaType(QMetaType::LongLong)) : value;
}

// "column equals the value, or both are NULL", in standard SQL (SQLite 3.39 and PostgreSQL).
QString sameAs(const QString &column)
{
    return QStringLiteral("%1 IS NOT DISTINCT FROM ?").arg(column);
}
} // namespace

QString decisionName(RequestDecision decision)
{
    switch (decision) {
    case RequestDecision::Approve:
        return QStringLiteral("approve");
    case RequestDecision::Refuse:
        return QStringLiteral("refuse");
    case RequestDecision::Hold:
        break;
    }
    return QStringLiteral("hold");
}

std::optional<RequestDecision> decisionFromName(const QString &name)
{
    for (RequestDecision decision : {RequestDecision::Approve, RequestDecision::Refuse, RequestDecision::Hold}) {
        if (decisionName(decision) == name)
            return decision;
    }
    return std::nullopt;
}

TaRequests::TaRequests(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Status TaRequests::setPolicy(const RequestPolicy &policy)
{
    const QString scope = QStringLiteral("%1/%2").arg(policy.spid.isEmpty() ? QStringLiteral("*") : policy.spid,
                                                      policy.group.isEmpty() ? QStringLiteral("*") : policy.group);
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, QStringLiteral("request-policy.set"), QStringLiteral("request-policy"), scope,
                   {{"decision", decisionName(policy.decision).toStdString()}}, [&]() -> Status {
        QVariant spId;
        if (!policy.spid.isEmpty()) {
            auto sp = run(m_db, QStringLiteral("SELECT id FROM service_providers WHERE spid = ?"), {policy.spid});
            if (!sp)
                return sp.error();
            if (!sp.value().next())
                return requestError(QStringLiteral("unknown-sp"), QStringLiteral("no service provider '%1'").arg(policy.spid));
            spId = sp.value().value(0);
        }
        QVariant groupId;
        if (!policy.group.isEmpty()) {
            auto group = run(m_db, QStringLiteral("SELECT id FROM device_groups WHERE name = ?"), {policy.group});
            if (!group)
                return group.error();
            if (!group.value().next())
                return requestError(QStringLiteral("unknown-group"), QStringLiteral("no device group '%1'").arg(policy.group));
            groupId = group.value().value(0);
        }
        spId = nullIfEmpty(spId);
        groupId = nullIfEmpty(groupId);
        if (auto removed = run(m_db, QStringLiteral("DELETE FROM request_policies WHERE %1 AND %2").arg(sameAs(QStringLiteral("sp_id")), sameAs(QStringLiteral("group_id"))),
                               {spId, groupId});
            !removed)
            return removed.error();
        auto inserted = run(m_db, QStringLiteral("INSERT INTO request_policies (sp_id, group_id, decision, created_at) VALUES (?, ?, ?, ?)"),
                            {spId, groupId, decisionName(policy.decision), store::timestamp(m_clock)});
        return inserted ? Status() : Status(inserted.error());
    });
}

Status TaRequests::removePolicy(const QString &spid, const QString &group)
{
    const QString scope = QStringLiteral("%1/%2").arg(spid.isEmpty() ? QStringLiteral("*") : spid, group.isEmpty() ? QStringLiteral("*") : group);
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, QStringLiteral("request-policy.removed"), QStringLiteral("request-policy"), scope, {}, [&]() -> Status {
        auto removed = run(m_db, QStringLiteral("DELETE FROM request_policies WHERE id IN (SELECT p.id FROM request_policies p "
                                                "LEFT JOIN service_providers s ON s.id = p.sp_id LEFT JOIN device_groups g ON g.id = p.group_id "
                                                "WHERE COALESCE(s.spid, '') = ? AND COALESCE(g.name, '') = ?)"),
                           {spid.isEmpty() ? QStringLiteral("") : spid, group.isEmpty() ? QStringLiteral("") : group});
        if (!removed)
            return removed.error();
        if (removed.value().numRowsAffected() == 0)
            return requestError(QStringLiteral("unknown-policy"), QStringLiteral("no request policy for %1").arg(scope));
        return {};
    });
}

Result<QList<RequestPolicy>> TaRequests::policies() const
{
    auto rows = run(m_db, QStringLiteral("SELECT COALESCE(s.spid, ''), COALESCE(g.name, ''), p.decision FROM request_policies p "
                                         "LEFT JOIN service_providers s ON s.id = p.sp_id LEFT JOIN device_groups g ON g.id = p.group_id "
                                         "ORDER BY 1, 2"));
    if (!rows)
        return rows.error();
    QList<RequestPolicy> result;
    while (rows.value().next())
        result << RequestPolicy{rows.value().value(0).toString(), rows.value().value(1).toString(),
                                decisionFromName(rows.value().value(2).toString()).value_or(RequestDecision::Hold)};
    return result;
}

Result<RequestDecision> TaRequests::decisionFor(const QString &spid, const QString &group) const
{
    const Result<QList<RequestPolicy>> all = policies();
    if (!all)
        return all.error();
    int best = -1;
    RequestDecision decision = RequestDecision::Hold;
    for (const RequestPolicy &policy : all.value()) {
        if ((!policy.spid.isEmpty() && policy.spid != spid) || (!policy.group.isEmpty() && policy.group != group))
            continue;
        const int rank = (policy.spid.isEmpty() ? 0 : 2) + (policy.group.isEmpty() ? 0 : 1);
        if (rank > best) {
            best = rank;
            decision = policy.decision;
        }
    }
    return decision;
}

Result<TaRequest> TaRequests::received(qint64 deviceId, const QString &taid, bool haveBinary, std::optional<qint64> sequence)
{
    auto ta = run(m_db, QStringLiteral("SELECT t.id, s.spid, COALESCE(g.name, ''), d.name FROM trusted_apps t JOIN service_providers s ON s.id = t.sp_id, "
                                       "devices d LEFT JOIN device_groups g ON g.id = d.group_id WHERE t.name = ? AND d.id = ?"),
                  {taid, deviceId});
    if (!ta)
        return ta.error();
    if (!ta.value().next())
        return requestError(QStringLiteral("unknown-ta"), QStringLiteral("the catalog has no TA '%1'").arg(taid.left(64)));
    const qint64 taId = ta.value().value(0).toLongLong();
    const QString spid = ta.value().value(1).toString();
    const QString group = ta.value().value(2).toString();
    const QString device = ta.value().value(3).toString();

    auto existing = run(m_db, QStringLiteral("SELECT id, status FROM ta_requests WHERE device_id = ? AND ta_id = ?"), {deviceId, taId});
    if (!existing)
        return existing.error();
    const bool known = existing.value().next();
    const qint64 id = known ? existing.value().value(0).toLongLong() : 0;
    const QString status = known ? existing.value().value(1).toString() : QString();
    const QVariant requestedSequence = sequence ? QVariant(*sequence) : QVariant(QMetaType(QMetaType::LongLong));
    if (known && status != QLatin1String("withdrawn")) {
        // Asked again: only what the device says about it may change, not the decision.
        auto updated = run(m_db, QStringLiteral("UPDATE ta_requests SET have_binary = ?, sequence_number = ? WHERE id = ?"),
                           {haveBinary ? 1 : 0, requestedSequence, id});
        if (!updated)
            return updated.error();
    } else {
        const Result<RequestDecision> decision = decisionFor(spid, group);
        if (!decision)
            return decision.error();
        const QString next = decision.value() == RequestDecision::Approve  ? QStringLiteral("approved")
                             : decision.value() == RequestDecision::Refuse ? QStringLiteral("refused")
                                                                            : QStringLiteral("pending");
        const bool decided = decision.value() != RequestDecision::Hold;
        const QString now = store::timestamp(m_clock);
        const QVariant decidedAt = decided ? QVariant(now) : QVariant(QMetaType(QMetaType::QString));
        const QVariant decidedBy = decided ? QVariant(QStringLiteral("policy")) : QVariant(QMetaType(QMetaType::QString));
        const QString reason = decided ? QStringLiteral("by policy") : QString();
        const Status stored = store::AuditLog::inTransaction(m_db, m_clock, m_actor, QStringLiteral("ta-request.received"), QStringLiteral("ta-request"),
                                      QStringLiteral("%1/%2").arg(device, taid),
                                      {{"device", device.toStdString()}, {"taid", taid.toStdString()}, {"have_binary", haveBinary},
                                       {"status", next.toStdString()}},
                                      [&]() -> Status {
            auto written = known ? run(m_db, QStringLiteral("UPDATE ta_requests SET status = ?, have_binary = ?, sequence_number = ?, requested_at = ?, "
                                                            "decided_at = ?, decided_by = ?, reason = ? WHERE id = ?"),
                                       {next, haveBinary ? 1 : 0, requestedSequence, now, decidedAt, decidedBy, reason, id})
                                 : run(m_db, QStringLiteral("INSERT INTO ta_requests (device_id, ta_id, sequence_number, have_binary, status, reason, "
                                                            "requested_at, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                                       {deviceId, taId, requestedSequence, haveBinary ? 1 : 0, next, reason, now, decidedAt, decidedBy});
            return written ? Status() : Status(written.error());
        });
        if (!stored)
            return stored.error();
    }
    Result<QList<TaRequest>> now = select(QStringLiteral("r.device_id = ? AND r.ta_id = ?"), {deviceId, taId}, 1);
    if (!now)
        return now.error();
    if (now.value().isEmpty())
        return requestError(QStringLiteral("lost"), QStringLiteral("the request was not stored"));
    return now.value().first();
}

Result<bool> TaRequests::withdrawn(qint64 deviceId, const QString &taid)
{
    auto row = run(m_db, QStringLiteral("SELECT r.id, d.name FROM ta_requests r JOIN trusted_apps t ON t.id = r.ta_id JOIN devices d ON d.id = r.device_id "
                                        "WHERE r.device_id = ? AND t.name = ? AND r.status <> 'withdrawn'"),
                   {deviceId, taid});
    if (!row)
        return row.error();
    if (!row.value().next())
        return false;
    const qint64 id = row.value().value(0).toLongLong();
    const QString device = row.value().value(1).toString();
    const Status done = store::AuditLog::inTransaction(m_db, m_clock, m_actor, QStringLiteral("ta-request.withdrawn"), QStringLiteral("ta-request"),
                                QStringLiteral("%1/%2").arg(device, taid), {{"device", device.toStdString()}, {"taid", taid.toStdString()}},
                                [&]() -> Status {
        auto updated = run(m_db, QStringLiteral("UPDATE ta_requests SET status = 'withdrawn' WHERE id = ?"), {id});
        return updated ? Status() : Status(updated.error());
    });
    if (!done)
        return done.error();
    return true;
}

Status TaRequests::decide(qint64 requestId, bool approve, const QString &reason, const QString &seenStatus)
{
    if (reason.size() > 500)
        return requestError(QStringLiteral("bad-reason"), QStringLiteral("a reason has at most 500 characters"));
    const Result<QList<TaRequest>> found = select(QStringLiteral("r.id = ?"), {requestId}, 1);
    if (!found)
        return found.error();
    if (found.value().isEmpty())
        return requestError(QStringLiteral("unknown-request"), QStringLiteral("no request %1").arg(requestId));
    const TaRequest &request = found.value().first();
    if (request.status == QLatin1String("withdrawn"))
        return requestError(QStringLiteral("withdrawn"), QStringLiteral("request %1 was withdrawn by the device; nothing to decide").arg(requestId));
    const auto changedMeanwhile = [&](const TaRequest &now) {
        return requestError(QStringLiteral("changed"), QStringLiteral("request %1 (%2 on %3) was %4 meanwhile%5; nothing was changed. Look again and decide.")
                                                           .arg(requestId)
                                                           .arg(request.taid, request.device, now.status,
                                                                now.decidedBy.isEmpty() ? QString() : QStringLiteral(" by %1").arg(now.decidedBy)));
    };
    if (!seenStatus.isEmpty() && seenStatus != request.status)
        return changedMeanwhile(request);
    const QString next = approve ? QStringLiteral("approved") : QStringLiteral("refused");
    bool raced = false;
    const Status done = store::AuditLog::inTransaction(m_db, m_clock, m_actor, approve ? QStringLiteral("ta-request.approved") : QStringLiteral("ta-request.refused"),
                   QStringLiteral("ta-request"), QStringLiteral("%1/%2").arg(request.device, request.taid),
                   {{"request", requestId}, {"reason", reason.toStdString()}, {"was", request.status.toStdString()}}, [&]() -> Status {
        // Only if it is still as read: another operator deciding at the same moment wins or
        // loses whole, never half (the loser's audit entry goes with its rolled-back change).
        auto updated = run(m_db, QStringLiteral("UPDATE ta_requests SET status = ?, reason = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = ?"),
                           {next, reason, store::timestamp(m_clock), m_actor, requestId, request.status});
        if (!updated)
            return updated.error();
        if (updated.value().numRowsAffected() == 0) {
            raced = true;
            return requestError(QStringLiteral("changed"), QString());
        }
        return {};
    });
    if (raced) {
        const Result<QList<TaRequest>> now = select(QStringLiteral("r.id = ?"), {requestId}, 1);
        if (now && !now.value().isEmpty())
            return changedMeanwhile(now.value().first());
    }
    return done;
}

Result<QList<TaRequest>> TaRequests::list(const QString &status, int limit) const
{
    if (status.isEmpty())
        return select(QStringLiteral("1 = 1"), {}, limit);
    return select(QStringLiteral("r.status = ?"), {status}, limit);
}

Result<QList<TaRequest>> TaRequests::approvedFor(qint64 deviceId) const
{
    return select(QStringLiteral("r.device_id = ? AND r.status = 'approved'"), {deviceId}, 10000);
}

Result<QList<TaRequest>> TaRequests::openFor(qint64 deviceId) const
{
    return select(QStringLiteral("r.device_id = ? AND r.status <> 'withdrawn'"), {deviceId}, 10000);
}

Result<QList<TaRequest>> TaRequests::select(const QString &where, const QVariantList &binds, int limit) const
{
    auto rows = run(m_db, QStringLiteral("SELECT r.id, d.name, r.device_id, t.name, s.spid, s.name, "
                                         "(SELECT MAX(v.sequence_number) FROM ta_versions v WHERE v.ta_id = t.id), r.sequence_number, r.have_binary, "
                                         "r.status, COALESCE(r.reason, ''), r.requested_at, COALESCE(r.decided_at, ''), COALESCE(r.decided_by, '') "
                                         "FROM ta_requests r JOIN devices d ON d.id = r.device_id JOIN trusted_apps t ON t.id = r.ta_id "
                                         "JOIN service_providers s ON s.id = t.sp_id WHERE %1 ORDER BY r.requested_at DESC, r.id DESC LIMIT %2")
                              .arg(where)
                              .arg(qBound(1, limit, 100000)),
                    binds);
    if (!rows)
        return rows.error();
    QSqlQuery &r = rows.value();
    QList<TaRequest> result;
    while (r.next()) {
        TaRequest request;
        request.id = r.value(0).toLongLong();
        request.device = r.value(1).toString();
        request.deviceId = r.value(2).toLongLong();
        request.taid = r.value(3).toString();
        request.spid = r.value(4).toString();
        request.spName = r.value(5).toString();
        request.latestVersion = r.value(6).isNull() ? -1 : r.value(6).toLongLong();
        if (!r.value(7).isNull())
            request.requestedVersion = r.value(7).toLongLong();
        request.haveBinary = r.value(8).toInt() == 1;
        request.status = r.value(9).toString();
        request.reason = r.value(10).toString();
        request.requestedAt = r.value(11).toString();
        request.decidedAt = r.value(12).toString();
        request.decidedBy = r.value(13).toString();
        result << request;
    }
    return result;
}

DeviceIntent takeDeviceIntent(TaRequests &requests, qint64 deviceId, const QList<AskedTa> &asked, const QStringList &unneeded,
                              const QStringList &installed)
{
    DeviceIntent intent;
    QSet<QString> askedTaids;
    for (const AskedTa &ta : asked) {
        askedTaids.insert(ta.taid);
        if (ta.haveBinary)
            intent.bundled.insert(ta.taid);
        const Result<TaRequest> request = requests.received(deviceId, ta.taid, ta.haveBinary, ta.sequence);
        const QString how = ta.haveBinary ? QStringLiteral(" (binary bundled)") : QString();
        if (!request)
            intent.notes << QStringLiteral("request for %1 refused: %2").arg(ta.taid.left(64), request.error().message);
        else if (request.value().status == QLatin1String("pending"))
            intent.notes << QStringLiteral("%1 requested%2: held for the operator's approval").arg(ta.taid, how);
        else if (request.value().status == QLatin1String("refused"))
            intent.notes << QStringLiteral("%1 requested%2: refused%3")
                                .arg(ta.taid, how, request.value().reason.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(request.value().reason));
        else
            intent.notes << QStringLiteral("%1 requested%2: approved").arg(ta.taid, how);
    }
    for (const QString &taid : unneeded) {
        if (askedTaids.contains(taid))
            continue;
        intent.unneeded.insert(taid);
        if (const Result<bool> withdrawn = requests.withdrawn(deviceId, taid); withdrawn && withdrawn.value())
            intent.notes << QStringLiteral("%1 no longer needed by the device: request withdrawn").arg(taid);
    }
    // A device lists every TA its apps need and it lacks: one it neither lists nor holds was
    // given up before it arrived (its app removed).
    if (const Result<QList<TaRequest>> open = requests.openFor(deviceId)) {
        for (const TaRequest &request : open.value()) {
            if (askedTaids.contains(request.taid) || installed.contains(request.taid) || intent.unneeded.contains(request.taid))
                continue;
            if (const Result<bool> withdrawn = requests.withdrawn(deviceId, request.taid); withdrawn && withdrawn.value())
                intent.notes << QStringLiteral("%1 no longer asked for: request withdrawn").arg(request.taid);
        }
    }
    return intent;
}

} // namespace teep::tam
