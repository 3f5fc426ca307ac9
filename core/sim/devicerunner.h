#pragma once

#include "sim/demomaterial.h"
#include "sim/otrpbroker.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <memory>

// Simulated devices talking to a TAM over real HTTP (TEEP over HTTP, OTrP profile): each device
// is a Broker with its TEEs; it POSTs an empty body, hands each answer to its TEEs, POSTs theirs,
// and stops at 204. Faults can be injected for demonstrations and tests.
namespace teep::sim {

struct SimFaults
{
    bool badSignature = false;   // the TEEs' signatures are corrupted on the way out
    bool replay = false;         // the device answers a command with its previous message again
    bool untrustedTeeCa = false; // the TEE certificate comes from a CA the TAM does not trust
    bool tamperedTa = false;     // a TA request is altered on its way to the TEE
    int disconnectAfter = -1;    // give up after this many POSTs (the TAM's session then expires)
    int delayMs = 0;             // wait before each POST (a slow device)
};

struct DeviceOutcome
{
    QString device;
    bool ok = false;
    QString detail;       // the HTTP status or error that ended the session
    QStringList installed; // "taid vN" per TEE, after the session
    int exchanges = 0;
};

class SimDevice : public QObject
{
    Q_OBJECT

public:
    // `stateDir` (optional) keeps each TEE's storage between runs.
    SimDevice(QString name, std::unique_ptr<OtrpBroker> broker, QUrl tam, SimFaults faults, QNetworkAccessManager &network,
              QString stateDir = {}, QObject *parent = nullptr);

    static Result<std::unique_ptr<SimDevice>> create(const QString &name, const DemoMaterial &material, const QStringList &teeNames, const QUrl &tam,
                                                     const SimFaults &faults, QNetworkAccessManager &network, const QString &stateDir,
                                                     const Clock &clock);

    void start();
    OtrpBroker &broker() { return *m_broker; }

signals:
    void finished(const teep::sim::DeviceOutcome &outcome);

private:
    void post(const QByteArray &body);
    void received(class QNetworkReply *reply);
    void finish(bool ok, const QString &detail);
    QByteArray applyOutgoingFaults(QByteArray answer);

    QString m_name;
    std::unique_ptr<OtrpBroker> m_broker;
    QUrl m_tam;
    SimFaults m_faults;
    QNetworkAccessManager &m_network;
    QString m_stateDir;
    QByteArray m_previous;
    int m_posts = 0;
    bool m_done = false;
};

} // namespace teep::sim
