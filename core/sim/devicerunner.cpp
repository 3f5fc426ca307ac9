#include "sim/devicerunner.h"

#include "common/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QNetworkReply>
#include <QSaveFile>
#include <QTimer>

namespace teep::sim {

namespace {
constexpr auto kMediaType = "application/otrp+json";

QString statePath(const QString &stateDir, const QString &device, const QString &tee)
{
    return QDir(stateDir).filePath(device + QLatin1Char('/') + tee + QStringLiteral("/state.json"));
}

// Flips one character of a JWS's signature (or, for `payload`, of its payload) and keeps the JSON valid.
void corrupt(nlohmann::json &jws, const char *member)
{
    if (jws.is_object() && jws.contains(member) && jws[member].is_string()) {
        std::string value = jws[member];
        if (value.size() > 20) {
            char &c = value[value.size() / 2];
            c = c == 'A' ? 'B' : 'A';
            jws[member] = value;
        }
    }
}
} // namespace

SimDevice::SimDevice(QString name, std::unique_ptr<OtrpBroker> broker, QUrl tam, SimFaults faults, QNetworkAccessManager &network, QString stateDir,
                     QObject *parent)
    : QObject(parent), m_name(std::move(name)), m_broker(std::move(broker)), m_tam(std::move(tam)), m_faults(faults), m_network(network),
      m_stateDir(std::move(stateDir))
{
}

Result<std::unique_ptr<SimDevice>> SimDevice::create(const QString &name, const DemoMaterial &material, const QStringList &teeNames, const QUrl &tam,
                                                     const SimFaults &faults, QNetworkAccessManager &network, const QString &stateDir,
                                                     const Clock &clock)
{
    auto broker = std::make_unique<OtrpBroker>();
    for (const QString &teeName : teeNames) {
        const Result<OtrpTeeIdentity> identity = deviceTeeIdentity(material, name, teeName, stateDir, faults.untrustedTeeCa);
        if (!identity)
            return identity.error();
        auto tee = std::make_unique<OtrpTee>(identity.value(), clock);
        if (!stateDir.isEmpty()) {
            QFile file(statePath(stateDir, name, teeName));
            if (file.exists()) {
                if (!file.open(QIODevice::ReadOnly))
                    return Error{QStringLiteral("sim.state"), QStringLiteral("cannot read %1").arg(file.fileName())};
                const QByteArray bytes = file.read(64 * 1024 * 1024);
                const Status loaded = tee->loadState(nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false));
                if (!loaded)
                    return Error{loaded.error().code, loaded.error().message, file.fileName()};
            }
        }
        broker->addTee(std::move(tee));
    }
    return std::make_unique<SimDevice>(name, std::move(broker), tam, faults, network, stateDir);
}

void SimDevice::start()
{
    post(QByteArray());
}

void SimDevice::post(const QByteArray &body)
{
    if (m_faults.disconnectAfter >= 0 && m_posts >= m_faults.disconnectAfter) {
        finish(false, QStringLiteral("disconnected on purpose after %1 messages").arg(m_posts));
        return;
    }
    auto send = [this, body]() {
        ++m_posts;
        QNetworkRequest request(m_tam);
        request.setRawHeader("Accept", kMediaType);
        if (!body.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray(kMediaType));
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        request.setTransferTimeout(30000);
        QNetworkReply *reply = m_network.post(request, body);
        connect(reply, &QNetworkReply::finished, this, [this, reply]() { received(reply); });
    };
    if (m_faults.delayMs > 0)
        QTimer::singleShot(m_faults.delayMs, this, send);
    else
        send();
}

QByteArray SimDevice::applyOutgoingFaults(QByteArray answer)
{
    if (m_faults.badSignature) {
        nlohmann::json json = nlohmann::json::parse(answer.toStdString(), nullptr, false);
        if (json.is_object() && json.contains("GetDeviceStateResponse") && json["GetDeviceStateResponse"].is_array()) {
            for (nlohmann::json &entry : json["GetDeviceStateResponse"]) {
                if (entry.is_object() && entry.size() == 1)
                    corrupt(entry.begin().value(), "signature");
            }
        } else if (json.is_object() && json.size() == 1) {
            corrupt(json.begin().value(), "signature");
        }
        answer = QByteArray::fromStdString(json.dump());
    }
    if (m_faults.replay && !m_previous.isEmpty()) {
        const QByteArray replayed = m_previous;
        m_previous = answer;
        return replayed;
    }
    m_previous = answer;
    return answer;
}

void SimDevice::received(QNetworkReply *reply)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError && status == 0) {
        finish(false, QStringLiteral("network: %1").arg(reply->errorString()));
        return;
    }
    const QByteArray body = reply->readAll();
    if (status == 204) {
        finish(true, QStringLiteral("204: the TAM has nothing more"));
        return;
    }
    if (status != 200 || !reply->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(QLatin1String(kMediaType))) {
        finish(false, QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body.left(200)).trimmed()));
        return;
    }
    QByteArray incoming = body;
    if (m_faults.tamperedTa && (body.contains("\"InstallTARequest\"") || body.contains("\"UpdateTARequest\""))) {
        nlohmann::json json = nlohmann::json::parse(body.toStdString(), nullptr, false);
        if (json.is_object() && json.size() == 1)
            corrupt(json.begin().value(), "payload");
        incoming = QByteArray::fromStdString(json.dump());
    }
    post(applyOutgoingFaults(m_broker->handle(incoming)));
}

void SimDevice::finish(bool ok, const QString &detail)
{
    if (m_done)
        return;
    m_done = true;
    DeviceOutcome outcome{m_name, ok, detail, {}, m_posts};
    for (OtrpTee *tee : m_broker->tees()) {
        for (const StoredTa &ta : tee->storedTas())
            outcome.installed << QStringLiteral("%1 v%2").arg(ta.taid).arg(ta.version);
        if (!m_stateDir.isEmpty()) {
            const QString path = statePath(m_stateDir, m_name, tee->name());
            QDir().mkpath(QFileInfo(path).path());
            QSaveFile file(path);
            const QByteArray bytes = QByteArray::fromStdString(tee->saveState().dump());
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
                outcome.ok = false;
                outcome.detail += QStringLiteral("; state not saved: %1").arg(file.errorString());
            }
        }
    }
    outcome.installed.sort();
    emit finished(outcome);
}

} // namespace teep::sim
