#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "tam/otrpplanner.h"

#include <QList>
#include <QMap>
#include <QSqlDatabase>

#include <functional>

#include <nlohmann/json_fwd.hpp>

// What each TEE should have and what it has: the TA versions that reach a device (assigned to
// it, its group or all, and approved requests), the TAs and security domains recorded on each
// TEE, and their changes as sessions report them. Every write is one transaction with its audit
// entry.
namespace teep::tam {

class Installations
{
public:
    Installations(QSqlDatabase db, const Clock &clock, QString actor);

    // What the device should have. Only the form its profile sends is read: the SP-signed TA for
    // OTrP, the SUIT manifest for TEEP (a TA's bytes are in both, and may be large).
    enum class TaForm { SignedTa, Manifest };
    Result<QList<DesiredTa>> desiredFor(qint64 deviceId, TaForm form) const;
    // taid -> the version the TAM recorded as installed on this TEE.
    Result<QMap<QString, qint64>> installedVersions(qint64 teeId) const;

    // Brings the TAM's records in line with what the TEE reported (this TAM's SDs and their TAs):
    // reported SDs exist, others are gone; TAs recorded as installed but not reported are removed.
    Status reconcile(qint64 teeId, const QList<protocol::otrp::SdEntry> &reported);

    Status recordSdCreated(qint64 teeId, const QString &spid, const QString &sdName);
    Status recordSdDeleted(qint64 teeId, const QString &sdName);
    Status recordInstalled(qint64 teeId, const DesiredTa &ta, const QString &sdName);
    Status recordRemoved(qint64 teeId, const QString &taid);
    Status recordFailed(qint64 teeId, const DesiredTa &ta, const QString &detail);

private:
    Status audited(const QString &action, const QString &objectType, const QString &objectId, const nlohmann::json &detail,
                   const std::function<Status()> &change);

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
