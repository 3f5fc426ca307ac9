#pragma once

#include "attestation/eat.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/cosesign.h"
#include "tam/otrpplanner.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSqlDatabase>

#include <optional>

#include <nlohmann/json.hpp>

// The devices the TAM knows, their TEEs, security domains and installed TAs, and the history of
// their sessions and attestations: the engine's reads and writes on the fleet tables. Every write
// is one transaction with its audit entry.
namespace teep::tam {

// Identified: the device proved its registered agent key but sent no evidence (a policy allowed it).
enum class Tier { Affirming, Warning, Identified, Contraindicated };

// The id of the device group `name`, created when missing; a null value for an empty name. Inside
// the caller's transaction.
Result<QVariant> ensureDeviceGroup(const QSqlDatabase &db, const QString &name);
QString tierName(Tier tier);

struct TeeRecord
{
    qint64 deviceId = 0;
    qint64 teeId = 0;
    QString deviceName;
    bool newDevice = false;
    bool compatibility = false; // the device's compatibility profile (TEEP: deployed agents' forms)
};

struct DeviceSummary
{
    qint64 id = 0;
    QString name;
    QString serial;
    QString identitySource;
    QString groupName;
    QString lastContact;
    QString lastPeer;
    QString lastOutcome; // what the last contact came to, failed or not
    // Messages that claimed to be this device and whose signature did not verify.
    qint64 refusedSignatures = 0;
    QString lastRefusedSignature; // "AT from PEER"
    struct Tee
    {
        QString name;
        QString protocol;
        QString lastTier; // empty: never attested
        QList<std::pair<QString, QStringList>> sds; // SD name -> "taid vN" installed; "" for TAs outside SDs (TEEP)
    };
    QList<Tee> tees;
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

class Fleet
{
public:
    Fleet(QSqlDatabase db, const Clock &clock, QString actor);

    Result<Admission> admission() const;
    // Names to pick from, sorted: devices (at most `limit`) and device groups.
    Result<QStringList> deviceNames(int limit = 10000) const;
    Result<QStringList> groupNames() const;
    // The registered or attested TEEP Agent key of the device named `name`, if it has one.
    Result<std::optional<crypto::Key>> agentKeyOf(const QString &name) const;
    Status setAdmission(Admission admission);
    // A device known before it connects: its TEE certificate (OTrP identifies a TEE by it) and,
    // optionally, its group (group assignments then reach it).
    Result<qint64> registerDevice(const QString &name, const crypto::Certificate &teeCertificate, const QString &group);
    // TEEP: a device known by its TEEP Agent key (e.g. from a factory list), with its profile
    // ("standard" or "compatible").
    Result<qint64> registerAgent(const QString &name, const crypto::Key &agentKey, const QString &group,
                                 const QString &profile = QStringLiteral("standard"));
    // Many at once (a factory list): all of them, or none when one cannot be registered.
    Status registerAgents(const QList<struct AgentRegistration> &devices);

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
    // Records a contact that the device's signature proved, with what it came to ("completed",
    // "failed: why"), also when the session failed.
    Status touch(qint64 deviceId, const QString &outcome = {});
    // TEEP: a device learned through verified attestation (its agent key bound by the EAT's cnf,
    // its attestation certificate verified against a TEE root CA). Refused (fleet.unregistered)
    // when admission is RegisteredOnly.
    Result<TeeRecord> learnTeepDevice(const crypto::Key &agentKey, const QByteArray &kid, const crypto::Certificate &attestationCertificate);
    // A device's profile: "standard" (the draft, the default) or "compatible" (also what deployed
    // agents send: ES256/EdDSA signatures and older message forms; see teep.md). Audited.
    Status setCompatibilityProfile(const QString &device, const QString &profile);
    // The agent key the TAM holds for a device.
    Result<crypto::Key> agentKey(qint64 deviceId) const;

    // What the device should have. Only the form its profile sends is read: the SP-signed TA for
    // OTrP, the SUIT manifest for TEEP (a TA's bytes are in both, and may be large).
    enum class TaForm { SignedTa, Manifest };
    Result<QList<DesiredTa>> desiredFor(qint64 deviceId, TaForm form) const;
    // taid -> the version the TAM recorded as installed on this TEE.
    Result<QMap<QString, qint64>> installedVersions(qint64 teeId) const;

    // Brings the TAM's records in line with what the TEE reported (this TAM's SDs and their TAs):
    // reported SDs exist, others are gone; TAs recorded as installed but not reported are removed.
    Status reconcile(qint64 teeId, const QList<protocol::otrp::SdEntry> &reported);

    // `policy`: which attestation policy let the device in (TEEP), kept in the audit entry.
    Status recordAttestation(qint64 teeId, qint64 sessionId, Tier tier, const QList<attestation::Check> &checks, const QString &policy = {});
    Status recordSdCreated(qint64 teeId, const QString &spid, const QString &sdName);
    Status recordSdDeleted(qint64 teeId, const QString &sdName);
    Status recordInstalled(qint64 teeId, const DesiredTa &ta, const QString &sdName);
    Status recordRemoved(qint64 teeId, const QString &taid);
    Status recordFailed(qint64 teeId, const DesiredTa &ta, const QString &detail);

    // A message named this device (by its kid) but its signature did not verify: counted, with
    // when and from where, and nothing else about the device changes. No audit entry: a forger
    // must not be able to flood the log.
    Status noteRefusedSignature(qint64 deviceId, const QString &peer);

    // A page of the fleet in name order: devices after (afterName, afterId) whose name, serial or
    // group contains `filter` (case-insensitive for ASCII). Views load page by page.
    struct Page
    {
        QString filter;
        QString afterName;
        qint64 afterId = 0;
        int limit = 500;
    };
    Result<QList<DeviceSummary>> list(const Page &page) const;
    Result<QList<DeviceSummary>> list(int limit = 10000) const { return list(Page{{}, {}, 0, limit}); }

private:
    Status audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                   const std::function<Status()> &change);

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
