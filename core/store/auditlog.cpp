#include "store/auditlog.h"

#include "crypto/openssl.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QSqlError>
#include <QSqlQuery>

#include <nlohmann/json.hpp>

namespace teep::store {

namespace {
// The key of the advisory lock under which the chain's head is extended ("TEEPhead").
constexpr qint64 kAuditHeadLock = 0x5445455068656164;
} // namespace

QString operatorActor(const QString &program)
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME", QStringLiteral("unknown user"));
    return QStringLiteral("%1 via %2").arg(user, program);
}

QByteArray AuditLog::entryHash(const QByteArray &prevHash, const AuditEntry &entry)
{
    const nlohmann::json canonical = nlohmann::json::array(
        {entry.at.toStdString(), entry.actor.toStdString(), entry.action.toStdString(),
         entry.objectType.toStdString(), entry.objectId.toStdString(), entry.detailJson.toStdString()});
    return crypto::sha256(prevHash + QByteArray::fromStdString(canonical.dump()));
}

Status AuditLog::append(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action,
                        const QString &objectType, const QString &objectId)
{
    return append(db, clock, actor, action, objectType, objectId, nlohmann::json::object());
}

Status AuditLog::append(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action,
                        const QString &objectType, const QString &objectId, const nlohmann::json &detail)
{
    QByteArray prevHash;
    // Several servers on one PostgreSQL database: the head is read and extended under a lock held
    // until the transaction ends, so two writers cannot both chain to the same entry. (SQLite has
    // one writer at a time already.)
    if (engineOf(db) == Engine::Postgres) {
        if (auto locked = run(db, QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kAuditHeadLock)); !locked)
            return Error{QStringLiteral("audit.write"), locked.error().message};
    }
    {
        auto last = run(db, QStringLiteral("SELECT entry_hash FROM audit_log ORDER BY id DESC LIMIT 1"));
        if (!last)
            return Error{QStringLiteral("audit.read"), last.error().message};
        if (last.value().next())
            prevHash = last.value().value(0).toByteArray();
    }

    AuditEntry entry;
    entry.at = timestamp(clock);
    entry.actor = actor;
    entry.action = action;
    entry.objectType = objectType;
    entry.objectId = objectId;
    entry.detailJson = QString::fromStdString(detail.dump());
    entry.entryHash = entryHash(prevHash, entry);

    const auto inserted = run(db, QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_id, detail_json, prev_hash, entry_hash) "
                                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                              {entry.at, entry.actor, entry.action, entry.objectType, entry.objectId, entry.detailJson,
                               prevHash.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray)) : QVariant(prevHash), entry.entryHash});
    if (!inserted)
        return Error{QStringLiteral("audit.write"), inserted.error().message};
    return {};
}

Result<QList<AuditEntry>> AuditLog::entries(QSqlDatabase db, int limit)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT id, at, actor, action, object_type, object_id, detail_json, prev_hash, "
                                 "entry_hash FROM audit_log ORDER BY id DESC LIMIT ?"));
    query.addBindValue(limit);
    if (!query.exec())
        return Error{QStringLiteral("audit.read"), query.lastError().text()};
    QList<AuditEntry> list;
    while (query.next())
        list << AuditEntry{query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
                           query.value(3).toString(), query.value(4).toString(), query.value(5).toString(),
                           query.value(6).toString(), query.value(7).toByteArray(), query.value(8).toByteArray()};
    return list;
}

Result<qint64> AuditLog::count(QSqlDatabase db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM audit_log")) || !query.next())
        return Error{QStringLiteral("audit.read"), query.lastError().text()};
    return query.value(0).toLongLong();
}

Status AuditLog::forEach(QSqlDatabase db, const std::function<bool(const AuditEntry &entry)> &each)
{
    QSqlQuery query(db);
    // Streamed on SQLite; on PostgreSQL streaming would end at the first query `each` runs.
    query.setForwardOnly(engineOf(db) == Engine::Sqlite);
    if (!query.exec(QStringLiteral("SELECT id, at, actor, action, object_type, object_id, detail_json, prev_hash, entry_hash FROM audit_log ORDER BY id")))
        return Error{QStringLiteral("audit.read"), query.lastError().text()};
    while (query.next()) {
        const AuditEntry entry{query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
                               query.value(3).toString(), query.value(4).toString(), query.value(5).toString(),
                               query.value(6).toString(), query.value(7).toByteArray(), query.value(8).toByteArray()};
        if (!each(entry))
            break;
    }
    return {};
}

AuditVerification AuditLog::verify(QSqlDatabase db, const std::function<bool(qint64 checked)> &keepGoing)
{
    AuditVerification result;
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT id, at, actor, action, object_type, object_id, detail_json, prev_hash, "
                                   "entry_hash FROM audit_log ORDER BY id"))) {
        result.message = query.lastError().text();
        return result;
    }
    QByteArray previous;
    while (query.next()) {
        const AuditEntry entry{query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
                               query.value(3).toString(), query.value(4).toString(), query.value(5).toString(),
                               query.value(6).toString(), query.value(7).toByteArray(), query.value(8).toByteArray()};
        if (entry.prevHash != previous) {
            result.firstBadId = entry.id;
            result.message = QStringLiteral("entry %1 does not follow entry before it (an entry was removed or "
                                            "reordered)").arg(entry.id);
            return result;
        }
        if (entryHash(previous, entry) != entry.entryHash) {
            result.firstBadId = entry.id;
            result.message = QStringLiteral("entry %1 was altered after it was written").arg(entry.id);
            return result;
        }
        previous = entry.entryHash;
        ++result.entries;
        if (keepGoing && result.entries % 1000 == 0 && !keepGoing(result.entries)) {
            result.message = QStringLiteral("cancelled after %1 entries").arg(result.entries);
            return result;
        }
    }
    result.ok = true;
    result.message = QStringLiteral("%1 entries, chain intact").arg(result.entries);
    return result;
}

Status AuditLog::inTransaction(QSqlDatabase db, const Clock &clock, const QString &actor, const QString &action, const QString &objectType,
                               const QString &objectId, const nlohmann::json &detail, const std::function<Status()> &change)
{
    Transaction transaction(db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    if (const Status changed = change(); !changed)
        return changed;
    if (!action.isEmpty()) {
        if (const Status logged = append(db, clock, actor, action, objectType, objectId, detail); !logged)
            return logged;
    }
    return transaction.commit();
}

} // namespace teep::store
