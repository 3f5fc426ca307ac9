#pragma once

#include "attestation/appraisal.h"
#include "attestation/eat.h"
#include "common/error.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

// What the console's views and teepctl read about the fleet: its devices a page at a time, sessions
// and every message in them, attestation results with their checks, where each TA version is
// installed, the security domains. Read-only; the engines write these records through
// DeviceRegistry, Installations and DeviceContacts.
namespace teep::tam {

struct SessionRecord
{
    qint64 id = 0;
    QString profile; // teep, otrp
    QString device;  // empty until the device proved who it is
    QString peer;
    QString state;   // open, completed, failed, expired
    QString outcome;
    QString startedAt;
    QString endedAt;
    int messages = 0;
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
        QStringList refused; // "taid vN: why", TA versions the TEE refused and has no later version of
    };
    QList<Tee> tees;
};

// A page of the fleet in name order: devices after (afterName, afterId) whose name, serial or
// group contains `filter` (case-insensitive for ASCII). Views load page by page.
struct DevicePage
{
    QString filter;
    QString afterName;
    qint64 afterId = 0;
    int limit = 500;
};

struct MessageRecord
{
    int seq = 0;
    bool toDevice = false;
    QString mediaType;
    QByteArray body;
    QString at;
};

struct AttestationRecord
{
    qint64 id = 0;
    qint64 sessionId = 0; // 0 when the session is gone
    QString device;
    QString tee;
    QString profile;
    QString tier;
    QList<attestation::Check> checks;
    QString verifiedAt;
    attestation::TrustVector trustVector; // every claim "no claim" when the appraisal had none
};

struct InventoryRecord
{
    QString taid;
    QString spid;
    qint64 version = 0;
    QString device;
    QString tee;
    QString securityDomain; // empty for TEEP (no SDs)
    QString state;          // installed, failed, removed, ...
    QString detail;
    QString updatedAt;
};

struct SecurityDomainRecord
{
    QString device;
    QString tee;
    QString name;
    QString spid;
    QString state;
    QString createdAt;
    QStringList tas; // "taid vN" installed in it
};

class FleetQueries
{
public:
    explicit FleetQueries(QSqlDatabase db) : m_db(std::move(db)) {}

    Result<QList<DeviceSummary>> devices(const DevicePage &page) const;
    Result<QList<DeviceSummary>> devices(int limit = 10000) const { return devices(DevicePage{{}, {}, 0, limit}); }
    Result<QList<SessionRecord>> sessions(int limit = 2000) const;        // newest first
    Result<std::optional<SessionRecord>> session(qint64 id) const;
    Result<QList<MessageRecord>> messages(qint64 sessionId) const;        // in order
    Result<QList<AttestationRecord>> latestAttestations() const;          // the newest per TEE
    Result<QList<AttestationRecord>> attestationHistory(const QString &device, const QString &tee, int limit = 200) const;
    Result<QList<InventoryRecord>> inventory(int limit = 100000) const;
    Result<QList<SecurityDomainRecord>> securityDomains() const;

private:
    static QString trigramPhrase(const QString &filter);
    // Whether a group's name matches the LIKE `pattern` (its devices then match too).
    bool anyGroupMatches(const QString &pattern) const;
    // Whether `filter` is answered from SQLite's trigram index: few devices match it.
    bool fewByTrigrams(const QString &filter) const;
    Result<QList<SessionRecord>> selectSessions(const QString &where, const QVariantList &binds, int limit) const;
    Result<QList<AttestationRecord>> attestations(const QString &where, const QVariantList &binds, int limit) const;

    QSqlDatabase m_db;
};

} // namespace teep::tam
