#include "sim/devicerunner.h"
#include "sim/simfirmware.h"
#include "common/json.h"

#include <QSslConfiguration>

#include "common/logging.h"
#include "crypto/jws.h"
#include "sim/otrptee.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QNetworkReply>
#include <QSaveFile>
#include <QTimer>

namespace teep::sim {

namespace {
QString statePath(const QString &stateDir, const QString &device, const QString &tee)
{
    return QDir(stateDir).filePath(device + QLatin1Char('/') + tee + QStringLiteral("/state.json"));
}

Status writeState(const QString &path, const nlohmann::json &state)
{
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    const QByteArray bytes = QByteArray::fromStdString(state.dump());
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return Error{QStringLiteral("sim.write"), QStringLiteral("state not saved to %1: %2").arg(path, file.errorString())};
    return {};
}

Result<std::optional<nlohmann::json>> readState(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<nlohmann::json>();
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("sim.state"), QStringLiteral("cannot read %1").arg(path)};
    const QByteArray bytes = file.read(64 * 1024 * 1024);
    return std::optional<nlohmann::json>(parseJson(bytes.constData(), bytes.constData() + bytes.size()));
}

class OtrpSide final : public DeviceSide
{
public:
    explicit OtrpSide(std::unique_ptr<OtrpBroker> broker) : m_broker(std::move(broker)) {}
    QByteArray mediaType() const override { return QByteArrayLiteral("application/otrp+json"); }
    QByteArray handle(const QByteArray &tamMessage) override { return m_broker->handle(tamMessage); }
    QStringList installed() const override
    {
        QStringList out;
        for (OtrpTee *tee : m_broker->tees()) {
            for (const StoredTa &ta : tee->storedTas())
                out << QStringLiteral("%1 v%2").arg(ta.taid).arg(ta.version);
        }
        out.sort();
        return out;
    }
    // The client apps talk to the first TEE (a device's main TEE).
    ClientApps *clientApps() override { return m_broker->tees().isEmpty() ? nullptr : &m_broker->tees().first()->clientApps(); }
    Status save(const QString &stateDir, const QString &device) const override
    {
        for (OtrpTee *tee : m_broker->tees()) {
            if (const Status written = writeState(statePath(stateDir, device, tee->name()), tee->saveState()); !written)
                return written;
        }
        return {};
    }

private:
    std::unique_ptr<OtrpBroker> m_broker;
};

class TeepSide final : public DeviceSide
{
public:
    explicit TeepSide(std::unique_ptr<TeepAgent> agent) : m_agent(std::move(agent)) {}
    QByteArray mediaType() const override { return QByteArrayLiteral("application/teep+cbor"); }
    QByteArray handle(const QByteArray &tamMessage) override { return m_agent->process(tamMessage); }
    QStringList installed() const override { return m_agent->installedSummary(); }
    Status save(const QString &stateDir, const QString &device) const override
    {
        return writeState(statePath(stateDir, device, QStringLiteral("teep")), m_agent->saveState());
    }
    ClientApps *clientApps() override { return &m_agent->clientApps(); }
    QString refusal() const override { return m_agent->refusal(); }
    QStringList payloadsToFetch(const QByteArray &tamMessage) const override { return m_agent->payloadsToFetch(tamMessage); }
    void fetched(const QString &uri, const QByteArray &content) override { m_agent->addFetchedPayload(uri, content); }

private:
    std::unique_ptr<TeepAgent> m_agent;
};

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

SimDevice::SimDevice(QString name, std::unique_ptr<DeviceSide> side, QUrl tam, SimFaults faults, QNetworkAccessManager &network, QString stateDir,
                     QObject *parent)
    : QObject(parent), m_name(std::move(name)), m_side(std::move(side)), m_tam(std::move(tam)), m_faults(faults), m_network(network),
      m_stateDir(std::move(stateDir))
{
}

Result<std::unique_ptr<SimDevice>> SimDevice::create(const QString &name, const DemoMaterial &material, const QStringList &teeNames, const QUrl &tam,
                                                     const SimFaults &faults, QNetworkAccessManager &network, const QString &stateDir,
                                                     const Clock &clock, SimProfile profile)
{
    if (profile == SimProfile::Teep) {
        Result<TeepAgentIdentity> identity = deviceTeepIdentity(material, name, stateDir, faults.untrustedTeeCa);
        if (!identity)
            return identity.error();
        identity.value().legacy = faults.legacyAgent;
        identity.value().firmware = simFirmware(faults.tamperedFirmware);
        identity.value().passportVerifier = faults.passportVerifier;
        identity.value().sgxPlatform = faults.sgxPlatform ? faults.sgxPlatform : faults.sgxAgents ? material.sgx : nullptr;
        if (faults.sgxAgents && !identity.value().sgxPlatform)
            return Error{QStringLiteral("sim.no-sgx"), QStringLiteral("the demo directory has no simulated SGX platform (sgx-*.pem): made by an older demo set-up?")};
        identity.value().deployed = faults.deployedAgent;
        auto agent = std::make_unique<TeepAgent>(identity.value());
        if (!stateDir.isEmpty()) {
            const auto state = readState(statePath(stateDir, name, QStringLiteral("teep")));
            if (!state)
                return state.error();
            if (state.value()) {
                if (const Status loaded = agent->loadState(*state.value()); !loaded)
                    return loaded.error();
            }
        }
        return std::make_unique<SimDevice>(name, std::make_unique<TeepSide>(std::move(agent)), tam, faults, network, stateDir);
    }
    auto broker = std::make_unique<OtrpBroker>();
    for (const QString &teeName : teeNames) {
        const Result<OtrpTeeIdentity> identity = deviceTeeIdentity(material, name, teeName, stateDir, faults.untrustedTeeCa);
        if (!identity)
            return identity.error();
        auto tee = std::make_unique<OtrpTee>(identity.value(), clock);
        if (!stateDir.isEmpty()) {
            const QString path = statePath(stateDir, name, teeName);
            const auto state = readState(path);
            if (!state)
                return state.error();
            if (state.value()) {
                if (const Status loaded = tee->loadState(*state.value()); !loaded)
                    return Error{loaded.error().code, loaded.error().message, path};
            }
        }
        broker->addTee(std::move(tee));
    }
    return std::make_unique<SimDevice>(name, std::make_unique<OtrpSide>(std::move(broker)), tam, faults, network, stateDir);
}

Status SimDevice::changeApps(const AppChanges &changes)
{
    ClientApps *apps = m_side->clientApps();
    if (!apps)
        return changes.isEmpty() ? Status() : Status(Error{QStringLiteral("sim.client-app"), QStringLiteral("this device profile has no client apps")});
    ClientApps next = *apps;
    for (const QString &name : changes.remove) {
        if (const Status removed = next.remove(name); !removed)
            return removed;
    }
    for (const ClientApp &app : changes.install) {
        if (const Status installed = next.install(app); !installed)
            return installed;
    }
    *apps = next;
    return {};
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
    if (m_gate)
        m_gate->pass(this,
                     QStringLiteral("%1: message %2 (%3)")
                         .arg(m_name)
                         .arg(m_posts + 1)
                         .arg(body.isEmpty() ? QStringLiteral("an empty POST: it opens the session") : QStringLiteral("%1 bytes").arg(body.size())),
                     [this, body]() { send(body, 0); });
    else if (m_faults.delayMs > 0)
        QTimer::singleShot(m_faults.delayMs, this, [this, body]() { send(body, 0); });
    else
        send(body, 0);
}

void SimDevice::send(const QByteArray &body, int attempt)
{
    if (attempt == 0)
        ++m_posts;
    const int servers = int(m_others.size()) + 1;
    const int server = (m_posts - 1 + attempt) % servers;
    QNetworkRequest request = requestFor(server == 0 ? m_tam : m_others.at(server - 1));
    request.setRawHeader("Accept", m_side->mediaType());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, m_side->mediaType());
    QNetworkReply *reply = m_network.post(request, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, body, attempt]() { received(reply, body, attempt); });
}

QNetworkRequest SimDevice::requestFor(const QUrl &url) const
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(30000);
    if (url.scheme() == QLatin1String("https") && !m_tlsRoots.isEmpty()) {
        // Only the given roots vouch for the TAM's TLS certificate (not the system's).
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(m_tlsRoots);
        request.setSslConfiguration(tls);
    }
    return request;
}

void SimDevice::fetchThenHandle(const QByteArray &tamMessage, QStringList uris)
{
    if (uris.isEmpty()) {
        post(applyOutgoingFaults(m_side->handle(tamMessage)));
        return;
    }
    const QString uri = uris.takeFirst();
    // A reference relative to the TAM URI (the TAM's own listener serves what it names).
    QNetworkReply *reply = m_network.get(requestFor(m_tam.resolved(QUrl(uri))));
    connect(reply, &QNetworkReply::finished, this, [this, reply, uri, tamMessage, uris]() {
        reply->deleteLater();
        constexpr qint64 kMaxPayload = 64 * 1024 * 1024;
        // A failed fetch hands over nothing: the agent then refuses the manifest, saying why.
        if (reply->error() == QNetworkReply::NoError && reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200 &&
            reply->bytesAvailable() <= kMaxPayload)
            m_side->fetched(uri, reply->readAll());
        fetchThenHandle(tamMessage, uris);
    });
}

QByteArray SimDevice::applyIncomingFaults(const QByteArray &message) const
{
    if (!m_faults.tamperedTa)
        return message;
    if (message.contains("\"InstallTARequest\"") || message.contains("\"UpdateTARequest\"")) {
        // The TA ciphertext altered inside the signed payload (which stays well-formed, so the TEE
        // can still name the request it refuses): the TAM's signature no longer matches.
        nlohmann::json json = parseJson(message.toStdString());
        if (!json.is_object() || json.size() != 1 || !json.begin().value().is_object() || !json.begin().value().contains("payload"))
            return message;
        nlohmann::json &jws = json.begin().value();
        const auto payload = crypto::jose::base64UrlDecode(QByteArray::fromStdString(jws["payload"].get<std::string>()), QStringLiteral("payload"));
        nlohmann::json tbs = payload ? parseJson(payload.value().toStdString()) : nlohmann::json();
        if (!tbs.is_object() || tbs.size() != 1)
            return message;
        nlohmann::json &request = tbs.begin().value();
        if (request.is_object() && request.contains("encrypted_ta") && request["encrypted_ta"].is_object()) {
            for (const char *member : {"ciphertadata", "ciphernewtadata"}) {
                if (request["encrypted_ta"].contains(member) && request["encrypted_ta"][member].is_string()) {
                    std::string value = request["encrypted_ta"][member];
                    value[0] = value[0] == 'A' ? 'B' : 'A';
                    request["encrypted_ta"][member] = value;
                }
            }
        }
        jws["payload"] = crypto::jose::base64UrlEncode(QByteArray::fromStdString(tbs.dump())).toStdString();
        return QByteArray::fromStdString(json.dump());
    }
    // TEEP: an Update (the only TAM message with manifests) altered on the way: its last byte, in
    // the TAM's signature.
    if (!message.startsWith('{') && message.size() > 1000) {
        QByteArray altered = message;
        altered[altered.size() - 1] = char(altered.at(altered.size() - 1) ^ 0x01);
        return altered;
    }
    return message;
}

QByteArray SimDevice::applyOutgoingFaults(QByteArray answer)
{
    if (m_faults.badSignature && !answer.startsWith('{') && !answer.isEmpty()) {
        answer[answer.size() - 1] = char(answer.at(answer.size() - 1) ^ 0x01); // COSE: the signature is last
    } else if (m_faults.badSignature) {
        nlohmann::json json = parseJson(answer.toStdString());
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

void SimDevice::received(QNetworkReply *reply, const QByteArray &sent, int attempt)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // No HTTP answer at all (refused, connection lost): that server is down, or went down with
    // the message; the next one takes it (a message it had already taken gets the same answer
    // again, or is refused as spent).
    if (status == 0 && reply->error() != QNetworkReply::NoError && attempt < m_others.size()) {
        send(sent, attempt + 1); // that server is down: the next one
        return;
    }
    if (reply->error() != QNetworkReply::NoError && status == 0) {
        finish(false, QStringLiteral("network: %1").arg(reply->errorString()));
        return;
    }
    const QByteArray body = reply->readAll();
    if (status == 204) {
        // The session ended on the device's refusal: the TAM closed it, but nothing was done.
        if (const QString refused = m_side->refusal(); !refused.isEmpty())
            finish(false, QStringLiteral("refused the TAM's message (%1); then 204").arg(refused));
        else
            finish(true, QStringLiteral("204: the TAM has nothing more"));
        return;
    }
    if (status != 200 || !reply->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(QString::fromLatin1(m_side->mediaType()))) {
        finish(false, QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body.left(200)).trimmed()));
        return;
    }
    const QByteArray message = applyIncomingFaults(body);
    fetchThenHandle(message, m_side->payloadsToFetch(message));
}

void SimDevice::finish(bool ok, const QString &detail)
{
    if (m_done)
        return;
    m_done = true;
    DeviceOutcome outcome{m_name, ok, detail, m_side->installed(), m_posts, {}};
    if (const ClientApps *apps = m_side->clientApps()) {
        for (const QString &taid : apps->needed()) {
            const bool has = std::any_of(outcome.installed.cbegin(), outcome.installed.cend(),
                                         [&](const QString &entry) { return entry.startsWith(taid + QLatin1String(" v")); });
            if (!has)
                outcome.waiting << taid;
        }
    }
    if (!m_stateDir.isEmpty()) {
        if (const Status saved = m_side->save(m_stateDir, m_name); !saved) {
            outcome.ok = false;
            outcome.detail += QStringLiteral("; ") + saved.error().message;
        }
    }
    emit finished(outcome);
}

} // namespace teep::sim
