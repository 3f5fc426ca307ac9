// The device registry: admission, registration of devices by TEE certificate, and the TEEs that
// attested OTrP sessions find or create. Its TEEP agents are in deviceagents.cpp.
#include "tam/deviceregistry.h"

#include "crypto/openssl.h"
#include "store/auditlog.h"
#include "store/sql.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::insertReturningId;
using store::run;

DeviceRegistry::DeviceRegistry(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Status DeviceRegistry::audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                               const std::function<Status()> &change)
{
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, action, objectType, objectId, detail, change);
}

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

Result<Admission> DeviceRegistry::admission() const
{
    auto setting = run(m_db, QStringLiteral("SELECT value FROM settings WHERE key = 'devices.admission'"));
    if (!setting)
        return setting.error();
    return setting.value().next() && setting.value().value(0).toString() == QLatin1String("registered") ? Admission::RegisteredOnly
                                                                                                        : Admission::Attested;
}

Status DeviceRegistry::setAdmission(Admission admission)
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

Result<qint64> DeviceRegistry::registerDevice(const QString &name, const crypto::Certificate &teeCertificate, const QString &group)
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
        const auto device = insertReturningId(m_db, QStringLiteral("INSERT INTO devices (name, serial, group_id, agent_key_spki, identity_source, created_at) "
                                                     "VALUES (?, ?, ?, ?, 'registered', ?)"),
                                {name, serial, groupId.value(), teeCertificate.publicKey().publicKeyDer(), store::timestamp(m_clock)});
        if (!device)
            return device.error().code == QLatin1String("store.unique") ? Status(Error{QStringLiteral("fleet.duplicate"), QStringLiteral("device %1 exists").arg(name)})
                                                                             : Status(device.error());
        deviceId = device.value();
        // The TEE's routing name is learned at its first contact.
        const auto tee = run(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, '', 'otrp', ?)"),
                             {deviceId, teeCertificate.der()});
        return tee ? Status() : Status(tee.error());
    });
    if (!done)
        return done.error();
    return deviceId;
}

Result<TeeRecord> DeviceRegistry::teeForCertificate(const crypto::Certificate &teeCertificate, const QString &teeName, const QString &protocol,
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
            const auto tee = insertReturningId(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, ?, ?, ?)"),
                                 {sameDeviceAs, teeName, protocol, teeCertificate.der()});
            if (!tee)
                return tee.error();
            record.teeId = tee.value();
        } else {
            const QString serial = QString::fromLatin1(crypto::sha256(teeCertificate.der()).toHex());
            const QString name = teeCertificate.commonName().isEmpty() ? serial.left(16) : teeCertificate.commonName().left(128);
            auto device = insertReturningId(m_db, QStringLiteral("INSERT INTO devices (name, serial, agent_key_spki, identity_source, first_contact_at, created_at) "
                                                         "VALUES (?, ?, ?, 'attested', ?, ?)"),
                                    {name, serial, teeCertificate.publicKey().publicKeyDer(), now, now});
            if (!device)
                return device.error();
            record.deviceId = device.value();
            record.deviceName = name;
            record.newDevice = true;
            auto tee = insertReturningId(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, ?, ?, ?)"),
                                 {record.deviceId, teeName, protocol, teeCertificate.der()});
            if (!tee)
                return tee.error();
            record.teeId = tee.value();
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

Result<QStringList> DeviceRegistry::deviceNames(int limit) const
{
    return store::column(m_db, QStringLiteral("SELECT name FROM devices ORDER BY name LIMIT ?"), {limit});
}

Result<QStringList> DeviceRegistry::groupNames() const
{
    return store::column(m_db, QStringLiteral("SELECT name FROM device_groups ORDER BY name"));
}

Result<std::optional<crypto::Key>> DeviceRegistry::agentKeyOf(const QString &name) const
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

} // namespace teep::tam
