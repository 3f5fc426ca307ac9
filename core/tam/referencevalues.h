#pragma once

#include "attestation/eat.h"
#include "common/clock.h"
#include "common/error.h"

#include <QCborMap>
#include <QList>
#include <QSqlDatabase>

// What the operator expects a device model's evidence to claim (TEEP: the EAT's oemid and
// hwversion, per hwmodel). Compared with every verified evidence: a match passes, a difference
// fails (the device is contraindicated and gets nothing), a model without reference values is a
// warning.
namespace teep::tam {

struct ReferenceValue
{
    QString model;    // the EAT hwmodel, as UTF-8 text
    QString claim;    // "oemid" (hex) or "hwversion" (text)
    QString expected;
};

class ReferenceValues
{
public:
    ReferenceValues(QSqlDatabase db, const Clock &clock, QString actor);

    Status set(const QString &model, const QString &claim, const QString &expected);
    Status remove(const QString &model);
    Result<QList<ReferenceValue>> list() const;

    // One check per reference value of the evidence's model; a warning when there is none.
    QList<attestation::Check> compare(const QCborMap &claims) const;

private:
    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
