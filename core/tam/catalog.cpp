#include "tam/catalog.h"

#include "crypto/openssl.h"
#include "protocol/otrp/tapackage.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "suit/suitenvelope.h"
#include "tam/deviceregistry.h"
#include "tam/serviceproviders.h"

#include <QCborArray>
#include <QRegularExpression>
#include <QCborValue>

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::insertReturningId;
using store::run;

QString targetKindName(TargetKind kind)
{
    switch (kind) {
    case TargetKind::Device:
        return QStringLiteral("device");
    case TargetKind::Group:
        return QStringLiteral("group");
    case TargetKind::All:
        break;
    }
    return QStringLiteral("all");
}

std::optional<TargetKind> targetKindFromName(const QString &name)
{
    for (TargetKind kind : {TargetKind::Device, TargetKind::Group, TargetKind::All}) {
        if (targetKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

Catalog::Catalog(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Result<TaVersion> Catalog::addSignedTa(const QString &spid, const QByteArray &signedTa)
{
    const Result<ServiceProvider> sp = ServiceProviders(m_db, m_clock, m_actor).get(spid);
    if (!sp)
        return sp.error();
    if (sp.value().certificates.isEmpty())
        return Error{QStringLiteral("catalog.no-signer"), QStringLiteral("SP '%1' has no signer certificate yet (teepctl sp add-cert)").arg(spid)};
    const Result<protocol::otrp::TaImage> image = protocol::otrp::verifyTa(signedTa, sp.value().certificates);
    if (!image)
        return Error{QStringLiteral("catalog.signature"), QStringLiteral("the TA is not signed by SP '%1': %2").arg(spid, image.error().message)};
    const protocol::otrp::TaImage &ta = image.value();

    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    auto existing = run(m_db, QStringLiteral("SELECT t.id, s.spid FROM trusted_apps t JOIN service_providers s ON s.id = t.sp_id WHERE t.name = ?"), {ta.taid});
    if (!existing)
        return existing.error();
    QSqlQuery &found = existing.value();
    qint64 taId = 0;
    if (found.next()) {
        if (found.value(1).toString() != spid)
            return Error{QStringLiteral("catalog.other-sp"), QStringLiteral("TA '%1' belongs to SP '%2'").arg(ta.taid, found.value(1).toString())};
        taId = found.value(0).toLongLong();
    } else {
        const QByteArray componentId = QCborValue(QCborArray{QCborValue(ta.taid.toUtf8())}).toCbor();
        auto inserted = insertReturningId(m_db, QStringLiteral("INSERT INTO trusted_apps (sp_id, name, component_id, description, created_at) VALUES (?, ?, ?, ?, ?)"),
                                  {sp.value().id, ta.taid, componentId, ta.taname, store::timestamp(m_clock)});
        if (!inserted)
            return inserted.error();
        taId = inserted.value();
    }
    const QString digest = QString::fromLatin1(crypto::sha256(ta.binary).toHex());
    auto version = insertReturningId(m_db, QStringLiteral("INSERT INTO ta_versions (ta_id, sequence_number, version_label, binary_sha256, binary_size, binary_data, created_at) "
                                                  "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                             {taId, ta.version, ta.taname, digest, ta.binary.size(), signedTa, store::timestamp(m_clock)});
    if (!version)
        return version.error().code == QLatin1String("store.unique")
                   ? Error{QStringLiteral("catalog.duplicate"), QStringLiteral("TA '%1' already has version %2").arg(ta.taid).arg(ta.version)}
                   : version.error();
    const qint64 versionId = version.value();
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("ta.version-added"), QStringLiteral("ta_version"),
                                                       QString::number(versionId),
                                                       {{"taid", ta.taid.toStdString()}, {"spid", spid.toStdString()},
                                                        {"version", ta.version}, {"sha256", digest.toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return TaVersion{versionId, taId, ta.taid, spid, ta.taname, ta.version, signedTa, digest, ta.binary.size(), {}};
}

QString payloadUri(const QString &sha256Hex)
{
    return QLatin1String(kPayloadPathPrefix) + sha256Hex;
}

Result<std::optional<QByteArray>> Catalog::payloadByDigest(const QString &sha256Hex) const
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    if (!hex.match(sha256Hex).hasMatch())
        return std::optional<QByteArray>();
    auto found = run(m_db, QStringLiteral("SELECT manifest FROM ta_versions WHERE binary_sha256 = ? AND manifest IS NOT NULL LIMIT 1"), {sha256Hex});
    if (!found)
        return found.error();
    if (!found.value().next())
        return std::optional<QByteArray>();
    const Result<suit::Envelope> envelope = suit::parseEnvelope(found.value().value(0).toByteArray());
    if (!envelope)
        return envelope.error();
    const QByteArray payload = envelope.value().integratedPayloads.value(envelope.value().uri);
    if (payload.isEmpty() || QString::fromLatin1(crypto::sha256(payload).toHex()) != sha256Hex)
        return std::optional<QByteArray>(); // a manifest without its code (or not this code)
    return std::optional<QByteArray>(payload);
}

Status Catalog::attachManifest(const QString &taid, qint64 sequence, const QByteArray &envelope, ManifestForm form)
{
    const Result<QList<TaVersion>> known = versions(taid);
    if (!known)
        return known.error();
    const auto version = std::find_if(known.value().cbegin(), known.value().cend(), [&](const TaVersion &v) { return v.sequence == sequence; });
    if (version == known.value().cend())
        return Error{QStringLiteral("catalog.unknown-version"), QStringLiteral("TA '%1' has no version %2").arg(taid).arg(sequence)};
    const Result<suit::Envelope> parsed = suit::parseEnvelope(envelope);
    if (!parsed)
        return Error{QStringLiteral("catalog.manifest"), QStringLiteral("not a SUIT envelope: %1").arg(parsed.error().message)};
    const Result<ServiceProvider> sp = ServiceProviders(m_db, m_clock, m_actor).get(version->spid);
    if (!sp)
        return sp.error();
    if (std::none_of(sp.value().certificates.cbegin(), sp.value().certificates.cend(),
                     [&](const crypto::Certificate &certificate) { return suit::verifyEnvelope(parsed.value(), certificate.publicKey()).ok(); }))
        return Error{QStringLiteral("catalog.signature"), QStringLiteral("the manifest is not signed by SP '%1'").arg(version->spid)};
    if (parsed.value().components.size() != 1 || parsed.value().components.first() != QCborValue(QCborArray{QCborValue(taid.toUtf8())}))
        return Error{QStringLiteral("catalog.manifest"), QStringLiteral("the manifest's component is not TA '%1'").arg(taid)};
    if (qint64(parsed.value().sequenceNumber) != sequence)
        return Error{QStringLiteral("catalog.manifest"),
                     QStringLiteral("the manifest's sequence number %1 is not version %2").arg(parsed.value().sequenceNumber).arg(sequence)};
    if (QString::fromLatin1(parsed.value().imageDigest.toHex()) != version->binarySha256)
        return Error{QStringLiteral("catalog.manifest"), QStringLiteral("the manifest describes another image than version %1's code").arg(sequence)};
    const bool byUri = form == ManifestForm::ByUri;
    if (byUri && (parsed.value().uri != payloadUri(version->binarySha256) || !parsed.value().integratedPayloads.isEmpty()))
        return Error{QStringLiteral("catalog.manifest"),
                     QStringLiteral("a manifest by URI must name its payload %1 and carry none").arg(payloadUri(version->binarySha256))};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    const QString column = byUri ? QStringLiteral("manifest_by_uri") : QStringLiteral("manifest");
    if (const auto stored = run(m_db, QStringLiteral("UPDATE ta_versions SET %1 = ? WHERE id = ?").arg(column), {envelope, version->id}); !stored)
        return stored.error();
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("ta.manifest-attached"), QStringLiteral("ta_version"),
                                                       QString::number(version->id),
                                                       {{"taid", taid.toStdString()}, {"version", sequence}, {"payload", byUri ? "by URI" : "integrated"}});
        !audited)
        return audited;
    return transaction.commit();
}

Result<QStringList> Catalog::taNames() const
{
    return store::column(m_db, QStringLiteral("SELECT name FROM trusted_apps ORDER BY name"));
}

Result<QList<TaVersion>> Catalog::versions(const QString &taid) const
{
    auto query = run(m_db,
                           QStringLiteral("SELECT v.id, t.id, t.name, s.spid, t.description, v.sequence_number, v.binary_data, v.binary_sha256, v.binary_size, v.manifest "
                                          "FROM ta_versions v JOIN trusted_apps t ON t.id = v.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                          "WHERE (? = '' OR t.name = ?) ORDER BY t.name, v.sequence_number"),
                           {taid.isEmpty() ? QStringLiteral("") : taid, taid}); // a null QString binds as NULL, and NULL = '' is not true
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QList<TaVersion> result;
    while (rows.next())
        result << TaVersion{rows.value(0).toLongLong(), rows.value(1).toLongLong(), rows.value(2).toString(), rows.value(3).toString(),
                            rows.value(4).toString(),   rows.value(5).toLongLong(), rows.value(6).toByteArray(), rows.value(7).toString(),
                            rows.value(8).toLongLong(), rows.value(9).toByteArray()};
    return result;
}

Result<Assignment> Catalog::assign(const QString &taid, TargetKind kind, const QString &target, std::optional<qint64> sequence, bool allowRollback)
{
    const Result<QList<TaVersion>> known = versions(taid);
    if (!known)
        return known.error();
    if (known.value().isEmpty())
        return Error{QStringLiteral("catalog.unknown-ta"), QStringLiteral("no TA '%1' in the catalog (teepctl ta add)").arg(taid)};
    if (sequence && std::none_of(known.value().cbegin(), known.value().cend(), [&](const TaVersion &v) { return v.sequence == *sequence; }))
        return Error{QStringLiteral("catalog.unknown-version"), QStringLiteral("TA '%1' has no version %2").arg(taid).arg(*sequence)};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    QVariant deviceId, groupId;
    if (kind == TargetKind::Device) {
        auto device = run(m_db, QStringLiteral("SELECT id FROM devices WHERE name = ? OR serial = ? ORDER BY id LIMIT 1"), {target, target});
        if (!device)
            return device.error();
        QSqlQuery &row = device.value();
        if (!row.next())
            return Error{QStringLiteral("catalog.unknown-device"), QStringLiteral("no device named '%1' (teepctl devices list)").arg(target)};
        deviceId = row.value(0);
    } else if (kind == TargetKind::Group) {
        // A blank name is refused (an empty one would mean "no group").
        const Result<QVariant> group = ensureDeviceGroup(m_db, target.isEmpty() ? QStringLiteral(" ") : target);
        if (!group)
            return group.error();
        groupId = group.value();
    }
    auto inserted = insertReturningId(m_db, QStringLiteral("INSERT INTO assignments (ta_id, target_kind, device_id, group_id, sequence_number, allow_rollback, created_at) "
                                                   "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                              {known.value().first().taId, targetKindName(kind), deviceId, groupId,
                               sequence ? QVariant(*sequence) : QVariant(QMetaType(QMetaType::LongLong)), allowRollback ? 1 : 0,
                               store::timestamp(m_clock)});
    if (!inserted)
        return inserted.error();
    const qint64 id = inserted.value();
    const Assignment assignment{id, taid, known.value().first().spid, kind, kind == TargetKind::All ? QString() : target, sequence, allowRollback, false};
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("ta.assigned"), QStringLiteral("assignment"), QString::number(id),
                                                       {{"taid", taid.toStdString()},
                                                        {"target", (targetKindName(kind) + QLatin1Char(':') + assignment.target).toStdString()},
                                                        {"version", sequence ? nlohmann::json(*sequence) : nlohmann::json("latest")},
                                                        {"allow_rollback", allowRollback}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return assignment;
}

Status Catalog::unassign(qint64 assignmentId)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    auto removed = run(m_db, QStringLiteral("DELETE FROM assignments WHERE id = ?"), {assignmentId});
    if (!removed)
        return removed.error();
    if (removed.value().numRowsAffected() != 1)
        return Error{QStringLiteral("catalog.unknown-assignment"), QStringLiteral("no assignment %1").arg(assignmentId)};
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("ta.unassigned"), QStringLiteral("assignment"),
                                                       QString::number(assignmentId));
        !audited)
        return audited;
    return transaction.commit();
}

Result<Assignment> Catalog::removeFromDevice(const QString &taid, const QString &device)
{
    const Result<QList<TaVersion>> known = versions(taid);
    if (!known)
        return known.error();
    if (known.value().isEmpty())
        return Error{QStringLiteral("catalog.unknown-ta"), QStringLiteral("no TA '%1' in the catalog").arg(taid)};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    auto found = run(m_db, QStringLiteral("SELECT id, name FROM devices WHERE name = ? OR serial = ? ORDER BY id LIMIT 1"), {device, device});
    if (!found)
        return found.error();
    QSqlQuery &row = found.value();
    if (!row.next())
        return Error{QStringLiteral("catalog.unknown-device"), QStringLiteral("no device named '%1' (teepctl devices list)").arg(device)};
    const QVariant deviceId = row.value(0);
    const QString name = row.value(1).toString();
    const qint64 taId = known.value().first().taId;
    if (auto replaced = run(m_db, QStringLiteral("DELETE FROM assignments WHERE ta_id = ? AND device_id = ?"), {taId, deviceId}); !replaced)
        return replaced.error();
    auto inserted = insertReturningId(m_db, QStringLiteral("INSERT INTO assignments (ta_id, target_kind, device_id, allow_rollback, excluded, created_at) "
                                                           "VALUES (?, 'device', ?, 0, 1, ?)"),
                                      {taId, deviceId, store::timestamp(m_clock)});
    if (!inserted)
        return inserted.error();
    const Assignment assignment{inserted.value(), taid, known.value().first().spid, TargetKind::Device, name, std::nullopt, false, true};
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("ta.removed-from-device"), QStringLiteral("assignment"),
                                                       QString::number(assignment.id), {{"taid", taid.toStdString()}, {"device", name.toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return assignment;
}

Result<QList<Assignment>> Catalog::assignments() const
{
    auto query = run(m_db, QStringLiteral("SELECT a.id, t.name, s.spid, a.target_kind, COALESCE(d.name, g.name, ''), a.sequence_number, a.allow_rollback, a.excluded "
                                                "FROM assignments a JOIN trusted_apps t ON t.id = a.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                                "LEFT JOIN devices d ON d.id = a.device_id LEFT JOIN device_groups g ON g.id = a.group_id ORDER BY a.id"));
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QList<Assignment> result;
    while (rows.next())
        result << Assignment{rows.value(0).toLongLong(),
                             rows.value(1).toString(),
                             rows.value(2).toString(),
                             targetKindFromName(rows.value(3).toString()).value_or(TargetKind::All),
                             rows.value(4).toString(),
                             rows.value(5).isNull() ? std::nullopt : std::optional<qint64>(rows.value(5).toLongLong()),
                             rows.value(6).toInt() == 1,
                             rows.value(7).toInt() == 1};
    return result;
}

} // namespace teep::tam
