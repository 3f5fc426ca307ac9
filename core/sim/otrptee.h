#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "protocol/otrp/dsi.h"
#include "sim/clientapps.h"
#include "sim/otrpteeidentity.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/tapackage.h"

#include <QList>
#include <QMap>
#include <QStringList>
#include <nlohmann/json.hpp>

// A simulated OTrP TEE: its keys and trust anchors, its security domains and TAs, and what it does
// with each TAM message, including every check a real TEE makes. Every check runs before anything
// changes, so a refused request leaves the TEE exactly as it was. Used by teep-devsim and the
// tests.
namespace teep::sim {

// A TA as the TEE keeps it, after the SP's signature was checked.
struct StoredTa
{
    QString taid;
    QString taname;
    qint64 version = 0;
    QByteArray binary;
    QByteArray personalization;
    QString spid;
};

class OtrpTee
{
public:
    // Storage limits; beyond them a request is refused with ERR_TEE_RESOURCE_FULL.
    static constexpr qsizetype kMaxSds = 32;
    static constexpr qsizetype kMaxTas = 64;
    static constexpr qsizetype kMaxStoredBytes = 16 * 1024 * 1024;

    OtrpTee(OtrpTeeIdentity identity, const Clock &clock);

    const QString &name() const { return m_identity.name; }

    // Answers any TAM message by its outer name: "GetDeviceStateRequest" or one of the six
    // commands' "<cmd>Request"; anything else is refused, unsigned, with ERR_REQUEST_INVALID.
    nlohmann::json process(const QByteArray &message);

    // Answers a GetDeviceStateRequest with {"GetDeviceTEEStateResponse": JWS} or, when the
    // request is refused, {"GetDeviceTEEStateTBSResponse": {... "status": "fail", "reason": ...}}.
    nlohmann::json getDeviceState(const QByteArray &request);

    QList<protocol::otrp::SdEntry> &securityDomains() { return m_sds; }
    QMap<QString, crypto::Key> &spAiks() { return m_aiks; }
    QMap<QString, StoredTa> &storedTas() { return m_tas; }
    // The REE's client apps whose TA requests this TEE reports in its DSI (reqtalist,
    // unneededtalist; see protocol/otrp/dsi.h).
    ClientApps &clientApps() { return m_apps; }
    // Remembered request ids (replay protection): the last 1024.
    const QStringList &seenRids() const { return m_seenRids; }

    // The TEE's secure storage as JSON (otrptee_state.cpp): SDs, SP AIKs, TAs, spent rids and the
    // DSI hash each TAM last saw. A simulated device keeps it in its state directory.
    nlohmann::json saveState() const;
    // All or nothing: a malformed state changes nothing.
    Status loadState(const nlohmann::json &state);

private:
    struct CommandContext
    {
        nlohmann::json tbs;
        nlohmann::json content; // decrypted, did already checked
        QString tamId;          // of the authenticated TAM
    };
    // A handler's answer: an OTrP error code, or the content of a "pass" answer.
    struct Outcome
    {
        QString errorCode;
        nlohmann::json body = nlohmann::json::object();
    };
    using Handler = Outcome (OtrpTee::*)(const CommandContext &);

    // The steps every command shares (otrptee_command.cpp): framing, TAM chain and signature,
    // version, routing name, rid, dsihash, decryption, did; then the handler; then the signed
    // answer under the request's CEK with the new DSI when asked.
    nlohmann::json runCommand(const QString &command, const QByteArray &request, Handler handler);

    Outcome createSd(const CommandContext &context); // otrptee_sd.cpp
    Outcome updateSd(const CommandContext &context);
    Outcome deleteSd(const CommandContext &context);
    Outcome installTa(const CommandContext &context); // otrptee_ta.cpp
    Outcome updateTa(const CommandContext &context);
    Outcome deleteTa(const CommandContext &context);
    // What InstallTA and UpdateTA both receive: the signer certificates the TA may be signed under
    // (the SD's, plus a new one the TAM sends with it) and the TA decrypted with the SP AIK.
    struct TaDelivery
    {
        QList<crypto::Certificate> signers;
        std::optional<crypto::Certificate> newSigner;
        protocol::otrp::DecryptedTa ta;
    };
    std::variant<TaDelivery, QString> receiveTa(const CommandContext &context, const protocol::otrp::SdEntry &sd,
                                                protocol::otrp::TaOperation operation) const;

    // The SD named `sdName` when it exists and belongs to the asking TAM; else the error code.
    std::variant<protocol::otrp::SdEntry *, QString> ownedSd(const CommandContext &context,
                                                             const QString &sdName);
    // A BASE64 DER SP certificate that is valid now, or nothing.
    std::optional<crypto::Certificate> validSpCertificate(const nlohmann::json &value) const;
    // Creates the SP's AIK with its first SD, drops it with its last (5.2).
    Status ensureAik(const QString &spid);
    void dropAikIfUnused(const QString &spid);
    qsizetype storedBytes() const;

    nlohmann::json failure(const nlohmann::json &tbs, const QString &errorCode) const;
    nlohmann::json unsignedFailure(const QString &command, const nlohmann::json &tbs,
                                   const QString &errorCode) const;
    bool ridSeen(const QString &rid) const;
    void remember(const QString &rid);
    // The TAM's certificate when the request is signed by a TAM this TEE trusts; else the error
    // code.
    Result<crypto::Certificate> authenticateTam(const protocol::otrp::Unwrapped &unwrapped) const;
    protocol::otrp::DeviceStateInfo deviceStateFor(const QString &tamId, const QString &tid) const;

    OtrpTeeIdentity m_identity;
    const Clock &m_clock;
    QList<protocol::otrp::SdEntry> m_sds;
    QMap<QString, crypto::Key> m_aiks;
    QMap<QString, StoredTa> m_tas; // by taid
    QStringList m_seenRids;
    ClientApps m_apps;
    QMap<QString, QString> m_lastDsiHash; // per TAM id: the DSI this TEE last reported to it
};

} // namespace teep::sim
