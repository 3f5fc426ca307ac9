#pragma once

#include "attestation/eat.h"
#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QSqlDatabase>

// What each contact with a device came to: the attestation result that let it in (or not), when it
// last talked to the TAM and with what outcome, and messages that claimed to be it but did not
// verify.
namespace teep::tam {

// Identified: the device proved its registered agent key but sent no evidence (a policy allowed it).
enum class Tier { Affirming, Warning, Identified, Contraindicated };
QString tierName(Tier tier);

class DeviceContacts
{
public:
    DeviceContacts(QSqlDatabase db, const Clock &clock, QString actor);

    // `policy`: which attestation policy let the device in (TEEP), kept in the audit entry.
    Status recordAttestation(qint64 teeId, qint64 sessionId, Tier tier, const QList<attestation::Check> &checks, const QString &policy = {},
                             const QString &trustVector = {}); // encodeTrustVector's JSON, when there is one
    // Records a contact that the device's signature proved, with what it came to ("completed",
    // "failed: why"), also when the session failed.
    Status touch(qint64 deviceId, const QString &outcome = {});
    // A message named this device (by its kid) but its signature did not verify: counted, with
    // when and from where, and nothing else about the device changes. No audit entry: a forger
    // must not be able to flood the log.
    Status noteRefusedSignature(qint64 deviceId, const QString &peer);

private:
    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
