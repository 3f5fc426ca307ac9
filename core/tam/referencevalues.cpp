#include "tam/referencevalues.h"

#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QCborArray>

namespace teep::tam {

using store::run;

namespace {
// The claim as the operator writes it: oemid in lower-case hex, hwversion as its text.
QString observed(const QCborMap &claims, const QString &claim)
{
    if (claim == QLatin1String("oemid"))
        return QString::fromLatin1(claims.value(attestation::claim::Oemid).toByteArray().toHex());
    const QCborValue version = claims.value(attestation::claim::Hwversion);
    return version.isArray() ? version.toArray().at(0).toString() : version.toString();
}
} // namespace

ReferenceValues::ReferenceValues(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Status ReferenceValues::set(const QString &model, const QString &claim, const QString &expected)
{
    if (model.isEmpty() || model.size() > 128 || expected.isEmpty() || expected.size() > 128)
        return Error{QStringLiteral("reference.bad-value"), QStringLiteral("a model and an expected value of 1 to 128 characters")};
    if (claim != QLatin1String("oemid") && claim != QLatin1String("hwversion"))
        return Error{QStringLiteral("reference.bad-claim"), QStringLiteral("reference values exist for oemid and hwversion")};
    const QString value = claim == QLatin1String("oemid") ? expected.toLower() : expected;
    if (claim == QLatin1String("oemid") && (QByteArray::fromHex(value.toLatin1()).toHex() != value.toLatin1() || value.size() % 2 != 0))
        return Error{QStringLiteral("reference.bad-value"), QStringLiteral("oemid is given in hex, e.g. 894823")};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    if (const auto stored = run(m_db, QStringLiteral("INSERT INTO reference_values (model, claim, expected, created_at) VALUES (?, ?, ?, ?) "
                                                     "ON CONFLICT (model, claim) DO UPDATE SET expected = excluded.expected"),
                                {model, claim, value, store::timestamp(m_clock)});
        !stored)
        return stored.error();
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("reference-value.set"), QStringLiteral("model"), model,
                                                       {{"claim", claim.toStdString()}, {"expected", value.toStdString()}});
        !audited)
        return audited;
    return transaction.commit();
}

Status ReferenceValues::remove(const QString &model)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    auto removed = run(m_db, QStringLiteral("DELETE FROM reference_values WHERE model = ?"), {model});
    if (!removed)
        return removed.error();
    if (removed.value().numRowsAffected() == 0)
        return Error{QStringLiteral("reference.unknown-model"), QStringLiteral("no reference values for model '%1'").arg(model)};
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("reference-value.removed"), QStringLiteral("model"), model);
        !audited)
        return audited;
    return transaction.commit();
}

Result<QList<ReferenceValue>> ReferenceValues::list() const
{
    auto rows = run(m_db, QStringLiteral("SELECT model, claim, expected FROM reference_values ORDER BY model, claim"));
    if (!rows)
        return rows.error();
    QList<ReferenceValue> result;
    while (rows.value().next())
        result << ReferenceValue{rows.value().value(0).toString(), rows.value().value(1).toString(), rows.value().value(2).toString()};
    return result;
}

QList<attestation::Check> ReferenceValues::compare(const QCborMap &claims) const
{
    const QString model = QString::fromUtf8(claims.value(attestation::claim::Hwmodel).toByteArray());
    auto rows = run(m_db, QStringLiteral("SELECT claim, expected FROM reference_values WHERE model = ? ORDER BY claim"), {model});
    QList<attestation::Check> checks;
    if (!rows)
        return {{QStringLiteral("reference values"), attestation::Outcome::Fail, rows.error().message}};
    while (rows.value().next()) {
        const QString claim = rows.value().value(0).toString();
        const QString expected = rows.value().value(1).toString();
        const QString seen = observed(claims, claim);
        checks << attestation::Check{QStringLiteral("reference value %1").arg(claim), seen == expected ? attestation::Outcome::Pass : attestation::Outcome::Fail,
                                     seen == expected ? QStringLiteral("%1 as expected for model %2").arg(seen, model)
                                                      : QStringLiteral("%1, but model %2 should have %3").arg(seen, model, expected)};
    }
    if (checks.isEmpty())
        checks << attestation::Check{QStringLiteral("reference values"), attestation::Outcome::Warn,
                                     QStringLiteral("none set for model '%1' (teepctl attestation reference set)").arg(model)};
    return checks;
}

} // namespace teep::tam
