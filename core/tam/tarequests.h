#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QSet>
#include <QSqlDatabase>
#include <QString>

#include <optional>

// Device-initiated requests (RFC 9397 §6.2.1): a client application in the REE needs a TA, the
// TEEP Agent asks the TAM for it (requested-tc-list) and later says it is no longer needed
// (unneeded-manifest-list). The operator's policy, per SP and per device group, decides each new
// request: approve, refuse, or hold it in the approval queue. The most specific policy wins (SP and
// group, then SP, then group, then the default for all); without any policy a request is held.
// An approved request makes the TA part of the device's desired state until it is withdrawn;
// decisions take effect at the device's next session. Every change is audited.
namespace teep::tam {

enum class RequestDecision { Approve, Refuse, Hold };
QString decisionName(RequestDecision decision); // "approve", "refuse", "hold"
std::optional<RequestDecision> decisionFromName(const QString &name);

struct RequestPolicy
{
    QString spid;  // empty: every SP
    QString group; // empty: every group (and devices without one)
    RequestDecision decision = RequestDecision::Hold;
};

struct TaRequest
{
    qint64 id = 0;
    QString device;
    qint64 deviceId = 0;
    QString taid;
    QString spid;
    QString spName;          // the SP whose key signs the TA
    qint64 latestVersion = -1; // the newest version in the catalog (what approval would install)
    std::optional<qint64> requestedVersion;
    bool haveBinary = false; // the client app bundles the TA binary
    QString status;          // pending, approved, refused, withdrawn
    QString reason;
    QString requestedAt;
    QString decidedAt;
    QString decidedBy;
};

class TaRequests
{
public:
    TaRequests(QSqlDatabase db, const Clock &clock, QString actor);

    Status setPolicy(const RequestPolicy &policy);
    Status removePolicy(const QString &spid, const QString &group);
    Result<QList<RequestPolicy>> policies() const;
    // What the policy says for a TA of `spid` on a device of `group`.
    Result<RequestDecision> decisionFor(const QString &spid, const QString &group) const;

    // The engine: a device asked for `taid`. A new (or previously withdrawn) request is decided
    // by the policy; a pending, approved or refused one keeps its state (a refused request does
    // not come back to the queue by asking again). fleet.unknown-ta when the catalog has no such TA.
    Result<TaRequest> received(qint64 deviceId, const QString &taid, bool haveBinary, std::optional<qint64> sequence);
    // The device no longer needs `taid` (its client apps were removed). False when it had not asked.
    Result<bool> withdrawn(qint64 deviceId, const QString &taid);

    // The operator approves or refuses a pending (or earlier refused / approved) request.
    // `seenStatus`: what the operator's view showed; when someone else (another console, a
    // teepctl, the device) changed the request since, the decision is refused (request.changed,
    // saying who decided what), not written over theirs. Empty: as it is now.
    Status decide(qint64 requestId, bool approve, const QString &reason, const QString &seenStatus = {});

    // Newest first; `status` empty for all.
    Result<QList<TaRequest>> list(const QString &status = {}, int limit = 1000) const;
    Result<QList<TaRequest>> approvedFor(qint64 deviceId) const;
    Result<QList<TaRequest>> openFor(qint64 deviceId) const; // all but withdrawn

private:
    Result<QList<TaRequest>> select(const QString &where, const QVariantList &binds, int limit) const;

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

// What a device said in one session, as the engines read it from their protocol.
struct AskedTa
{
    QString taid;
    bool haveBinary = false;
    std::optional<qint64> sequence;
};

struct DeviceIntent
{
    QStringList notes;       // for the session's outcome, one per request
    QSet<QString> bundled;   // taids whose binary the device holds
    QSet<QString> unneeded;  // taids the device no longer needs (not also asked for)
};

// Records a device's requests (each decided by policy when new) and withdrawals: a TA reported
// unneeded, or an open request for a TA the device neither asks for nor holds (`installed`, as it
// reports). A TA both asked for and reported unneeded in the same message is still needed
// (another client app wants it).
DeviceIntent takeDeviceIntent(TaRequests &requests, qint64 deviceId, const QList<AskedTa> &asked, const QStringList &unneeded,
                              const QStringList &installed);

} // namespace teep::tam
