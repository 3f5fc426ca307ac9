#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QString>

#include <functional>

namespace teep::store {

class Database;

struct CopiedTable
{
    QString name;
    qint64 rows = 0;
};

struct CopyReport
{
    QList<CopiedTable> tables; // in the order they were copied, with the rows of each
    qint64 rows = 0;
    qint64 auditEntries = 0; // verified on the target, head for head as on the source
};

// Copies every row of `from` into `to` (moving an SQLite file to PostgreSQL, or back), ids kept,
// in one transaction on `to`: all of it or nothing. `to` must be empty (a new database just
// migrated) and both at the same schema version. Checked before it commits: every table's row
// count as on the source, and the audit chain verifying on the target with the source's head
// hash; then audited on the target ("database.copied"). Refuses a table it does not know (a
// schema step added one without adding it here), so nothing is left behind silently.
// `progress(table, rowsSoFar)` is called now and then; returning false cancels (nothing copied).
Result<CopyReport> copyDatabase(const Database &from, Database &to, const Clock &clock, const QString &actor,
                                const std::function<bool(const QString &table, qint64 rows)> &progress = {});

} // namespace teep::store
