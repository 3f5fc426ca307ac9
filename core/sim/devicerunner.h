#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "sim/demomaterial.h"
#include "sim/messagegate.h"
#include "sim/otrpbroker.h"
#include "sim/teepagent.h"

#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

// Simulated devices talking to a TAM over real HTTP (TEEP over HTTP): each device POSTs an empty
// body, hands each answer to what runs behind it (an OTrP Broker with its TEEs, or a TEEP agent),
// POSTs the reply, and stops at 204. Faults can be injected for demonstrations and tests.
namespace teep::sim {

enum class SimProfile { Otrp, Teep };

// What a simulated device runs behind its HTTP client.
class DeviceSide
{
public:
    virtual ~DeviceSide() = default;
    virtual QByteArray mediaType() const = 0;
    virtual QByteArray handle(const QByteArray &tamMessage) = 0;
    virtual QStringList installed() const = 0; // "taid vN"
    // Keeps the TEE storage in STATE/<device>/ for the next run.
    virtual Status save(const QString &stateDir, const QString &device) const = 0;
    // The REE's client apps, when this side supports device-initiated requests.
    virtual ClientApps *clientApps() { return nullptr; }
    // Why the device refused the TAM's last message, when its last answer was a refusal.
    virtual QString refusal() const { return {}; }
    // The URIs (as the TAM's message names them) whose content the device needs before it can
    // handle the message: payloads its manifests name by URI. fetched() hands each one over.
    virtual QStringList payloadsToFetch(const QByteArray &tamMessage) const
    {
        Q_UNUSED(tamMessage);
        return {};
    }
    virtual void fetched(const QString &uri, const QByteArray &content)
    {
        Q_UNUSED(uri);
        Q_UNUSED(content);
    }
};

// Client apps to install and remove on a device before its session (RequestTA / UnrequestTA).
struct AppChanges
{
    QStringList remove;
    QList<ClientApp> install;
    bool isEmpty() const { return remove.isEmpty() && install.isEmpty(); }
};

struct SimFaults
{
    bool badSignature = false;   // the TEEs' signatures are corrupted on the way out
    bool replay = false;         // the device answers a command with its previous message again
    bool untrustedTeeCa = false; // the TEE certificate comes from a CA the TAM does not trust
    bool tamperedTa = false;     // a TA request is altered on its way to the TEE
    bool tamperedFirmware = false; // TEEP: the TEE's boot loader is not the one its vendor published (its measurement differs)
    int disconnectAfter = -1;    // give up after this many POSTs (the TAM's session then expires)
    int delayMs = 0;             // wait before each POST (a slow device)
    bool legacyAgent = false;    // not a fault: a deployed TEEP agent that signs with ES256 (the compatibility profile)
    bool deployedAgent = false;  // not a fault: today's deployed agents (ES256 only, no kid, no attester, 1 KB buffer)
    crypto::Key passportVerifier; // not a fault: TEEP agents bring an EAR signed by this verifier key (the passport model)
    std::shared_ptr<const SimSgxPlatform> sgxPlatform; // not a fault: TEEP agents in SGX enclaves of this platform, quoting
    bool sgxAgents = false; // not a fault: TEEP agents in SGX enclaves of the demo's simulated platform (sgx-*.pem)
};

struct DeviceOutcome
{
    QString device;
    bool ok = false;
    QString detail;       // the HTTP status or error that ended the session
    QStringList installed; // "taid vN" per TEE, after the session
    int exchanges = 0;
    QStringList waiting;   // TAs the client apps need that the TEE does not have (yet)
};

class SimDevice : public QObject
{
    Q_OBJECT

public:
    // `stateDir` (optional) keeps each TEE's storage between runs.
    SimDevice(QString name, std::unique_ptr<DeviceSide> side, QUrl tam, SimFaults faults, QNetworkAccessManager &network,
              QString stateDir = {}, QObject *parent = nullptr);

    // An OTrP device has a TEE per name in `teeNames`; a TEEP device has one agent.
    static Result<std::unique_ptr<SimDevice>> create(const QString &name, const DemoMaterial &material, const QStringList &teeNames, const QUrl &tam,
                                                     const SimFaults &faults, QNetworkAccessManager &network, const QString &stateDir,
                                                     const Clock &clock, SimProfile profile = SimProfile::Otrp);

    // Removes, then installs client apps (all or nothing); the next session carries the requests.
    Status changeApps(const AppChanges &changes);
    // HTTPS: the CA certificates that vouch for the TAM's TLS certificate (instead of the system's).
    void setTlsRoots(const QList<QSslCertificate> &roots) { m_tlsRoots = roots; }
    // Further servers of the same TAM (on one shared database): each POST goes to the next in turn,
    // as a load balancer without session affinity spreads them, and a POST that got no HTTP answer
    // (refused, or its connection lost) is tried on the next, as a load balancer retries a
    // backend that is down.
    void setOtherTams(const QList<QUrl> &others) { m_others = others; }
    // A classroom's pace: every POST waits for the gate (which outlives the device).
    void setGate(MessageGate *gate) { m_gate = gate; }
    void start();

signals:
    void finished(const teep::sim::DeviceOutcome &outcome);

private:
    void post(const QByteArray &body);
    void send(const QByteArray &body, int attempt);
    void received(class QNetworkReply *reply, const QByteArray &body, int attempt);
    // Fetches the payloads a TAM message names by URI, one after the other, then handles it.
    void fetchThenHandle(const QByteArray &tamMessage, QStringList uris);
    QNetworkRequest requestFor(const QUrl &url) const;
    void finish(bool ok, const QString &detail);
    QByteArray applyOutgoingFaults(QByteArray answer);
    QByteArray applyIncomingFaults(const QByteArray &message) const;

    QString m_name;
    std::unique_ptr<DeviceSide> m_side;
    QUrl m_tam;
    QList<QUrl> m_others;
    QPointer<MessageGate> m_gate;
    SimFaults m_faults;
    QNetworkAccessManager &m_network;
    QString m_stateDir;
    QList<QSslCertificate> m_tlsRoots;
    QByteArray m_previous;
    int m_posts = 0;
    bool m_done = false;
};

} // namespace teep::sim
