#include "store/databasecopy.h"

#include "store/auditlog.h"
#include "store/database.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QSqlField>
#include <QSqlQuery>
#include <QSqlRecord>

#include <nlohmann/json.hpp>

namespace teep::store {

namespace {

// Parents before the rows that refer to them (foreign keys are checked row by row).
const QStringList &copyOrder()
{
    static const QStringList order{
        QStringLiteral("private_keys"),        QStringLiteral("tam_identities"),   QStringLiteral("trust_anchors"),
        QStringLiteral("service_providers"),   QStringLiteral("sp_certificates"),  QStringLiteral("device_groups"),
        QStringLiteral("devices"),             QStringLiteral("tees"),             QStringLiteral("security_domains"),
        QStringLiteral("trusted_apps"),        QStringLiteral("ta_versions"),      QStringLiteral("installations"),
        QStringLiteral("sessions"),            QStringLiteral("session_messages"), QStringLiteral("attestation_results"),
        QStringLiteral("audit_log"),           QStringLiteral("audit_checkpoints"), QStringLiteral("settings"),
        QStringLiteral("assignments"),         QStringLiteral("reference_values"), QStringLiteral("request_policies"),
        QStringLiteral("ta_requests"),         QStringLiteral("corim_imports"),    QStringLiteral("corim_measurements"),
        QStringLiteral("sgx_collateral")};
    return order;
}

// Not copied: which servers are running on the source says nothing about the target; the
// search index is the target's own (made by its triggers or indexes as the devices arrive).
const QStringList &notCopied()
{
    static const QStringList tables{QStringLiteral("schema_migrations"), QStringLiteral("tam_servers"), QStringLiteral("open_sessions"),
                                    QStringLiteral("device_search"), QStringLiteral("device_search_config"), QStringLiteral("device_search_content"),
                                    QStringLiteral("device_search_data"), QStringLiteral("device_search_docsize"), QStringLiteral("device_search_idx")};
    return tables;
}

constexpr qint64 kProgressEvery = 2000;

Error copyError(const QString &why)
{
    return Error{QStringLiteral("store.copy"), why};
}

Result<QStringList> tablesOf(const Database &db)
{
    return column(db.connection(), db.engine() == Engine::Postgres
                                       ? QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = ANY (current_schemas(false)) ORDER BY 1")
                                       : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"));
}

Result<qint64> count(const Database &db, const QString &table)
{
    // Table names come from copyOrder(), never from input.
    auto rows = run(db.connection(), QStringLiteral("SELECT COUNT(*) FROM %1").arg(table));
    if (!rows)
        return rows.error();
    return rows.value().next() ? rows.value().value(0).toLongLong() : 0;
}

Result<QByteArray> auditHead(const Database &db)
{
    auto head = run(db.connection(), QStringLiteral("SELECT entry_hash FROM audit_log ORDER BY id DESC LIMIT 1"));
    if (!head)
        return head.error();
    return head.value().next() ? head.value().value(0).toByteArray() : QByteArray();
}

// One table's rows, in id order, bound into the same columns on the target.
Result<qint64> copyTable(const Database &from, Database &to, const QString &table,
                         const std::function<bool(const QString &, qint64)> &progress)
{
    QSqlQuery source(from.connection());
    source.setForwardOnly(from.engine() == Engine::Sqlite); // one reader, no nested query: SQLite streams it
    if (!source.exec(QStringLiteral("SELECT * FROM %1 ORDER BY 1").arg(table)))
        return Error{errorCode(from.connection().driver()->dbmsType(), source.lastError()),
                     QStringLiteral("cannot read %1 from the source: %2").arg(table, source.lastError().text())};
    const QSqlRecord record = source.record();
    QStringList columns;
    QStringList marks;
    for (int i = 0; i < record.count(); ++i) {
        columns << record.fieldName(i);
        marks << QStringLiteral("?");
    }
    const QString insert = QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)").arg(table, columns.join(QStringLiteral(", ")), marks.join(QStringLiteral(", ")));
    qint64 copied = 0;
    while (source.next()) {
        QVariantList values;
        values.reserve(record.count());
        for (int i = 0; i < record.count(); ++i)
            values << source.value(i);
        if (auto inserted = run(to.connection(), insert, values); !inserted)
            return Error{inserted.error().code, QStringLiteral("%1, row %2: %3").arg(table).arg(copied + 1).arg(inserted.error().message)};
        ++copied;
        if (progress && copied % kProgressEvery == 0 && !progress(table, copied))
            return Error{QStringLiteral("operation.cancelled"), QStringLiteral("cancelled; nothing was copied")};
    }
    return copied;
}

} // namespace

Result<CopyReport> copyDatabase(const Database &from, Database &to, const Clock &clock, const QString &actor,
                                const std::function<bool(const QString &, qint64)> &progress)
{
    if (from.schemaVersion() != to.schemaVersion())
        return copyError(QStringLiteral("the source is at schema version %1 and the target at %2; open both with this TEEP Console first")
                             .arg(from.schemaVersion())
                             .arg(to.schemaVersion()));
    const Result<QStringList> tables = tablesOf(from);
    if (!tables)
        return tables.error();
    for (const QString &table : tables.value()) {
        if (!notCopied().contains(table) && !copyOrder().contains(table))
            return copyError(QStringLiteral("the source has a table this copy does not know (%1); nothing was copied").arg(table));
    }
    for (const QString &table : copyOrder()) {
        const Result<qint64> rows = count(to, table);
        if (!rows)
            return rows.error();
        if (rows.value() > 0)
            return copyError(QStringLiteral("the target is not empty (%1 has %2 rows); copy into a new database").arg(table).arg(rows.value()));
    }

    // The source read in one transaction (one consistent state), the target written in one.
    Transaction reading(from.connection());
    if (const Status begun = reading.begun(); !begun)
        return begun.error();
    Transaction writing(to.connection());
    if (const Status begun = writing.begun(); !begun)
        return begun.error();

    CopyReport report;
    for (const QString &table : copyOrder()) {
        const Result<qint64> copied = copyTable(from, to, table, progress);
        if (!copied)
            return copied.error();
        report.tables << CopiedTable{table, copied.value()};
        report.rows += copied.value();
        if (progress && !progress(table, copied.value()))
            return Error{QStringLiteral("operation.cancelled"), QStringLiteral("cancelled; nothing was copied")};
    }
    // The ids were given: PostgreSQL's identities continue after them.
    if (to.engine() == Engine::Postgres) {
        for (const QString &table : copyOrder()) {
            if (table == QLatin1String("settings"))
                continue; // keyed by name, no identity
            if (auto set = run(to.connection(), QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM %1").arg(table));
                !set)
                return set.error();
        }
    }

    // Checked before anything is committed: the counts, and the audit chain as it was.
    for (const CopiedTable &copied : std::as_const(report.tables)) {
        const Result<qint64> source = count(from, copied.name);
        const Result<qint64> target = count(to, copied.name);
        if (!source || !target || source.value() != target.value() || target.value() != copied.rows)
            return copyError(QStringLiteral("%1: %2 rows on the source, %3 on the target; nothing was copied")
                                 .arg(copied.name)
                                 .arg(source ? source.value() : -1)
                                 .arg(target ? target.value() : -1));
    }
    const AuditVerification chain = AuditLog::verify(to.connection());
    if (!chain.ok)
        return copyError(QStringLiteral("the copied audit log does not verify (%1); nothing was copied").arg(chain.message));
    const Result<QByteArray> sourceHead = auditHead(from);
    const Result<QByteArray> targetHead = auditHead(to);
    if (!sourceHead || !targetHead || sourceHead.value() != targetHead.value())
        return copyError(QStringLiteral("the copied audit log ends elsewhere than the source's; nothing was copied"));
    report.auditEntries = chain.entries;

    nlohmann::json detail = {{"from", from.path().toStdString()}, {"rows", report.rows}, {"audit_entries", report.auditEntries},
                             {"audit_head", sourceHead.value().toHex().toStdString()}};
    if (const Status audited = AuditLog::append(to.connection(), clock, actor, QStringLiteral("database.copied"), QStringLiteral("database"),
                                                QString(), detail);
        !audited)
        return audited.error();
    if (const Status committed = writing.commit(); !committed)
        return committed.error();
    return report;
}

} // namespace teep::store
