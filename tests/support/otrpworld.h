#pragma once

#include "pkifixtures.h"
#include "protocol/otrp/tamcommand.h"
#include "protocol/otrp/tapackage.h"
#include "sim/otrptee.h"

#include <memory>

namespace teep::test {

// A TAM (root + signing certificate with its TAM id), a TEE (root + certificate) with a simulated
// OTrP TEE that trusts the TAM root, and an SP signer under an SP CA: the parties of every OTrP
// test, with real keys and certificates.
struct OtrpWorld
{
    static inline const QString kTamId = QStringLiteral("urn:example:tam:one");

    OtrpWorld();

    crypto::jose::JwsSigner tamSigner() const;
    // A GetDeviceState round, as a session starts: sets target's certificate and dsihash.
    void getDeviceState();
    // One command with a fresh rid: builds it, lets the TEE answer, checks the answer; on success
    // the next dsihash is taken over. The request sent is kept in lastRequest.
    Result<protocol::otrp::TeeCommandResult>
    run(const QString &command, const nlohmann::json &content,
        const std::optional<nlohmann::json> &encryptedTa = std::nullopt);
    // The answer to an arbitrary (e.g. tampered) request, checked as run() checks it.
    Result<protocol::otrp::TeeCommandResult> answer(const QString &command,
                                                    const QByteArray &request);
    QString nextRid();

    // A TA signed by `signer` (the SP's by default) and encrypted to the SP's AIK in this TEE.
    QByteArray signedTa(const QString &taid, qint64 version, const QByteArray &binary,
                        const Issued *signer = nullptr) const;
    nlohmann::json
    encryptedTa(protocol::otrp::TaOperation operation, const QByteArray &signedTa,
                const QString &spid = QStringLiteral("acme"),
                const std::optional<QByteArray> &personalization = std::nullopt) const;

    // Everything the TEE holds, in one comparable value: SDs, certificates, AIKs, TAs, seen rids.
    QByteArray teeSnapshot() const;

    Issued tamRoot, tam, teeRoot, tee, spCa, sp;
    std::unique_ptr<sim::OtrpTee> device;
    protocol::otrp::TeeTarget target;
    QByteArray lastRequest;
    QString lastRid;
    int ridCounter = 0;
};

} // namespace teep::test
