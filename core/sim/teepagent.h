#pragma once

#include "attestation/measuredcomponent.h"

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "protocol/teep/teepmessages.h"
#include "sim/clientapps.h"
#include "sim/simsgx.h"

#include <QCborValue>
#include <QHash>
#include <QList>

#include <nlohmann/json_fwd.hpp>

// A simulated TEEP Agent (draft-ietf-teep-protocol): it verifies the TAM's QueryRequest and Update
// (COSE_Sign1, ESP256) with the TAM key it was given, answers a QueryRequest with its installed
// components and, when asked, EAT evidence (signed by the TEE's attestation key, with the
// attestation certificate in x5chain and the agent key in cnf), and processes an Update's SUIT
// manifests for real: the SP's signature, rollback, the image digest; only then is a component
// stored. Every answer is signed by the agent key.
namespace teep::sim {

struct TeepAgentIdentity
{
    crypto::Key agentKey;                          // signs this agent's messages (P-256)
    crypto::Key attestationKey;                    // the TEE's attestation key (P-256)
    QList<crypto::Certificate> attestationChain;   // its certificate, then CAs (not the root)
    crypto::Key tamKey;                            // the TAM this agent trusts
    QList<crypto::Key> tcSigners;                  // whose SUIT manifests it accepts (the SPs)
    QByteArray ueid;                               // 0x01 || 16 bytes
    QByteArray hwmodel = QByteArrayLiteral("teep-console-sim");
    QList<attestation::MeasuredComponent> firmware; // reported in the evidence's measurements claim
    // The passport model: when set, the agent brings an attestation result (an EAR) signed by
    // this verifier key instead of evidence, as if a verifier had appraised its firmware.
    crypto::Key passportVerifier;
    // An SGX-based agent: when set, its evidence is an SGX DCAP quote from this platform
    // (application/sgx-quote3-teep-bundle) binding its agent key and the TAM's challenge.
    std::shared_ptr<const SimSgxPlatform> sgxPlatform;
    bool legacy = false; // a deployed agent of the ES256 era: signs its messages and evidence with ES256 (-7)
    // Today's deployed agents (libteep's example agent and those built on it): ES256 only (its
    // TAM's messages too), no kid, no attester, label 5 and an always-present tc-list, and a
    // 1,024-byte receive buffer.
    bool deployed = false;
    static constexpr qsizetype kDeployedReceiveBuffer = 1024;
};

struct InstalledComponent
{
    QCborValue componentId;
    quint64 sequence = 0;
    QByteArray image;
};

class TeepAgent
{
public:
    explicit TeepAgent(TeepAgentIdentity identity);

    // One TAM message in (a COSE_Sign1 TEEP message), the agent's signed answer out.
    QByteArray process(const QByteArray &message);

    const QList<InstalledComponent> &installed() const { return m_installed; }
    // Why the agent refused the TAM's last message, when its last answer was an Error (empty once
    // it answers with anything else: a refusal the TAM met with a new request is not one).
    const QString &refusal() const { return m_refusal; }
    // The payloads an Update's manifests name by URI (not integrated, not bundled by a client
    // app) that the agent must fetch before it can process the message; the TAM's signature is
    // checked first, so a forged message fetches nothing. addFetchedPayload() hands them over
    // (checked against their manifest's digest and size when the Update is processed).
    QStringList payloadsToFetch(const QByteArray &message) const;
    void addFetchedPayload(const QString &uri, const QByteArray &content) { m_fetched.insert(uri, content); }
    // The REE's client apps: what they need goes into the next QueryResponse's requested-tc-list
    // (with have-binary when an app bundles the TA), what they no longer need into its
    // unneeded-manifest-list.
    ClientApps &clientApps() { return m_apps; }
    const ClientApps &clientApps() const { return m_apps; }
    QStringList installedSummary() const; // "taid vN"

    nlohmann::json saveState() const;
    Status loadState(const nlohmann::json &state);

private:
    QByteArray answer(const protocol::Message &message);
    QByteArray refuse(const QByteArray &token, protocol::ErrorCode code, const QString &why);
    QByteArray onQuery(const protocol::QueryRequest &request);
    qint64 signingAlgorithm() const;
    QList<protocol::CipherSuite> supportedSuites() const;
    QByteArray onUpdate(const protocol::Update &update);

    bool isInstalled(const QString &taid) const;

    TeepAgentIdentity m_identity;
    QList<InstalledComponent> m_installed;
    ClientApps m_apps;
    QString m_refusal;
    QHash<QString, QByteArray> m_fetched; // for the Update being processed
};

} // namespace teep::sim
