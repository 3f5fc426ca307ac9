#include "sim/teepagent.h"

#include "attestation/ear.h"
#include "sim/simfirmware.h"

#include "attestation/eat.h"
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "protocol/teep/teepcodec.h"
#include "suit/suitenvelope.h"

#include <QCborArray>
#include <QDateTime>
#include <QCborMap>
#include <QScopeGuard>

#include <nlohmann/json.hpp>

namespace teep::sim {

using namespace teep::protocol;

namespace {
constexpr qsizetype kMaxMessageBytes = 8 * 1024 * 1024;
constexpr qsizetype kMaxComponents = 64;
const QString kEatFormat = QStringLiteral("application/eat+cwt; eat_profile=urn:ietf:rfc:rfcXXXX");

QByteArray tokenOf(const Message &message)
{
    return std::visit([](const auto &m) { return m.token; }, message);
}
} // namespace

TeepAgent::TeepAgent(TeepAgentIdentity identity) : m_identity(std::move(identity)) {}

qint64 TeepAgent::signingAlgorithm() const
{
    return m_identity.legacy || m_identity.deployed ? crypto::cose::kES256 : crypto::cose::kESP256;
}

QList<CipherSuite> TeepAgent::supportedSuites() const
{
    const CipherSuite es256{CipherSuiteOperation{18, crypto::cose::kES256}};
    const CipherSuite esp256{CipherSuiteOperation{18, crypto::cose::kESP256}};
    if (m_identity.deployed)
        return {es256};
    return m_identity.legacy ? QList<CipherSuite>{es256, esp256} : QList<CipherSuite>{esp256};
}

QByteArray TeepAgent::answer(const Message &message)
{
    if (const auto *error = std::get_if<ErrorMessage>(&message))
        m_refusal = QStringLiteral("%1: %2").arg(errorCodeName(error->errCode), error->errMsg);
    else
        m_refusal.clear();
    const Result<QByteArray> signedMessage = crypto::cose::sign1(encodeMessage(message), {m_identity.agentKey, signingAlgorithm(), !m_identity.deployed});
    return signedMessage ? signedMessage.value() : QByteArray();
}

QByteArray TeepAgent::refuse(const QByteArray &token, ErrorCode code, const QString &why)
{
    ErrorMessage error;
    error.token = token;
    error.errCode = quint64(code);
    error.errMsg = why.left(200);
    return answer(error);
}

QByteArray TeepAgent::process(const QByteArray &message)
{
    if (message.size() > kMaxMessageBytes)
        return refuse({}, ErrorCode::PermanentError, QStringLiteral("message too large"));
    if (m_identity.deployed && message.size() > TeepAgentIdentity::kDeployedReceiveBuffer)
        return refuse({}, ErrorCode::PermanentError,
                      QStringLiteral("the TAM's message has %1 bytes, over this agent's %2-byte receive buffer")
                          .arg(message.size()).arg(TeepAgentIdentity::kDeployedReceiveBuffer));
    cbor::Limits limits;
    limits.maxBytes = kMaxMessageBytes;
    const Result<QCborValue> value = cbor::decodeStrict(message, limits);
    const Result<crypto::cose::SignedObject> object = value ? crypto::cose::parse(value.value()) : Result<crypto::cose::SignedObject>(value.error());
    if (!object)
        return refuse({}, ErrorCode::PermanentError, QStringLiteral("not a COSE_Sign1 TEEP message"));
    const Result<DecodedMessage> decoded = decodeMessageBytes(object.value().payload);
    const QByteArray token = decoded ? tokenOf(decoded.value().message) : QByteArray();
    // The TAM's signature before anything else; a message that is not the TAM's changes nothing.
    const auto policy = m_identity.deployed ? crypto::cose::AlgorithmPolicy{{crypto::cose::kES256}}
                        : m_identity.legacy ? crypto::cose::AlgorithmPolicy::compatible()
                                            : crypto::cose::AlgorithmPolicy::standard();
    if (const Status verified = crypto::cose::verify(object.value(), m_identity.tamKey, policy); !verified) {
        // Signed only with algorithms this agent does not know: it says which it knows (an Error
        // the TAM can meet), rather than that the signature is bad.
        const bool known = std::any_of(object.value().signers.cbegin(), object.value().signers.cend(),
                                       [&](const crypto::cose::Signer &signer) { return policy.accepts(signer.headers.alg); });
        if (!known) {
            ErrorMessage error;
            error.token = token;
            error.errCode = quint64(ErrorCode::UnsupportedCipherSuites);
            error.cipherSuites = supportedSuites();
            return answer(error);
        }
        return refuse(token, ErrorCode::PermanentError, QStringLiteral("the TAM's signature does not verify"));
    }
    if (!decoded)
        return refuse(token, errorCodeFor(decoded.error()), decoded.error().message);
    if (const auto *query = std::get_if<QueryRequest>(&decoded.value().message))
        return onQuery(*query);
    if (const auto *update = std::get_if<Update>(&decoded.value().message))
        return onUpdate(*update);
    return refuse(token, ErrorCode::PermanentError, QStringLiteral("a TAM sends QueryRequest or Update"));
}

QByteArray TeepAgent::onQuery(const QueryRequest &request)
{
    const QList<CipherSuite> supported = supportedSuites();
    const auto selected = std::find_if(request.cipherSuites.cbegin(), request.cipherSuites.cend(),
                                       [&](const CipherSuite &suite) { return supported.contains(suite); });
    if (!request.cipherSuites.isEmpty() && selected == request.cipherSuites.cend()) {
        ErrorMessage error;
        error.token = request.token;
        error.errCode = quint64(ErrorCode::UnsupportedCipherSuites);
        error.cipherSuites = supported;
        return answer(error);
    }
    if (m_identity.deployed && (request.dataItemRequested & dataitem::Attestation))
        return refuse(request.token, ErrorCode::PermanentError, QStringLiteral("attestation is not supported"));
    QueryResponse response;
    response.token = request.token;
    if (m_identity.deployed) {
        response.selectedCipherSuite = selected == request.cipherSuites.cend() ? supported.first() : *selected;
        response.tcList = QCborArray(); // always sent, empty or not
    }
    QCborArray manifests;
    QCborArray tcList;
    for (const InstalledComponent &component : m_installed) {
        tcList.append(QCborMap{{0, component.componentId}});
        manifests.append(QCborArray{QStringLiteral("application/teep-component+cbor"),
                                    QCborValue(QCborArray{component.componentId, qint64(component.sequence)}).toCbor()});
    }
    if (!tcList.isEmpty() && (request.dataItemRequested & dataitem::TrustedComponents))
        response.tcList = tcList;
    // RequestTA / UnrequestTA from the client apps.
    for (const QString &taid : m_apps.needed()) {
        if (isInstalled(taid))
            continue;
        RequestedTc requested;
        requested.componentId = QCborArray{QCborValue(taid.toUtf8())};
        if (!m_apps.bundledBinary(taid).isEmpty())
            requested.haveBinary = true;
        response.requestedTcList << requested;
    }
    for (const QString &taid : m_apps.unrequested()) {
        if (isInstalled(taid))
            response.unneededManifestList << QCborArray{QCborValue(taid.toUtf8())};
    }
    if ((request.dataItemRequested & dataitem::Attestation) && !m_identity.passportVerifier.isNull()) {
        // What a verifier would say of this TEE's firmware: affirming unless a component is not
        // the vendor's (the demo's reference values are the untampered firmware's).
        attestation::Appraisal verdict;
        const bool genuine = m_identity.firmware == simFirmware(false);
        verdict.status = genuine ? attestation::Appraisal::Status::Affirming : attestation::Appraisal::Status::Contraindicated;
        verdict.tier = genuine ? attestation::Tier::Affirming : attestation::Tier::Contraindicated;
        verdict.vector["instance-identity"].value = attestation::trust::Affirmed;
        verdict.vector["hardware"].value = attestation::trust::Affirmed;
        verdict.vector["executables"].value = genuine ? attestation::trust::Affirmed : attestation::trust::Contraindicated;
        attestation::EarOptions options;
        options.submodule = QStringLiteral("tee");
        options.nonce = request.challenge.isEmpty() ? request.token : request.challenge;
        options.issuedAt = QDateTime::currentSecsSinceEpoch();
        options.build = QStringLiteral("teep-devsim verifier");
        const Result<QByteArray> ear = attestation::earCwt(verdict, options, m_identity.passportVerifier);
        if (!ear)
            return refuse(request.token, ErrorCode::TemporaryError, QStringLiteral("no attestation result could be made"));
        response.attestationPayloadFormat = QStringLiteral("application/eat+cwt; eat_profile=\"%1\"").arg(QLatin1String(attestation::kEarProfile));
        response.attestationPayload = ear.value();
    } else if ((request.dataItemRequested & dataitem::Attestation) && m_identity.sgxPlatform) {
        const Result<QByteArray> quote = m_identity.sgxPlatform->bundle(m_identity.agentKey, request.challenge.isEmpty() ? request.token : request.challenge);
        if (!quote)
            return refuse(request.token, ErrorCode::TemporaryError, QStringLiteral("no SGX quote could be made"));
        response.attestationPayloadFormat = QString::fromLatin1(attestation::sgx::kBundleFormat);
        response.attestationPayload = quote.value();
    } else if (request.dataItemRequested & dataitem::Attestation) {
        attestation::EvidenceSpec evidence;
        evidence.ueid = m_identity.ueid;
        evidence.oemid = QByteArray::fromHex("894823");
        evidence.hwmodel = m_identity.hwmodel;
        evidence.hwversion = QStringLiteral("1.0");
        evidence.manifests = manifests;
        for (const attestation::MeasuredComponent &component : m_identity.firmware)
            evidence.manifests.append(attestation::measuredComponentEntry(component));
        evidence.agentKey = m_identity.agentKey;
        evidence.nonce = request.challenge.isEmpty() ? request.token : request.challenge;
        for (const crypto::Certificate &certificate : m_identity.attestationChain)
            evidence.attestationChain << certificate.der();
        const Result<QByteArray> eat =
            attestation::buildEvidence(evidence, {m_identity.attestationKey, m_identity.legacy ? crypto::cose::kES256 : crypto::cose::kESP256});
        if (!eat)
            return refuse(request.token, ErrorCode::TemporaryError, QStringLiteral("evidence could not be made"));
        response.attestationPayloadFormat = kEatFormat;
        response.attestationPayload = eat.value();
    }
    return answer(response);
}

QStringList TeepAgent::payloadsToFetch(const QByteArray &message) const
{
    constexpr int kMaxFetches = 16;
    if (message.size() > kMaxMessageBytes || (m_identity.deployed && message.size() > TeepAgentIdentity::kDeployedReceiveBuffer))
        return {};
    cbor::Limits limits;
    limits.maxBytes = kMaxMessageBytes;
    const Result<QCborValue> value = cbor::decodeStrict(message, limits);
    const Result<crypto::cose::SignedObject> object = value ? crypto::cose::parse(value.value()) : Result<crypto::cose::SignedObject>(value.error());
    if (!object)
        return {};
    const Result<DecodedMessage> decoded = decodeMessageBytes(object.value().payload);
    const auto *update = decoded ? std::get_if<Update>(&decoded.value().message) : nullptr;
    QStringList uris;
    for (const QByteArray &bytes : update ? update->manifestList : QList<QByteArray>()) {
        const Result<suit::Envelope> envelope = suit::parseEnvelope(bytes);
        if (!envelope || envelope.value().uri.startsWith(QLatin1Char('#')) || envelope.value().components.size() != 1)
            continue;
        const QCborArray id = envelope.value().components.first().toArray();
        if (id.size() == 1 && !m_apps.bundledBinary(QString::fromUtf8(id.at(0).toByteArray())).isEmpty())
            continue; // a client app has it
        if (uris.size() < kMaxFetches && !uris.contains(envelope.value().uri))
            uris << envelope.value().uri;
    }
    // Only for a message that is the TAM's (checked last: most messages name nothing to fetch).
    if (!uris.isEmpty() && !crypto::cose::verify(object.value(), m_identity.tamKey, crypto::cose::AlgorithmPolicy::compatible()))
        return {};
    return uris;
}

QByteArray TeepAgent::onUpdate(const Update &update)
{
    const auto forget = qScopeGuard([this]() { m_fetched.clear(); });
    // Everything is checked on a copy; the installed set changes only when all of it is good.
    QList<InstalledComponent> next = m_installed;
    for (const QCborValue &unneeded : update.unneededManifestList)
        next.removeIf([&](const InstalledComponent &c) { return c.componentId == unneeded; });
    for (const QByteArray &bytes : update.manifestList) {
        const Result<suit::Envelope> envelope = suit::parseEnvelope(bytes);
        if (!envelope)
            return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("manifest: %1").arg(envelope.error().message));
        const bool trusted = std::any_of(m_identity.tcSigners.cbegin(), m_identity.tcSigners.cend(),
                                         [&](const crypto::Key &signer) { return suit::verifyEnvelope(envelope.value(), signer).ok(); });
        if (!trusted)
            return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("the manifest is not signed by a trusted TA signer"));
        if (envelope.value().components.size() != 1)
            return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("one component per manifest"));
        const QCborValue id = envelope.value().components.first();
        const auto existing = std::find_if(next.begin(), next.end(), [&](const InstalledComponent &c) { return c.componentId == id; });
        // The image travels inside the envelope under its URI ("#ta"), or was fetched from the URI
        // the manifest names; without either, a client app may bundle the binary: the TAM's
        // manifest must authorise it.
        const QString uri = envelope.value().uri;
        QByteArray image = uri.startsWith(QLatin1Char('#')) ? envelope.value().integratedPayloads.value(uri) : m_fetched.value(uri);
        if (image.isEmpty() && !uri.startsWith(QLatin1Char('#')) && m_apps.bundledBinary(QString::fromUtf8(id.toArray().at(0).toByteArray())).isEmpty())
            return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("the payload at %1 could not be fetched").arg(uri.left(120)));
        const bool fromApp = image.isEmpty();
        if (fromApp) {
            const QCborArray parts = id.toArray();
            image = parts.size() == 1 ? m_apps.bundledBinary(QString::fromUtf8(parts.at(0).toByteArray())) : QByteArray();
            if (image.isEmpty())
                return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("the manifest carries no image and no client app bundles one"));
        }
        if (const Status payload = suit::checkPayload(envelope.value(), image); !payload)
            return refuse(update.token, ErrorCode::ManifestProcessingFailed,
                          fromApp ? QStringLiteral("the bundled binary does not match the TAM's manifest") : QStringLiteral("the image does not match its manifest"));
        if (existing != next.end()) {
            if (existing->sequence == envelope.value().sequenceNumber && existing->image == image)
                continue; // already installed: nothing to do
            if (const Status newer = suit::checkSequence(envelope.value(), existing->sequence); !newer)
                return refuse(update.token, ErrorCode::ManifestProcessingFailed, newer.error().message);
            existing->sequence = envelope.value().sequenceNumber;
            existing->image = image;
        } else {
            if (next.size() >= kMaxComponents)
                return refuse(update.token, ErrorCode::ManifestProcessingFailed, QStringLiteral("no room for another component"));
            next << InstalledComponent{id, envelope.value().sequenceNumber, image};
        }
    }
    m_installed = next;
    for (const QString &taid : m_apps.unrequested()) {
        if (!isInstalled(taid))
            m_apps.forget(taid); // removed: nothing more to say about it
    }
    Success success;
    success.token = update.token;
    return answer(success);
}

bool TeepAgent::isInstalled(const QString &taid) const
{
    const QCborValue id = QCborArray{QCborValue(taid.toUtf8())};
    return std::any_of(m_installed.cbegin(), m_installed.cend(), [&](const InstalledComponent &c) { return c.componentId == id; });
}

QStringList TeepAgent::installedSummary() const
{
    QStringList out;
    for (const InstalledComponent &component : m_installed) {
        const QCborArray id = component.componentId.toArray();
        out << QStringLiteral("%1 v%2").arg(QString::fromUtf8(id.at(0).toByteArray())).arg(component.sequence);
    }
    out.sort();
    return out;
}

nlohmann::json TeepAgent::saveState() const
{
    nlohmann::json state{{"format", 1}, {"components", nlohmann::json::array()}};
    for (const InstalledComponent &component : m_installed)
        state["components"].push_back({{"id", component.componentId.toCbor().toBase64().toStdString()},
                                       {"sequence", component.sequence},
                                       {"image", component.image.toBase64().toStdString()}});
    state["client_apps"] = m_apps.save();
    return state;
}

Status TeepAgent::loadState(const nlohmann::json &state)
{
    const Error malformed{QStringLiteral("sim.state"), QStringLiteral("the TEEP agent state file is malformed")};
    if (!state.is_object() || state.value("format", nlohmann::json()) != 1 || !state.contains("components") || !state["components"].is_array())
        return malformed;
    QList<InstalledComponent> installed;
    for (const nlohmann::json &entry : state["components"]) {
        if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() || !entry.contains("image") || !entry["image"].is_string() ||
            !entry.contains("sequence") || !entry["sequence"].is_number_unsigned())
            return malformed;
        const Result<QCborValue> id = cbor::decodeStrict(QByteArray::fromBase64(QByteArray::fromStdString(entry["id"].get<std::string>())));
        if (!id || !id.value().isArray())
            return malformed;
        installed << InstalledComponent{id.value(), entry["sequence"].get<quint64>(), QByteArray::fromBase64(QByteArray::fromStdString(entry["image"].get<std::string>()))};
    }
    ClientApps apps;
    if (state.contains("client_apps")) {
        if (const Status loaded = apps.load(state["client_apps"]); !loaded)
            return loaded;
    }
    m_installed = installed;
    m_apps = apps;
    return {};
}

} // namespace teep::sim
