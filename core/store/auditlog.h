#pragma once

#include <functional>

#include "common/clock.h"
#include "common/error.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <nlohmann/json_fwd.hpp>

namespace teep::store {

// Who did something: "<user> via <program>", e.g. "alice via teepctl".
QString operatorActor(const QString &program);

struct AuditEntry
{
    qint64 id = 0;
    QString at; // UTC ISO 8601 with milliseconds
    QString actor;
    QString action;     // "trust-anchor.added", "tam-identity.generated", ...
    QString objectType; // "trust-anchor", "tam-identity", ...
    QString objectId;
    QString detailJson; // a JSON object, keys sorted
    QByteArray prevHash;
    QByteArray entryHash;
};

struct AuditVerification
{
    bool ok = false;
    qint64 entries = 0;
    qint64 firstBadId = 0; // 0 when ok
    QString message;
};

// The append-only, hash-chained audit log. entry_hash = SHA-256(prev_hash || canonical entry),
// where the canonical entry is the JSON array [at, actor, action, object_type, object_id,
// detail_json]. append() writes inside the caller's transaction, so an entry exists exactly when
// its change does.
class AuditLog
{
public:
    static Status append(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action,
                         const QString &objectType, const QString &objectId, const nlohmann::json &detail);
    // An entry without detail ({}).
    static Status append(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action,
                         const QString &objectType, const QString &objectId);
    static Result<QList<AuditEntry>> entries(QSqlDatabase db, int limit = 1000);
    static Result<qint64> count(QSqlDatabase db);
    // Every entry, oldest first, one at a time (an export of millions holds one in memory);
    // stops when `each` returns false.
    static Status forEach(QSqlDatabase db, const std::function<bool(const AuditEntry &entry)> &each);
    // `keepGoing(checked)` is asked every 1,000 entries (progress); returning false stops the
    // verification, which then reports "cancelled" and is not ok.
    static AuditVerification verify(QSqlDatabase db, const std::function<bool(qint64 checked)> &keepGoing = {});
    static QByteArray entryHash(const QByteArray &prevHash, const AuditEntry &entry);

    // `change` and, when `action` is not empty, its audit entry, in one transaction: both or neither.
    static Status inTransaction(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action, const QString &objectType,
                                const QString &objectId, const nlohmann::json &detail, const std::function<Status()> &change);
};

} // namespace teep::store
