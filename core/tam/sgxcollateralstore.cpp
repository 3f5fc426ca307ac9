#include "tam/sgxcollateralstore.h"

#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "store/trustanchors.h"

#include <QCryptographicHash>
#include <QSqlQuery>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace teep::tam {

using attestation::sgx::CollateralItem;
using store::run;

namespace {

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QVariant dateColumn(const QDateTime &date)
{
    return date.isValid() ? QVariant(date.toUTC().toString(Qt::ISODate)) : QVariant();
}

} // namespace

SgxCollateralStore::SgxCollateralStore(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Result<QList<std::pair<QString, QByteArray>>> SgxCollateralStore::storedFiles() const
{
    auto rows = run(m_db, QStringLiteral("SELECT source, content FROM sgx_collateral ORDER BY id"));
    if (!rows)
        return rows.error();
    QList<std::pair<QString, QByteArray>> files;
    while (rows.value().next())
        files.append({rows.value().value(0).toString(), rows.value().value(1).toByteArray()});
    return files;
}

Result<attestation::sgx::Collateral> SgxCollateralStore::collateral() const
{
    const auto roots = store::TrustAnchors(m_db, m_clock, QString()).certificates(crypto::TrustStore::TeeRoot);
    if (!roots)
        return roots.error();
    return collateral(roots.value());
}

Result<attestation::sgx::Collateral> SgxCollateralStore::collateral(const QList<crypto::Certificate> &teeRoots) const
{
    const Result<QList<std::pair<QString, QByteArray>>> files = storedFiles();
    if (!files)
        return files.error();
    if (files.value().isEmpty())
        return attestation::sgx::Collateral{};
    return attestation::sgx::readCollateral(files.value(), teeRoots, m_clock);
}

Result<SgxCollateralImport> SgxCollateralStore::importFiles(const QList<std::pair<QString, QByteArray>> &files)
{
    const auto roots = store::TrustAnchors(m_db, m_clock, QString()).certificates(crypto::TrustStore::TeeRoot);
    if (!roots)
        return roots.error();
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<QList<std::pair<QString, QByteArray>>> kept = storedFiles();
    if (!kept)
        return kept.error();
    // Read the new files with the kept certificates beside them (they may sign the new items), then
    // keep only the new files' items.
    QList<std::pair<QString, QByteArray>> keptCertificates;
    for (const auto &file : kept.value())
        if (file.second.contains("-----BEGIN CERTIFICATE-----"))
            keptCertificates << file;
    const Result<attestation::sgx::Collateral> read = attestation::sgx::readCollateral(keptCertificates + files, roots.value(), m_clock);
    if (!read)
        return read.error();
    SgxCollateralImport result;
    const QString now = store::timestamp(m_clock);
    for (const CollateralItem &item : read.value().items) {
        const bool isNew = std::any_of(files.cbegin(), files.cend(), [&item](const auto &file) { return file.second == item.content && file.first == item.source; });
        if (!isNew)
            continue;
        const QString hash = sha256Hex(item.content);
        auto same = run(m_db, QStringLiteral("SELECT id FROM sgx_collateral WHERE sha256 = ?"), {hash});
        if (!same)
            return same.error();
        if (same.value().next()) {
            result.unchanged << item.source;
            continue;
        }
        const QString kind = attestation::sgx::collateralKindName(item.kind);
        if (item.kind != CollateralItem::Kind::Certificates) {
            auto older = run(m_db, QStringLiteral("SELECT id, source, issued FROM sgx_collateral WHERE kind = ? AND subject = ?"), {kind, item.subject});
            if (!older)
                return older.error();
            QList<qint64> superseded;
            while (older.value().next()) {
                const QDateTime issued = QDateTime::fromString(older.value().value(2).toString(), Qt::ISODate);
                if (issued.isValid() && item.issued.isValid() && issued > item.issued)
                    return Error{QStringLiteral("sgx.older-collateral"),
                                 QStringLiteral("%1 (%2, issued %3) is older than the one kept (%4, issued %5): nothing imported")
                                     .arg(item.source, item.subject, item.issued.toUTC().toString(Qt::ISODate), older.value().value(1).toString(),
                                          issued.toUTC().toString(Qt::ISODate)),
                                 item.source};
                superseded << older.value().value(0).toLongLong();
                result.replaced << older.value().value(1).toString();
            }
            for (const qint64 id : superseded)
                if (const auto removed = run(m_db, QStringLiteral("DELETE FROM sgx_collateral WHERE id = ?"), {id}); !removed)
                    return removed.error();
        }
        const Result<qint64> id = store::insertReturningId(
            m_db,
            QStringLiteral("INSERT INTO sgx_collateral (kind, subject, source, sha256, content, issued, next_update, imported_at, imported_by) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            {kind, item.subject, item.source, hash, item.content, dateColumn(item.issued), dateColumn(item.nextUpdate), now, m_actor});
        if (!id)
            return id.error();
        result.added << SgxCollateralRow{id.value(), kind, item.subject, item.source, dateColumn(item.issued).toString(), dateColumn(item.nextUpdate).toString(), now, m_actor};
    }
    if (result.added.isEmpty())
        return result; // nothing new: the transaction rolls back, with nothing in it
    nlohmann::json added = nlohmann::json::array();
    for (const SgxCollateralRow &row : result.added)
        added.push_back({{"kind", row.kind.toStdString()}, {"subject", row.subject.toStdString()}, {"source", row.source.toStdString()}});
    nlohmann::json replaced = nlohmann::json::array();
    for (const QString &source : result.replaced)
        replaced.push_back(source.toStdString());
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("sgx-collateral.imported"), QStringLiteral("sgx-collateral"),
                                                       QString::number(result.added.first().id), {{"added", added}, {"replaced", replaced}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return result;
}

Status SgxCollateralStore::remove(qint64 id)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    auto found = run(m_db, QStringLiteral("SELECT kind, subject, source FROM sgx_collateral WHERE id = ?"), {id});
    if (!found)
        return found.error();
    if (!found.value().next())
        return Error{QStringLiteral("sgx.unknown-collateral"), QStringLiteral("no SGX collateral %1 (teepctl attestation collateral list)").arg(id)};
    const QString kind = found.value().value(0).toString();
    const QString subject = found.value().value(1).toString();
    const QString source = found.value().value(2).toString();
    if (const auto removed = run(m_db, QStringLiteral("DELETE FROM sgx_collateral WHERE id = ?"), {id}); !removed)
        return removed.error();
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("sgx-collateral.removed"), QStringLiteral("sgx-collateral"), QString::number(id),
                                                       {{"kind", kind.toStdString()}, {"subject", subject.toStdString()}, {"source", source.toStdString()}});
        !audited)
        return audited;
    return transaction.commit();
}

Result<QList<SgxCollateralRow>> SgxCollateralStore::rows() const
{
    auto rows = run(m_db, QStringLiteral("SELECT id, kind, subject, source, COALESCE(issued, ''), COALESCE(next_update, ''), imported_at, imported_by "
                                         "FROM sgx_collateral ORDER BY kind, subject, id"));
    if (!rows)
        return rows.error();
    QList<SgxCollateralRow> result;
    while (rows.value().next()) {
        const QSqlQuery &row = rows.value();
        result << SgxCollateralRow{row.value(0).toLongLong(), row.value(1).toString(), row.value(2).toString(), row.value(3).toString(),
                                   row.value(4).toString(), row.value(5).toString(), row.value(6).toString(), row.value(7).toString()};
    }
    return result;
}

} // namespace teep::tam
