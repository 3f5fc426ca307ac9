#include "store/auditcheckpoints.h"

#include "common/json.h"
#include "crypto/key.h"
#include "crypto/signature.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QSqlError>

namespace teep::store {

const QString AuditCheckpoints::kKeyLabel = QStringLiteral("audit checkpoints");

namespace {
// The audit key's public key as the key store holds it (the newest, should it ever be rolled).
Result<std::optional<std::pair<qint64, QByteArray>>> auditKey(QSqlDatabase db)
{
    auto found = run(db, QStringLiteral("SELECT id, public_key_spki FROM private_keys WHERE label = ? ORDER BY id DESC LIMIT 1"),
                     {AuditCheckpoints::kKeyLabel});
    if (!found)
        return found.error();
    if (!found.value().next())
        return std::optional<std::pair<qint64, QByteArray>>();
    return std::optional<std::pair<qint64, QByteArray>>(std::pair{found.value().value(0).toLongLong(), found.value().value(1).toByteArray()});
}

// Whether `checkpoint` holds: signed by the audit key, and the chain still has its head, with its
// hash and the number of entries up to it. Empty: it holds; otherwise why not.
QString check(QSqlDatabase db, const AuditCheckpoint &checkpoint, const QByteArray &auditSpki)
{
    if (checkpoint.keySpki != auditSpki)
        return QStringLiteral("it is signed by another key than the key store's audit key");
    const Result<crypto::Key> key = crypto::Key::fromPublicKey(checkpoint.keySpki);
    if (!key || !crypto::verifyRaw(key.value(), crypto::SignatureScheme::EcdsaP256Sha256, checkpoint.signedBytes(), checkpoint.signature))
        return QStringLiteral("its signature does not verify");
    auto head = run(db, QStringLiteral("SELECT entry_hash, (SELECT COUNT(*) FROM audit_log WHERE id <= ?) FROM audit_log WHERE id = ?"),
                    {checkpoint.headId, checkpoint.headId});
    if (!head)
        return head.error().message;
    if (!head.value().next())
        return QStringLiteral("entry %1, which it signed, is gone (the log was truncated)").arg(checkpoint.headId);
    if (head.value().value(0).toByteArray() != checkpoint.headHash)
        return QStringLiteral("entry %1 no longer has the hash it signed (entries up to it were changed and the chain recomputed)").arg(checkpoint.headId);
    if (head.value().value(1).toLongLong() != checkpoint.entries)
        return QStringLiteral("it signed %1 entries up to entry %2; there are %3 now").arg(checkpoint.entries).arg(checkpoint.headId).arg(head.value().value(1).toLongLong());
    return {};
}
} // namespace

QByteArray AuditCheckpoint::signedBytes() const
{
    return "teep-console audit checkpoint v1\n" + at.toUtf8() + '\n' + QByteArray::number(entries) + '\n' + QByteArray::number(headId) + '\n' +
           headHash.toHex() + '\n';
}

QByteArray AuditCheckpoint::toJsonLine() const
{
    const nlohmann::json line{{"at", at.toStdString()},
                              {"entries", entries},
                              {"head_id", headId},
                              {"head_hash", headHash.toHex().toStdString()},
                              {"key", keySpki.toBase64().toStdString()},
                              {"signature", signature.toBase64().toStdString()}};
    return QByteArray::fromStdString(line.dump()) + '\n';
}

Result<AuditCheckpoint> AuditCheckpoint::fromJsonLine(const QByteArray &line)
{
    const Result<nlohmann::json> parsed = parseJsonText(std::string_view(line.constData(), size_t(line.size())));
    if (!parsed)
        return parsed.error();
    const nlohmann::json &json = parsed.value();
    const auto text = [&json](const char *name) { return json.contains(name) && json[name].is_string() ? QString::fromStdString(json[name]) : QString(); };
    if (!json.is_object() || !json.contains("entries") || !json["entries"].is_number_integer() || !json.contains("head_id") ||
        !json["head_id"].is_number_integer() || text("at").isEmpty())
        return Error{QStringLiteral("audit.checkpoint-format"), QStringLiteral("not an exported audit checkpoint (at, entries, head_id, head_hash, key, signature)")};
    AuditCheckpoint checkpoint;
    checkpoint.at = text("at");
    checkpoint.entries = json["entries"].get<qint64>();
    checkpoint.headId = json["head_id"].get<qint64>();
    checkpoint.headHash = QByteArray::fromHex(text("head_hash").toLatin1());
    checkpoint.keySpki = QByteArray::fromBase64(text("key").toLatin1());
    checkpoint.signature = QByteArray::fromBase64(text("signature").toLatin1());
    return checkpoint;
}

Result<AuditCheckpoint> AuditCheckpoints::make(QSqlDatabase db, KeyStore &keys, const Clock &clock, bool demoUnprotected)
{
    Transaction transaction(db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const auto existing = auditKey(db);
    if (!existing)
        return existing.error();
    // A new key is used as made: storing it encrypted and loading it back would run the
    // passphrase's key derivation twice more for nothing.
    Result<crypto::Key> key = existing.value() ? keys.load(existing.value()->first) : crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!key)
        return key.error();
    if (!existing.value()) {
        if (const Result<qint64> stored = keys.store(key.value(), kKeyLabel, clock, demoUnprotected); !stored)
            return stored.error();
    }
    auto head = run(db, QStringLiteral("SELECT id, entry_hash, (SELECT COUNT(*) FROM audit_log) FROM audit_log ORDER BY id DESC LIMIT 1"));
    if (!head)
        return head.error();
    AuditCheckpoint checkpoint;
    checkpoint.at = timestamp(clock);
    if (head.value().next()) {
        checkpoint.headId = head.value().value(0).toLongLong();
        checkpoint.headHash = head.value().value(1).toByteArray();
        checkpoint.entries = head.value().value(2).toLongLong();
    }
    checkpoint.keySpki = key.value().publicKeyDer();
    const Result<QByteArray> signature = crypto::signRaw(key.value(), crypto::SignatureScheme::EcdsaP256Sha256, checkpoint.signedBytes());
    if (!signature)
        return signature.error();
    checkpoint.signature = signature.value();
    auto inserted = insertReturningId(db, QStringLiteral("INSERT INTO audit_checkpoints (at, entries, head_id, head_hash, key_spki, signature) VALUES (?, ?, ?, ?, ?, ?)"),
                        {checkpoint.at, checkpoint.entries, checkpoint.headId, checkpoint.headHash, checkpoint.keySpki, checkpoint.signature});
    if (!inserted)
        return inserted.error();
    checkpoint.id = inserted.value();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return checkpoint;
}

Result<QList<AuditCheckpoint>> AuditCheckpoints::list(QSqlDatabase db)
{
    auto rows = run(db, QStringLiteral("SELECT id, at, entries, head_id, head_hash, key_spki, signature FROM audit_checkpoints ORDER BY id"));
    if (!rows)
        return rows.error();
    QList<AuditCheckpoint> list;
    while (rows.value().next())
        list << AuditCheckpoint{rows.value().value(0).toLongLong(), rows.value().value(1).toString(),    rows.value().value(2).toLongLong(),
                                rows.value().value(3).toLongLong(), rows.value().value(4).toByteArray(), rows.value().value(5).toByteArray(),
                                rows.value().value(6).toByteArray()};
    return list;
}

CheckpointVerification AuditCheckpoints::verify(QSqlDatabase db, const QList<AuditCheckpoint> &exported)
{
    return verifyCheckpoints(db, AuditLog::verify(db), exported);
}

CheckpointVerification AuditCheckpoints::verifyCheckpoints(QSqlDatabase db, const AuditVerification &chain, const QList<AuditCheckpoint> &exported)
{
    CheckpointVerification result;
    result.entries = chain.entries;
    if (!chain.ok) {
        result.firstBadId = chain.firstBadId;
        result.message = chain.message;
        return result;
    }
    const auto key = auditKey(db);
    const Result<QList<AuditCheckpoint>> stored = list(db);
    if (!key || !stored) {
        result.message = (!key ? key.error() : stored.error()).message;
        return result;
    }
    const QByteArray auditSpki = key.value() ? key.value()->second : QByteArray();
    // Stored checkpoints first, then the exported ones (which a writer could not reach).
    QList<std::pair<QString, AuditCheckpoint>> all;
    for (const AuditCheckpoint &checkpoint : stored.value())
        all.append({QStringLiteral("checkpoint %1 (%2)").arg(checkpoint.id).arg(checkpoint.at), checkpoint});
    for (const AuditCheckpoint &checkpoint : exported)
        all.append({QStringLiteral("the exported checkpoint of %1").arg(checkpoint.at), checkpoint});
    for (const auto &[name, checkpoint] : all) {
        const QString problem = check(db, checkpoint, auditSpki);
        if (!problem.isEmpty()) {
            result.firstBadId = qMax<qint64>(1, qMin(checkpoint.headId, result.vouchedThrough + 1));
            result.message = QStringLiteral("%1 does not hold: %2. The log is vouched for only up to entry %3")
                                 .arg(name, problem)
                                 .arg(result.vouchedThrough);
            return result;
        }
        ++result.checkpoints;
        result.vouchedThrough = qMax(result.vouchedThrough, checkpoint.headId);
    }
    result.ok = true;
    auto last = run(db, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE id > ?"), {result.vouchedThrough});
    const qint64 after = last && last.value().next() ? last.value().value(0).toLongLong() : 0;
    if (all.isEmpty()) {
        result.message = QStringLiteral("%1 entries, chain intact; no signed checkpoint yet, so a rewrite of the whole chain would not show "
                                        "(teepctl audit checkpoint)")
                             .arg(result.entries);
        return result;
    }
    result.message = QStringLiteral("%1 entries, chain intact; %2 signed checkpoint(s)%3 vouch for entries 1 to %4%5")
                         .arg(result.entries)
                         .arg(stored.value().size())
                         .arg(exported.isEmpty() ? QString() : QStringLiteral(" and %1 exported").arg(exported.size()))
                         .arg(result.vouchedThrough)
                         .arg(after > 0 ? QStringLiteral("; the %1 newer entries are not yet vouched for").arg(after) : QString());
    return result;
}

} // namespace teep::store
