#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "protocol/otrp/dsi.h"
#include "protocol/otrp/otrpframing.h"

#include <QList>
#include <QMap>
#include <QStringList>

#include <nlohmann/json.hpp>

// A simulated OTrP TEE: its keys and trust anchors, its security domains, and what it does with
// each TAM message, including every check a real TEE makes. Used by teep-devsim and the tests.
namespace teep::sim {


struct OtrpTeeIdentity
{
    QString name = QStringLiteral("primary");
    QString version = QStringLiteral("sim-1.0");
    crypto::Key teeKey;                     // signs responses, receives JWEs
    QList<crypto::Certificate> teeChain;    // TEE certificate first, then its CAs (not the root)
    QList<crypto::Certificate> tamRoots;    // the TAM root CAs this TEE trusts
    crypto::Key tfwKey;                     // optional trusted-firmware key
    crypto::Certificate tfwCertificate;
};

class OtrpTee
{
public:
    OtrpTee(OtrpTeeIdentity identity, const Clock &clock);

    // Answers a GetDeviceStateRequest with {"GetDeviceTEEStateResponse": JWS} or, when the
    // request is refused, {"GetDeviceTEEStateTBSResponse": {... "status": "fail", "reason": ...}}.
    nlohmann::json getDeviceState(const QByteArray &request);
    // Answers a CreateSDRequest (otrptee_sd.cpp). Every check runs before anything changes, so a
    // refused request leaves the TEE as it was.
    nlohmann::json createSd(const QByteArray &request);

    QList<protocol::otrp::SdEntry> &securityDomains() { return m_sds; }
    QMap<QString, crypto::Key> &spAiks() { return m_aiks; }
    // Remembered request ids (replay protection): the last 1024.
    const QStringList &seenRids() const { return m_seenRids; }

private:
    nlohmann::json failure(const nlohmann::json &tbs, const QString &errorCode) const;
    nlohmann::json unsignedFailure(const QString &command, const nlohmann::json &tbs, const QString &errorCode) const;
    Status remember(const QString &rid);
    // The TAM's certificate when the request is signed by a TAM this TEE trusts; else the error code.
    Result<crypto::Certificate> authenticateTam(const struct protocol::otrp::Unwrapped &unwrapped) const;
    protocol::otrp::DeviceStateInfo deviceStateFor(const QString &tamId, const QString &tid) const;

    OtrpTeeIdentity m_identity;
    const Clock &m_clock;
    QList<protocol::otrp::SdEntry> m_sds;
    QMap<QString, crypto::Key> m_aiks;
    QStringList m_seenRids;
    QMap<QString, QString> m_lastDsiHash; // per TAM id: the DSI this TEE last reported to it
};

} // namespace teep::sim
