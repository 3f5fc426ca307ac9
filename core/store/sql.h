#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariantList>

// Small helpers the stores share: one way to run a bound statement and report its failure, and
// one timestamp format (UTC ISO 8601 with milliseconds, which sorts as text).
namespace teep::store {

inline Error sqlError(const QSqlQuery &query)
{
    return Error{QStringLiteral("store.sql"), query.lastError().text()};
}

inline QString timestamp(const Clock &clock)
{
    return clock.now().toUTC().toString(Qt::ISODateWithMs);
}

// Prepares `sql`, binds `values` in order and executes; the query is positioned before the first row.
inline Result<QSqlQuery> run(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return sqlError(query);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec())
        return sqlError(query);
    return query;
}

} // namespace teep::store
