#include "tam/fleet.h"

#include "tam/attestationchecks.h"

#include <QHash>

#include "crypto/cosekey.h"
#include "crypto/openssl.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

namespace teep::tam {

using store::run;


Result<QVariant> ensureDeviceGroup(const QSqlDatabase &db, const QString &name)
{
    if (name.isEmpty())
        return QVariant();
    if (name.trimmed().isEmpty() || name.size() > 128)
        return Error{QStringLiteral("fleet.bad-group"), QStringLiteral("a group needs a name of 1 to 128 characters")};
    if (const auto created = run(db, QStringLiteral("INSERT INTO device_groups (name) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM device_groups WHERE name = ?)"),
                                 {name, name});
        !created)
        return created.error();
    auto found = run(db, QStringLiteral("SELECT id FROM device_groups WHERE name = ?"), {name});
    if (!found)
        return found.error();
    if (!found.value().next())
        return Error{QStringLiteral("fleet.bad-group"), QStringLiteral("group '%1' could not be made").arg(name)};
    return found.value().value(0);
}

QString tierName(Tier tier)
{
    switch (tier) {
    case Tier::Affirming:
        return QStringLiteral("affirming");
    case Tier::Warning:
        return QStringLiteral("warning");
    case Tier::Identified:
        return QStringLiteral("identified");
    case Tier::Contraindicated:
        break;
    }
    return QStringLiteral("contraindicated");
}

Fleet::Fleet(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Result<Admission> Fleet::admission() const
{
    auto setting = run(m_db, QStringLiteral("SELECT value FROM settings WHERE key = 'devices.admission'"));
    if (!setting)
        return setting.error();
    return setting.value().next() && setting.value().value(0).toString() == QLatin1String("registered") ? Admission::RegisteredOnly
                                                                                                        : Admission::Attested;
}

Status Fleet::setAdmission(Admission admission)
{
    const QString value = admission == Admission::RegisteredOnly ? QStringLiteral("registered") : QStringLiteral("attested");
    return audited(QStringLiteral("devices.admission-set"), QStringLiteral("setting"), QStringLiteral("devices.admission"),
                   {{"value", value.toStdString()}}, [&]() -> Status {
                       const auto stored = run(m_db, QStringLiteral("INSERT INTO settings (key, value) VALUES ('devices.admission', ?) "
                                                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                                               {value});
                       return stored ? Status() : Status(stored.error());
                   });
}

Result<qint64> Fleet::registerDevice(const QString &name, const crypto::Certificate &teeCertificate, const QString &group)
{
    if (name.trimmed().isEmpty() || name.size() > 128)
        return Error{QStringLiteral("fleet.bad-name"), QStringLiteral("a device needs a name of 1 to 128 characters")};
    qint64 deviceId = 0;
    const QString serial = QString::fromLatin1(crypto::sha256(teeCertificate.der()).toHex());
    const Status done = audited(QStringLiteral("device.registered"), QStringLiteral("device"), name,
                                {{"name", name.toStdString()}, {"serial", serial.toStdString()}, {"group", group.toStdString()}}, [&]() -> Status {
        auto known = run(m_db, QStringLiteral("SELECT d.name FROM tees t JOIN devices d ON d.id = t.device_id WHERE t.tee_cert_der = ?"), {teeCertificate.der()});
        if (!known)
            return known.error();
        if (known.value().next())
            return Error{QStringLiteral("fleet.duplicate"), QStringLiteral("this TEE certificate belongs to device '%1' already").arg(known.value().value(0).toString())};
        const Result<QVariant> groupId = ensureDeviceGroup(m_db, group);
        if (!groupId)
            return groupId.error();
        const auto device = run(m_db, QStringLiteral("INSERT INTO devices (name, serial, group_id, agent_key_spki, identity_source, created_at) "
                                                     "VALUES (?, ?, ?, ?, 'registered', ?)"),
                                {name, serial, groupId.value(), teeCertificate.publicKey().publicKeyDer(), store::timestamp(m_clock)});
        if (!device)
            return device.error().code == QLatin1String("store.unique") ? Status(Error{QStringLiteral("fleet.duplicate"), QStringLiteral("device %1 exists").arg(name)})
                                                                             : Status(device.error());
        deviceId = device.value().lastInsertId().toLongLong();
        // The TEE's routing name is learned at its first contact.
        const auto tee = run(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, '', 'otrp', ?)"),
                             {deviceId, teeCertificate.der()});
        return tee ? Status() : Status(tee.error());
    });
    if (!done)
        return done.error();
    return deviceId;
}

Status Fleet::audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                      const std::function<Status()> &change)
{
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, action, objectType, objectId, detail, change);
}

Result<TeeRecord> Fleet::teeForCertificate(const crypto::Certificate &teeCertificate, const QString &teeName, const QString &protocol,
                                           qint64 sameDeviceAs)
{
    TeeRecord record;
    const QString now = store::timestamp(m_clock);
    const Status done = audited(QString(), {}, {}, {}, [&]() -> Status {
        auto found = run(m_db, QStringLiteral("SELECT t.id, d.id, d.name FROM tees t JOIN devices d ON d.id = t.device_id WHERE t.tee_cert_der = ?"),
                               {teeCertificate.der()});
        if (!found)
            return found.error();
        QSqlQuery &row = found.value();
        if (row.next()) {
            record = {row.value(1).toLongLong(), row.value(0).toLongLong(), row.value(2).toString(), false};
            if (const auto named = run(m_db, QStringLiteral("UPDATE tees SET tee_name = ? WHERE id = ? AND tee_name <> ?"), {teeName, record.teeId, teeName});
                !named)
                return named.error();
        } else if (const Result<Admission> policy = admission(); sameDeviceAs == 0 && (!policy || policy.value() == Admission::RegisteredOnly)) {
            return Error{QStringLiteral("fleet.unregistered"),
                         QStringLiteral("the TEE certificate '%1' is trusted but no registered device has it (admission: registered only)")
                             .arg(teeCertificate.subject())};
        } else if (sameDeviceAs > 0) {
            auto device = run(m_db, QStringLiteral("SELECT name FROM devices WHERE id = ?"), {sameDeviceAs});
            if (!device)
                return device.error();
            if (!device.value().next())
                return Error{QStringLiteral("fleet.no-device"), QStringLiteral("device %1 does not exist").arg(sameDeviceAs)};
            record = {sameDeviceAs, 0, device.value().value(0).toString(), false};
            const auto tee = run(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, ?, ?, ?)"),
                                 {sameDeviceAs, teeName, protocol, teeCertificate.der()});
            if (!tee)
                return tee.error();
            record.teeId = tee.value().lastInsertId().toLongLong();
        } else {
            const QString serial = QString::fromLatin1(crypto::sha256(teeCertificate.der()).toHex());
            const QString name = teeCertificate.commonName().isEmpty() ? serial.left(16) : teeCertificate.commonName().left(128);
            auto device = run(m_db, QStringLiteral("INSERT INTO devices (name, serial, agent_key_spki, identity_source, first_contact_at, created_at) "
                                                         "VALUES (?, ?, ?, 'attested', ?, ?)"),
                                    {name, serial, teeCertificate.publicKey().publicKeyDer(), now, now});
            if (!device)
                return device.error();
            record.deviceId = device.value().lastInsertId().toLongLong();
            record.deviceName = name;
            record.newDevice = true;
            auto tee = run(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, ?, ?, ?)"),
                                 {record.deviceId, teeName, protocol, teeCertificate.der()});
            if (!tee)
                return tee.error();
            record.teeId = tee.value().lastInsertId().toLongLong();
            if (const Status logged = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("device.learned"), QStringLiteral("device"),
                                                              QString::number(record.deviceId),
                                                              {{"name", name.toStdString()}, {"serial", serial.toStdString()},
                                                               {"source", "attested TEE certificate"}, {"issuer", teeCertificate.issuer().toStdString()}});
                !logged)
                return logged;
        }
        auto touched = run(m_db, QStringLiteral("UPDATE devices SET last_contact_at = ?, first_contact_at = COALESCE(first_contact_at, ?) WHERE id = ?"),
                                 {now, now, record.deviceId});
        if (!touched)
            return touched.error();
        return {};
    });
    if (!done)
        return done.error();
    return record;
}

Status Fleet::touch(qint64 deviceId, const QString &outcome)
{
    const QString now = store::timestamp(m_clock);
    const auto touched = run(m_db, QStringLiteral("UPDATE devices SET last_contact_at = ?, first_contact_at = COALESCE(first_contact_at, ?), "
                                                  "last_outcome = COALESCE(?, last_outcome) WHERE id = ?"),
                             {now, now, outcome.isEmpty() ? QVariant() : QVariant(outcome.left(500)), deviceId});
    return touched ? Status() : Status(touched.error());
}

Result<QList<DesiredTa>> Fleet::desiredFor(qint64 deviceId, TaForm form) const
{
    const QString blobs = form == TaForm::SignedTa ? QStringLiteral("v.binary_data, NULL, NULL") : QStringLiteral("NULL, v.manifest, v.manifest_by_uri");
    // Every assignment that reaches the device; per TA the most specific wins (device, then
    // group, then all), and among equals the newest assignment.
    auto query = run(m_db,
                           QStringLiteral("SELECT t.name, s.spid, a.sequence_number, a.allow_rollback, t.id, "
                                          "CASE a.target_kind WHEN 'device' THEN 0 WHEN 'group' THEN 1 ELSE 2 END AS rank "
                                          "FROM assignments a JOIN trusted_apps t ON t.id = a.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                          "WHERE a.target_kind = 'all' OR a.device_id = ? "
                                          "OR a.group_id = (SELECT group_id FROM devices WHERE id = ?) "
                                          "ORDER BY t.name, rank, a.id DESC"),
                           {deviceId, deviceId});
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QList<DesiredTa> result;
    QString lastTaid;
    while (rows.next()) {
        const QString taid = rows.value(0).toString();
        if (taid == lastTaid)
            continue;
        lastTaid = taid;
        auto version = rows.value(2).isNull()
                                 ? run(m_db, QStringLiteral("SELECT v.id, v.sequence_number, %1 FROM ta_versions v WHERE v.ta_id = ? ORDER BY v.sequence_number DESC LIMIT 1").arg(blobs),
                                       {rows.value(4)})
                                 : run(m_db, QStringLiteral("SELECT v.id, v.sequence_number, %1 FROM ta_versions v WHERE v.ta_id = ? AND v.sequence_number = ?").arg(blobs),
                                       {rows.value(4), rows.value(2)});
        if (!version)
            return version.error();
        QSqlQuery &v = version.value();
        if (!v.next())
            continue;
        DesiredTa ta{v.value(0).toLongLong(), taid, rows.value(1).toString(), v.value(1).toLongLong(), v.value(2).toByteArray(),
                     rows.value(3).toInt() == 1, v.value(3).toByteArray(), v.value(4).toByteArray()};
        result << ta;
    }
    // What the device asked for and the operator (or the policy) approved, unless assigned too.
    auto requests = run(m_db, QStringLiteral("SELECT t.name, s.spid, r.sequence_number, r.have_binary, v.id, v.sequence_number, %1 "
                                             "FROM ta_requests r JOIN trusted_apps t ON t.id = r.ta_id JOIN service_providers s ON s.id = t.sp_id "
                                             "JOIN ta_versions v ON v.ta_id = t.id AND v.sequence_number = "
                                             "(SELECT MAX(sequence_number) FROM ta_versions WHERE ta_id = t.id) "
                                             "WHERE r.device_id = ? AND r.status = 'approved' ORDER BY t.name").arg(blobs),
                        {deviceId});
    if (!requests)
        return requests.error();
    QSqlQuery &r = requests.value();
    while (r.next()) {
        const QString taid = r.value(0).toString();
        if (std::any_of(result.cbegin(), result.cend(), [&](const DesiredTa &ta) { return ta.taid == taid; }))
            continue;
        if (!r.value(2).isNull() && r.value(2).toLongLong() > r.value(5).toLongLong())
            continue; // asks for a newer version than the catalog has
        DesiredTa ta{r.value(4).toLongLong(), taid, r.value(1).toString(), r.value(5).toLongLong(), r.value(6).toByteArray(), false, r.value(7).toByteArray(),
                     r.value(8).toByteArray()};
        ta.requested = true;
        ta.haveBinary = r.value(3).toInt() == 1;
        result << ta;
    }
    return result;
}

Result<QMap<QString, qint64>> Fleet::installedVersions(qint64 teeId) const
{
    auto query = run(m_db, QStringLiteral("SELECT t.name, v.sequence_number FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                                "JOIN trusted_apps t ON t.id = v.ta_id WHERE i.tee_id = ? AND i.state = 'installed'"),
                           {teeId});
    if (!query)
        return query.error();
    QSqlQuery &rows = query.value();
    QMap<QString, qint64> result;
    while (rows.next())
        result.insert(rows.value(0).toString(), qMax(result.value(rows.value(0).toString(), -1), rows.value(1).toLongLong()));
    return result;
}

Status Fleet::reconcile(qint64 teeId, const QList<protocol::otrp::SdEntry> &reported)
{
    return audited(QString(), {}, {}, {}, [&]() -> Status {
        const QString now = store::timestamp(m_clock);
        QStringList names;
        QStringList taids;
        for (const protocol::otrp::SdEntry &sd : reported) {
            names << sd.name;
            for (const protocol::otrp::TaEntry &ta : sd.tas)
                taids << ta.taid;
            const auto upserted = run(m_db, QStringLiteral("INSERT INTO security_domains (tee_id, sp_id, name, state, created_at) "
                                                           "SELECT ?, id, ?, 'created', ? FROM service_providers WHERE spid = ? "
                                                           "ON CONFLICT (tee_id, name) DO NOTHING"),
                                      {teeId, sd.name, now, sd.spid});
            if (!upserted)
                return upserted.error();
        }
        auto known = run(m_db, QStringLiteral("SELECT id, name FROM security_domains WHERE tee_id = ?"), {teeId});
        if (!known)
            return known.error();
        QList<qint64> gone;
        while (known.value().next()) {
            if (!names.contains(known.value().value(1).toString()))
                gone << known.value().value(0).toLongLong();
        }
        for (qint64 id : gone) {
            if (const auto removed = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE security_domain_id = ? AND state = 'installed'"),
                                         {now, id});
                !removed)
                return removed.error();
            if (const auto deleted = run(m_db, QStringLiteral("DELETE FROM security_domains WHERE id = ?"), {id}); !deleted)
                return deleted.error();
        }
        auto installed = run(m_db, QStringLiteral("SELECT i.id, t.name FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                                  "JOIN trusted_apps t ON t.id = v.ta_id WHERE i.tee_id = ? AND i.state = 'installed'"),
                             {teeId});
        if (!installed)
            return installed.error();
        QList<qint64> missing;
        while (installed.value().next()) {
            if (!taids.contains(installed.value().value(1).toString()))
                missing << installed.value().value(0).toLongLong();
        }
        for (qint64 id : missing) {
            if (const auto removed = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', detail = 'not reported by the TEE', updated_at = ? WHERE id = ?"),
                                         {now, id});
                !removed)
                return removed.error();
        }
        return {};
    });
}

Status Fleet::recordAttestation(qint64 teeId, qint64 sessionId, Tier tier, const QList<attestation::Check> &checks, const QString &policy)
{
    nlohmann::json detail{{"tier", tierName(tier).toStdString()}};
    if (!policy.isEmpty())
        detail["policy"] = policy.toStdString();
    return audited(QStringLiteral("attestation.verified"), QStringLiteral("tee"), QString::number(teeId), detail,
                   [&]() -> Status {
                       auto inserted = run(m_db, QStringLiteral("INSERT INTO attestation_results (tee_id, session_id, tier, checks_json, verified_at) VALUES (?, ?, ?, ?, ?)"),
                                                 {teeId, sessionId, tierName(tier), encodeChecks(checks), store::timestamp(m_clock)});
                       return inserted ? Status() : Status(inserted.error());
                   });
}

Status Fleet::recordSdCreated(qint64 teeId, const QString &spid, const QString &sdName)
{
    return audited(QStringLiteral("sd.created"), QStringLiteral("tee"), QString::number(teeId), {{"sd", sdName.toStdString()}, {"spid", spid.toStdString()}},
                   [&]() -> Status {
                       auto inserted = run(m_db, QStringLiteral("INSERT INTO security_domains (tee_id, sp_id, name, state, created_at) "
                                                                      "SELECT ?, id, ?, 'created', ? FROM service_providers WHERE spid = ? "
                                                                      "ON CONFLICT (tee_id, name) DO UPDATE SET state = 'created'"),
                                                 {teeId, sdName, store::timestamp(m_clock), spid});
                       return inserted ? Status() : Status(inserted.error());
                   });
}

Status Fleet::recordSdDeleted(qint64 teeId, const QString &sdName)
{
    return audited(QStringLiteral("sd.deleted"), QStringLiteral("tee"), QString::number(teeId), {{"sd", sdName.toStdString()}}, [&]() -> Status {
        auto removedTas = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND state = 'installed' "
                                                         "AND security_domain_id = (SELECT id FROM security_domains WHERE tee_id = ? AND name = ?)"),
                                    {store::timestamp(m_clock), teeId, teeId, sdName});
        if (!removedTas)
            return removedTas.error();
        auto deleted = run(m_db, QStringLiteral("DELETE FROM security_domains WHERE tee_id = ? AND name = ?"), {teeId, sdName});
        return deleted ? Status() : Status(deleted.error());
    });
}

Status Fleet::recordInstalled(qint64 teeId, const DesiredTa &ta, const QString &sdName)
{
    return audited(QStringLiteral("ta.installed"), QStringLiteral("tee"), QString::number(teeId),
                   {{"taid", ta.taid.toStdString()}, {"version", ta.sequence}, {"sd", sdName.toStdString()}}, [&]() -> Status {
                       const QString now = store::timestamp(m_clock);
                       // Any other version of this TA on this TEE is gone now.
                       auto others = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND ta_version_id <> ? "
                                                                    "AND ta_version_id IN (SELECT id FROM ta_versions WHERE ta_id = (SELECT ta_id FROM ta_versions WHERE id = ?))"),
                                               {now, teeId, ta.versionId, ta.versionId});
                       if (!others)
                           return others.error();
                       auto upserted = run(m_db, QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, security_domain_id, state, detail, updated_at) "
                                                                      "VALUES (?, ?, (SELECT id FROM security_domains WHERE tee_id = ? AND name = ?), 'installed', NULL, ?) "
                                                                      "ON CONFLICT (tee_id, ta_version_id) DO UPDATE SET state = 'installed', detail = NULL, "
                                                                      "security_domain_id = excluded.security_domain_id, updated_at = excluded.updated_at"),
                                                 {teeId, ta.versionId, teeId, sdName, now});
                       return upserted ? Status() : Status(upserted.error());
                   });
}

Status Fleet::recordRemoved(qint64 teeId, const QString &taid)
{
    return audited(QStringLiteral("ta.removed"), QStringLiteral("tee"), QString::number(teeId), {{"taid", taid.toStdString()}}, [&]() -> Status {
        auto updated = run(m_db, QStringLiteral("UPDATE installations SET state = 'removed', updated_at = ? WHERE tee_id = ? AND state = 'installed' "
                                                      "AND ta_version_id IN (SELECT v.id FROM ta_versions v JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ?)"),
                                 {store::timestamp(m_clock), teeId, taid});
        return updated ? Status() : Status(updated.error());
    });
}

Status Fleet::recordFailed(qint64 teeId, const DesiredTa &ta, const QString &detail)
{
    return audited(QStringLiteral("ta.install-failed"), QStringLiteral("tee"), QString::number(teeId),
                   {{"taid", ta.taid.toStdString()}, {"version", ta.sequence}, {"detail", detail.left(200).toStdString()}}, [&]() -> Status {
                       auto upserted = run(m_db, QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, state, detail, updated_at) VALUES (?, ?, 'failed', ?, ?) "
                                                                      "ON CONFLICT (tee_id, ta_version_id) DO UPDATE SET state = 'failed', detail = excluded.detail, "
                                                                      "updated_at = excluded.updated_at"),
                                                 {teeId, ta.versionId, detail.left(500), store::timestamp(m_clock)});
                       return upserted ? Status() : Status(upserted.error());
                   });
}

Result<QStringList> Fleet::deviceNames(int limit) const
{
    return store::column(m_db, QStringLiteral("SELECT name FROM devices ORDER BY name LIMIT ?"), {limit});
}

Result<QStringList> Fleet::groupNames() const
{
    return store::column(m_db, QStringLiteral("SELECT name FROM device_groups ORDER BY name"));
}

Result<std::optional<crypto::Key>> Fleet::agentKeyOf(const QString &name) const
{
    auto row = run(m_db, QStringLiteral("SELECT agent_key_spki FROM devices WHERE name = ? AND agent_key_spki IS NOT NULL"), {name});
    if (!row)
        return row.error();
    if (!row.value().next())
        return std::optional<crypto::Key>();
    Result<crypto::Key> key = crypto::Key::fromPublicKey(row.value().value(0).toByteArray());
    if (!key)
        return key.error();
    return std::optional<crypto::Key>(key.value());
}

Status Fleet::noteRefusedSignature(qint64 deviceId, const QString &peer)
{
    auto updated = run(m_db, QStringLiteral("UPDATE devices SET refused_signatures = refused_signatures + 1, last_refused_signature_at = ?, "
                                            "last_refused_signature_peer = ? WHERE id = ?"),
                       {store::timestamp(m_clock), peer.left(100), deviceId});
    return updated ? Status() : Status(updated.error());
}

} // namespace teep::tam
