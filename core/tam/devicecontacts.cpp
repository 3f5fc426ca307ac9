#include "tam/devicecontacts.h"

#include "store/auditlog.h"
#include "store/sql.h"
#include "tam/attestationchecks.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::run;

DeviceContacts::DeviceContacts(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

QString tierName(Tier tier)
{
    switch (tier) {
    case Tier::Affirming:
        return QStringLiteral("affirming");
    case Tier::Warning:
        return QStringLiteral("warning");
    case Tier::Identified:
        return QStringLiteral("identified");
    case Tier::Contraindicated:
        break;
    }
    return QStringLiteral("contraindicated");
}

Status DeviceContacts::touch(qint64 deviceId, const QString &outcome)
{
    const QString now = store::timestamp(m_clock);
    const auto touched = run(m_db, QStringLiteral("UPDATE devices SET last_contact_at = ?, first_contact_at = COALESCE(first_contact_at, ?), "
                                                  "last_outcome = COALESCE(?, last_outcome) WHERE id = ?"),
                             {now, now, outcome.isEmpty() ? QVariant() : QVariant(outcome.left(500)), deviceId});
    return touched ? Status() : Status(touched.error());
}

Status DeviceContacts::noteRefusedSignature(qint64 deviceId, const QString &peer)
{
    auto updated = run(m_db, QStringLiteral("UPDATE devices SET refused_signatures = refused_signatures + 1, last_refused_signature_at = ?, "
                                            "last_refused_signature_peer = ? WHERE id = ?"),
                       {store::timestamp(m_clock), peer.left(100), deviceId});
    return updated ? Status() : Status(updated.error());
}

Status DeviceContacts::recordAttestation(qint64 teeId, qint64 sessionId, Tier tier, const QList<attestation::Check> &checks, const QString &policy,
                                         const QString &trustVector)
{
    nlohmann::json detail{{"tier", tierName(tier).toStdString()}};
    if (!policy.isEmpty())
        detail["policy"] = policy.toStdString();
    return store::AuditLog::inTransaction(
        m_db, m_clock, m_actor, QStringLiteral("attestation.verified"), QStringLiteral("tee"), QString::number(teeId), detail, [&]() -> Status {
            auto inserted = run(m_db, QStringLiteral("INSERT INTO attestation_results (tee_id, session_id, tier, checks_json, verified_at, trust_vector) "
                                                     "VALUES (?, ?, ?, ?, ?, ?)"),
                                {teeId, sessionId, tierName(tier), encodeChecks(checks), store::timestamp(m_clock),
                                 trustVector.isEmpty() ? QVariant() : QVariant(trustVector)});
            return inserted ? Status() : Status(inserted.error());
        });
}

} // namespace teep::tam
