// The registry's TEEP agents: registered (one, or a factory list) or learned through verified
// evidence, found by the thumbprint their messages name or, without one, by their signature, and
// the profile of the forms the TAM accepts from them.
#include "tam/deviceregistry.h"

#include "crypto/cosekey.h"
#include "crypto/openssl.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QSet>

#include <nlohmann/json.hpp>

namespace teep::tam {

using store::insertReturningId;
using store::run;

namespace {
// The agent_key_type column: which keys can have made a signature of a given algorithm.
QString agentKeyType(const crypto::Key &key)
{
    const QString description = key.description();
    return description.startsWith(QLatin1String("EC ")) ? description.mid(3) : description;
}
} // namespace

Result<qint64> DeviceRegistry::registerAgent(const QString &name, const crypto::Key &agentKey, const QString &group, const QString &profile)
{
    if (name.trimmed().isEmpty() || name.size() > 128)
        return Error{QStringLiteral("fleet.bad-name"), QStringLiteral("a device needs a name of 1 to 128 characters")};
    if (profile != QLatin1String("standard") && profile != QLatin1String("compatible"))
        return Error{QStringLiteral("fleet.bad-profile"), QStringLiteral("a device's profile is standard or compatible, not '%1'").arg(profile)};
    const Result<QByteArray> kid = crypto::coseKeyThumbprint(agentKey);
    if (!kid)
        return kid.error();
    qint64 deviceId = 0;
    const Status done = audited(QStringLiteral("device.registered"), QStringLiteral("device"), name,
                                {{"name", name.toStdString()}, {"agent_kid", kid.value().toHex().toStdString()}, {"group", group.toStdString()},
                                 {"profile", profile.toStdString()}},
                                [&]() -> Status {
        const Result<QVariant> groupId = ensureDeviceGroup(m_db, group);
        if (!groupId)
            return groupId.error();
        const auto device = insertReturningId(m_db, QStringLiteral("INSERT INTO devices (name, serial, group_id, agent_key_spki, agent_key_id, agent_key_type, compat_profile, "
                                                     "identity_source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', ?)"),
                                {name, QString::fromLatin1(kid.value().toHex()), groupId.value(), agentKey.publicKeyDer(), kid.value(), agentKeyType(agentKey),
                                 profile, store::timestamp(m_clock)});
        if (!device)
            return device.error().code == QLatin1String("store.unique")
                       ? Status(Error{QStringLiteral("fleet.duplicate"), QStringLiteral("device %1 or this agent key is registered already").arg(name)})
                       : Status(device.error());
        deviceId = device.value();
        const auto tee = run(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol) VALUES (?, 'teep', 'teep')"), {deviceId});
        return tee ? Status() : Status(tee.error());
    });
    if (!done)
        return done.error();
    return deviceId;
}

Status DeviceRegistry::registerAgents(const QList<AgentRegistration> &devices)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    for (const AgentRegistration &device : devices) {
        if (const Result<qint64> id = registerAgent(device.name, device.agentKey, device.group, device.profile); !id)
            return Error{id.error().code, QStringLiteral("%1: %2 (nothing registered)").arg(device.name, id.error().message)};
    }
    return transaction.commit();
}

Result<std::optional<TeeRecord>> DeviceRegistry::teeForAgentKey(const QByteArray &kid) const
{
    auto found = run(m_db, QStringLiteral("SELECT d.id, d.name, t.id, d.compat_profile FROM devices d JOIN tees t ON t.device_id = d.id AND t.protocol = 'teep' "
                                          "WHERE d.agent_key_id = ? ORDER BY t.id LIMIT 1"),
                     {kid});
    if (!found)
        return found.error();
    if (!found.value().next())
        return std::optional<TeeRecord>();
    return std::optional<TeeRecord>(TeeRecord{found.value().value(0).toLongLong(), found.value().value(2).toLongLong(), found.value().value(1).toString(), false,
                                              found.value().value(3).toString() == QLatin1String("compatible")});
}

Status DeviceRegistry::setCompatibilityProfile(const QString &device, const QString &profile)
{
    if (profile != QLatin1String("standard") && profile != QLatin1String("compatible"))
        return Error{QStringLiteral("fleet.bad-profile"), QStringLiteral("a device's profile is standard or compatible")};
    return audited(QStringLiteral("device.profile-set"), QStringLiteral("device"), device, {{"profile", profile.toStdString()}}, [&]() -> Status {
        auto updated = run(m_db, QStringLiteral("UPDATE devices SET compat_profile = ? WHERE name = ? OR serial = ?"), {profile, device, device});
        if (!updated)
            return updated.error();
        if (updated.value().numRowsAffected() == 0)
            return Error{QStringLiteral("fleet.unknown-device"), QStringLiteral("no device named '%1'").arg(device)};
        return {};
    });
}

Result<std::optional<DeviceRegistry::IdentifiedAgent>> DeviceRegistry::teeForSignature(const crypto::cose::SignedObject &object, const crypto::cose::AlgorithmPolicy &policy) const
{
    const qint64 alg = object.body.alg;
    const QString type = alg == crypto::cose::kES256 || alg == crypto::cose::kESP256 ? QStringLiteral("P-256")
                         : alg == crypto::cose::kEdDSA || alg == crypto::cose::kEd25519 ? QStringLiteral("Ed25519")
                                                                                          : QString();
    if (type.isEmpty() || !policy.accepts(alg))
        return std::optional<IdentifiedAgent>();
    auto count = run(m_db, QStringLiteral("SELECT COUNT(*) FROM devices WHERE agent_key_type = ?"), {type});
    if (!count)
        return count.error();
    if (count.value().next() && count.value().value(0).toLongLong() > kMaxKeysTried)
        return Error{QStringLiteral("fleet.too-many-keys"),
                     QStringLiteral("the agent sent no kid and %1 %2 agent keys are registered, more than the %3 the TAM tries for one message: "
                                    "let the agent send its key's thumbprint as kid")
                         .arg(count.value().value(0).toLongLong()).arg(type).arg(kMaxKeysTried)};
    auto keys = run(m_db, QStringLiteral("SELECT d.id, d.name, t.id, d.compat_profile, d.agent_key_spki FROM devices d "
                                         "JOIN tees t ON t.device_id = d.id AND t.protocol = 'teep' WHERE d.agent_key_type = ? "
                                         "ORDER BY d.last_contact_at IS NOT NULL, d.last_contact_at DESC"),
                    {type});
    if (!keys)
        return keys.error();
    QSet<qint64> tried;
    while (keys.value().next()) {
        const qint64 deviceId = keys.value().value(0).toLongLong();
        if (tried.contains(deviceId))
            continue; // a device with several TEEP TEEs: its key is tried once
        tried.insert(deviceId);
        const Result<crypto::Key> key = crypto::Key::fromPublicKey(keys.value().value(4).toByteArray());
        if (!key || !crypto::cose::verify(object, key.value(), policy))
            continue;
        return std::optional<IdentifiedAgent>(IdentifiedAgent{
            TeeRecord{deviceId, keys.value().value(2).toLongLong(), keys.value().value(1).toString(), false,
                      keys.value().value(3).toString() == QLatin1String("compatible")},
            key.value()});
    }
    return std::optional<IdentifiedAgent>();
}

Result<TeeRecord> DeviceRegistry::learnTeepDevice(const crypto::Key &agentKey, const QByteArray &kid, const crypto::Certificate &attestationCertificate,
                                                  const QString &givenName, const QString &source)
{
    const Result<Admission> policy = admission();
    if (!policy || policy.value() == Admission::RegisteredOnly)
        return Error{QStringLiteral("fleet.unregistered"),
                     QStringLiteral("the TEEP Agent key %1 is attested but not registered (admission: registered only)").arg(QString::fromLatin1(kid.toHex().left(16)))};
    TeeRecord record;
    const QString now = store::timestamp(m_clock);
    const QString name = !givenName.isEmpty()                            ? givenName.left(128)
                         : attestationCertificate.commonName().isEmpty() ? QString::fromLatin1(kid.toHex().left(16))
                                                                         : attestationCertificate.commonName().left(128);
    const Status done = audited(QStringLiteral("device.learned"), QStringLiteral("device"), name,
                                {{"name", name.toStdString()}, {"agent_kid", kid.toHex().toStdString()}, {"source", source.toStdString()},
                                 {"issuer", attestationCertificate.issuer().toStdString()}},
                                [&]() -> Status {
                                    auto device = insertReturningId(m_db, QStringLiteral("INSERT INTO devices (name, serial, agent_key_spki, agent_key_id, agent_key_type, "
                                                                           "identity_source, first_contact_at, last_contact_at, created_at) "
                                                                           "VALUES (?, ?, ?, ?, ?, 'attested', ?, ?, ?)"),
                                                      {name, QString::fromLatin1(kid.toHex()), agentKey.publicKeyDer(), kid, agentKeyType(agentKey), now, now, now});
                                    if (!device)
                                        return device.error();
                                    record.deviceId = device.value();
                                    record.deviceName = name;
                                    record.newDevice = true;
                                    auto tee = insertReturningId(m_db, QStringLiteral("INSERT INTO tees (device_id, tee_name, protocol, tee_cert_der) VALUES (?, 'teep', 'teep', ?)"),
                                                   {record.deviceId, attestationCertificate.der()});
                                    if (!tee)
                                        return tee.error();
                                    record.teeId = tee.value();
                                    return {};
                                });
    if (!done)
        return done.error();
    return record;
}

Result<crypto::Key> DeviceRegistry::agentKey(qint64 deviceId) const
{
    auto found = run(m_db, QStringLiteral("SELECT agent_key_spki FROM devices WHERE id = ?"), {deviceId});
    if (!found)
        return found.error();
    if (!found.value().next() || found.value().value(0).isNull())
        return Error{QStringLiteral("fleet.no-agent-key"), QStringLiteral("device %1 has no TEEP Agent key").arg(deviceId)};
    return crypto::Key::fromPublicKey(found.value().value(0).toByteArray());
}

} // namespace teep::tam
