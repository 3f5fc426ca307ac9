#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/cosesign.h"

#include <QList>
#include <QSqlDatabase>
#include <QStringList>

#include <optional>

#include <nlohmann/json_fwd.hpp>

// The devices the TAM knows and how it recognises them: their TEEs (OTrP: by TEE certificate),
// their TEEP Agent keys (registered from a factory list or learned through verified attestation),
// their groups and profiles, and which devices it admits at all. Every write is one transaction
// with its audit entry.
namespace teep::tam {

// The id of the device group `name`, created when missing; a null value for an empty name. Inside
// the caller's transaction.
Result<QVariant> ensureDeviceGroup(const QSqlDatabase &db, const QString &name);

struct TeeRecord
{
    qint64 deviceId = 0;
    qint64 teeId = 0;
    QString deviceName;
    bool newDevice = false;
    bool compatibility = false; // the device's compatibility profile (TEEP: deployed agents' forms)
};

struct AgentRegistration
{
    QString name;
    crypto::Key agentKey;
    QString group;
    QString profile = QStringLiteral("standard");
};

// Which devices the TAM accepts: any device whose TEE certificate verifies against a TEE root CA
// (learned through attestation, the default), or only devices the operator registered first
// (e.g. from a factory list). Kept in the settings table as devices.admission.
enum class Admission { Attested, RegisteredOnly };

class DeviceRegistry
{
public:
    DeviceRegistry(QSqlDatabase db, const Clock &clock, QString actor);

    Result<Admission> admission() const;
    Status setAdmission(Admission admission);
    // Names to pick from, sorted: devices (at most `limit`) and device groups.
    Result<QStringList> deviceNames(int limit = 10000) const;
    Result<QStringList> groupNames() const;

    // A device known before it connects: its TEE certificate (OTrP identifies a TEE by it) and,
    // optionally, its group (group assignments then reach it).
    Result<qint64> registerDevice(const QString &name, const crypto::Certificate &teeCertificate, const QString &group);
    // TEEP: a device known by its TEEP Agent key (e.g. from a factory list), with its profile
    // ("standard" or "compatible").
    Result<qint64> registerAgent(const QString &name, const crypto::Key &agentKey, const QString &group,
                                 const QString &profile = QStringLiteral("standard"));
    // Many at once (a factory list): all of them, or none when one cannot be registered.
    Status registerAgents(const QList<AgentRegistration> &devices);
    // A device's profile: "standard" (the draft, the default) or "compatible" (also what deployed
    // agents send: ES256/EdDSA signatures and older message forms; see teep.md). Audited.
    Status setCompatibilityProfile(const QString &device, const QString &profile);

    // The device owning this attested TEE certificate. A TEE seen for the first time joins
    // `sameDeviceAs` (another TEE of the device in the same session) or, without one, a device
    // created for it (identity learned through verified attestation), named after the
    // certificate's common name; with admission RegisteredOnly an unknown TEE is refused
    // (fleet.unregistered).
    Result<TeeRecord> teeForCertificate(const crypto::Certificate &teeCertificate, const QString &teeName, const QString &protocol,
                                        qint64 sameDeviceAs = 0);

    // TEEP: the device whose TEEP Agent key has RFC 9679 thumbprint `kid`, when the TAM knows it.
    Result<std::optional<TeeRecord>> teeForAgentKey(const QByteArray &kid) const;
    // TEEP: deployed agents send no kid. The device whose agent key verifies `object`, among the
    // known keys of the type its algorithm needs: at most kMaxKeysTried of them, the ones seen
    // most recently first (a line's devices call again soon) after those never seen (a new batch).
    // fleet.too-many-keys when more keys of that type are known than can be tried.
    static constexpr int kMaxKeysTried = 512;
    struct IdentifiedAgent
    {
        TeeRecord tee;
        crypto::Key key;
    };
    Result<std::optional<IdentifiedAgent>> teeForSignature(const crypto::cose::SignedObject &object, const crypto::cose::AlgorithmPolicy &policy) const;
    // TEEP: a device learned through verified attestation (its agent key bound by the EAT's cnf,
    // its attestation certificate verified against a TEE root CA). Refused (fleet.unregistered)
    // when admission is RegisteredOnly. Named `name`, else by the certificate's common name; `source`
    // says what bound the key (audit).
    Result<TeeRecord> learnTeepDevice(const crypto::Key &agentKey, const QByteArray &kid, const crypto::Certificate &attestationCertificate,
                                      const QString &name = {}, const QString &source = QStringLiteral("verified EAT (cnf)"));
    // The agent key the TAM holds for a device, by id or, when it has one, by name.
    Result<crypto::Key> agentKey(qint64 deviceId) const;
    Result<std::optional<crypto::Key>> agentKeyOf(const QString &name) const;

private:
    Status audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                   const std::function<Status()> &change);

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
