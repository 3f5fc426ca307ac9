#include "tam/teepengine.h"

#include "attestation/eat.h"
#include "cbor/strictcbor.h"
#include "common/logging.h"
#include "crypto/chainverifier.h"
#include "crypto/cosekey.h"
#include "crypto/cosesign.h"
#include "crypto/symmetric.h"
#include "protocol/teep/teepcodec.h"
#include "store/trustanchors.h"
#include "suit/suitenvelope.h"
#include "tam/referencevalues.h"
#include "tam/tarequests.h"

#include <QCborArray>
#include <QCborMap>

#include <openssl/x509v3.h>

namespace teep::tam {

using namespace teep::protocol;

namespace {
constexpr auto kMediaType = "application/teep+cbor";
constexpr qsizetype kMaxMessageBytes = 8 * 1024 * 1024;

Error badMessage(const QString &message)
{
    return Error{QStringLiteral("tam.bad-message"), message};
}

QByteArray tokenOf(const Message &message)
{
    return std::visit([](const auto &m) { return m.token; }, message);
}

QCborValue componentIdFor(const QString &taid)
{
    return QCborArray{QCborValue(taid.toUtf8())};
}

// Our TAs' component ids are [bstr taid]; anything else the TAM does not manage.
QString taidOf(const QCborValue &componentId)
{
    const QCborArray id = componentId.toArray();
    return id.size() == 1 && id.at(0).isByteArray() ? QString::fromUtf8(id.at(0).toByteArray()) : QString();
}

nlohmann::json check(const QString &name, attestation::Outcome outcome, const QString &detail)
{
    const char *text = outcome == attestation::Outcome::Pass ? "pass" : outcome == attestation::Outcome::Warn ? "warn" : "fail";
    return {{"name", name.toStdString()}, {"outcome", text}, {"detail", detail.toStdString()}};
}
} // namespace

TeepEngine::TeepEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits)
    : m_db(db), m_tam(std::move(tam)), m_clock(clock), m_fleet(db, clock, QStringLiteral("tam")),
      m_open(db, clock, limits, QStringLiteral("teep"), QLatin1String(kMediaType))
{
}

Result<QByteArray> TeepEngine::signMessage(const Message &message, bool compatibility) const
{
    // Deployed agents know P-256 signatures as ES256; the bytes are the same as ESP256's.
    return crypto::cose::sign1(encodeMessage(message), {m_tam.key, compatibility ? crypto::cose::kES256 : crypto::cose::kESP256});
}

Result<QByteArray> TeepEngine::start(const QString &peer)
{
    const QByteArray token = crypto::randomBytes(16);
    const QByteArray challenge = crypto::randomBytes(32);
    if (token.size() != 16 || challenge.size() != 32)
        return Error{QStringLiteral("tam.random"), QStringLiteral("no random token could be drawn")};
    Result<Session> opened = m_open.open(peer);
    if (!opened)
        return opened.error();
    Session &session = opened.value();
    session.token = token;
    session.challenge = challenge;
    QueryRequest request;
    request.token = session.token;
    request.challenge = session.challenge;
    request.freshnessMechanisms = {FreshnessNonce};
    request.cipherSuites = {CipherSuite{CipherSuiteOperation{18, crypto::cose::kESP256}}};
    request.suitCoseProfiles = {SuitCoseProfile{-16, crypto::cose::kESP256, -29, -65534}}; // suit-sha256-esp256-ecdh-a128ctr
    request.dataItemRequested = dataitem::Attestation | dataitem::TrustedComponents;
    const Result<QByteArray> message = signMessage(request);
    if (!message)
        return message.error();
    m_open.announce(SessionEvent::Kind::Started, session, QStringLiteral("session started"));
    m_open.logMessage(session, true, message.value(), QStringLiteral("QueryRequest (attestation, trusted components)"));
    m_open.insert(session.token, session);
    return message.value();
}

Result<std::optional<QByteArray>> TeepEngine::process(const QByteArray &body, const QString &peer)
{
    Q_UNUSED(peer);
    m_open.expireIdle();
    if (body.size() > kMaxMessageBytes)
        return badMessage(QStringLiteral("the message is larger than %1 bytes").arg(kMaxMessageBytes));
    cbor::Limits limits;
    limits.maxBytes = kMaxMessageBytes;
    const Result<QCborValue> value = cbor::decodeStrict(body, limits);
    const Result<crypto::cose::SignedObject> object = value ? crypto::cose::parse(value.value()) : Result<crypto::cose::SignedObject>(value.error());
    if (!object || object.value().multiSigner)
        return badMessage(QStringLiteral("not a COSE_Sign1 TEEP message: %1").arg(object ? QStringLiteral("COSE_Sign") : object.error().message));
    // Read leniently first (the device, and so its profile, is not known yet); what only the
    // compatibility profile accepts is refused below unless the device has that profile.
    const Result<DecodedMessage> decoded = decodeMessageBytes(object.value().payload, DecodeProfile::compatible());
    if (!decoded)
        return badMessage(decoded.error().toString());
    Session *found = m_open.find(tokenOf(decoded.value().message));
    if (!found)
        return badMessage(QStringLiteral("the token belongs to no open session (start one with an empty POST)"));
    Session &session = *found;
    m_open.logMessage(session, false, body, messageTypeName(messageType(decoded.value().message)));

    if (session.awaitingQueryResponse) {
        session.compatibilityNotes = decoded.value().compatibilityNotes;
        if (const auto *response = std::get_if<QueryResponse>(&decoded.value().message))
            return afterQueryResponse(session, object.value(), *response);
        const auto *error = std::get_if<ErrorMessage>(&decoded.value().message);
        session.failed = true;
        finish(session, error ? QStringLiteral("the agent refused the QueryRequest: %1 %2").arg(errorCodeName(error->errCode), error->errMsg)
                              : QStringLiteral("expected a QueryResponse"));
        return std::optional<QByteArray>();
    }
    if (!session.compatibility && !decoded.value().compatibilityNotes.isEmpty()) {
        session.failed = true;
        finish(session, QStringLiteral("the answer to the Update needs the compatibility profile: %1").arg(decoded.value().compatibilityNotes.join(QStringLiteral("; "))));
        return badMessage(QStringLiteral("not a standard TEEP message"));
    }
    const auto policy = session.compatibility ? crypto::cose::AlgorithmPolicy::compatible() : crypto::cose::AlgorithmPolicy::standard();
    if (const Status verified = crypto::cose::verify(object.value(), session.agentKey, policy); !verified) {
        session.failed = true;
        finish(session, QStringLiteral("the answer to the Update is not signed by the agent: %1").arg(verified.error().message));
        return badMessage(verified.error().message);
    }
    return afterUpdate(session, decoded.value().message);
}

Result<std::optional<QByteArray>> TeepEngine::afterQueryResponse(Session &session, const crypto::cose::SignedObject &object,
                                                                 const QueryResponse &response)
{
    const QByteArray kid = object.body.kid;
    nlohmann::json checks = nlohmann::json::array();
    bool trusted = true;
    auto fail = [&](const QString &name, const QString &detail) {
        checks.push_back(check(name, attestation::Outcome::Fail, detail));
        trusted = false;
    };
    std::optional<TeeRecord> known;
    if (Result<std::optional<TeeRecord>> lookup = m_fleet.teeForAgentKey(kid); lookup)
        known = lookup.value();
    crypto::Key agentKey;
    if (known) {
        if (const Result<crypto::Key> stored = m_fleet.agentKey(known->deviceId))
            agentKey = stored.value();
    }
    // The device's profile decides which signature algorithms and message forms are accepted.
    const bool compatibility = known && known->compatibility;
    const auto policy = compatibility ? crypto::cose::AlgorithmPolicy::compatible() : crypto::cose::AlgorithmPolicy::standard();
    const QString hint = compatibility ? QString()
                                       : QStringLiteral(" (a deployed agent's form: accepted only with the device's compatibility profile, "
                                                        "teepctl devices profile DEVICE compatible)");
    if (!session.compatibilityNotes.isEmpty()) {
        if (compatibility)
            checks.push_back(check(QStringLiteral("message form"), attestation::Outcome::Warn,
                                   QStringLiteral("compatibility profile: %1").arg(session.compatibilityNotes.join(QStringLiteral("; ")))));
        else
            fail(QStringLiteral("message form"), session.compatibilityNotes.join(QStringLiteral("; ")) + hint);
    }
    const bool legacyAlgorithm = object.body.alg == crypto::cose::kES256 || object.body.alg == crypto::cose::kEdDSA;

    // The evidence: the attestation certificate (x5chain) against the TEE root CAs, then the EAT.
    crypto::Certificate attestationCertificate;
    if (!response.attestationPayload) {
        fail(QStringLiteral("evidence"), QStringLiteral("the QueryResponse carries no attestation payload"));
    } else {
        const Result<QCborValue> eat = cbor::decodeStrict(*response.attestationPayload);
        const Result<crypto::cose::SignedObject> eatObject = eat ? crypto::cose::parse(eat.value()) : Result<crypto::cose::SignedObject>(eat.error());
        const QList<QByteArray> chain = eatObject ? eatObject.value().body.x5chain : QList<QByteArray>();
        const Result<crypto::Certificate> leaf = chain.isEmpty() ? Result<crypto::Certificate>(Error{QStringLiteral("eat.x5chain"), QStringLiteral("no x5chain")})
                                                                 : crypto::Certificate::fromDer(chain.first());
        QList<crypto::Certificate> intermediates;
        for (const QByteArray &der : chain.mid(1)) {
            if (const Result<crypto::Certificate> certificate = crypto::Certificate::fromDer(der))
                intermediates << certificate.value();
        }
        const auto teeRoots = store::TrustAnchors(m_db, m_clock, QString()).certificates(crypto::TrustStore::TeeRoot);
        crypto::ChainVerifier verifier(teeRoots ? teeRoots.value() : QList<crypto::Certificate>(), m_clock);
        verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
        const crypto::ChainResult chainResult = leaf ? verifier.verify(leaf.value(), intermediates) : crypto::ChainResult{};
        if (!leaf || !chainResult.ok) {
            fail(QStringLiteral("attestation certificate chain"), leaf ? chainResult.message : leaf.error().message);
        } else {
            attestationCertificate = leaf.value();
            checks.push_back(check(QStringLiteral("attestation certificate chain"), attestation::Outcome::Pass,
                                   QStringLiteral("issued by %1").arg(leaf.value().issuer())));
            // A device not known yet: its agent key is the one the verified evidence binds (cnf).
            const attestation::EvidenceVerification evidence = attestation::verifyEvidence(
                *response.attestationPayload, leaf.value().publicKey(), policy, session.challenge, agentKey);
            if (agentKey.isNull())
                agentKey = evidence.boundAgentKey;
            QList<attestation::Check> all = evidence.checks;
            // The claims against what the operator expects of this device model (only when the
            // evidence itself verified: unverified claims are not worth comparing).
            if (evidence.passed())
                all << ReferenceValues(m_db, m_clock, QString()).compare(evidence.claims);
            for (const attestation::Check &c : all) {
                checks.push_back(check(QStringLiteral("evidence: ") + c.name, c.outcome, c.detail));
                trusted = trusted && c.outcome != attestation::Outcome::Fail;
            }
            if (agentKey.isNull())
                fail(QStringLiteral("agent key"), QStringLiteral("the evidence binds no agent key (cnf)"));
        }
    }
    // The QueryResponse itself, with the agent key the evidence (or the registration) vouches for.
    if (!agentKey.isNull()) {
        const Result<QByteArray> thumbprint = crypto::coseKeyThumbprint(agentKey);
        if (!thumbprint || thumbprint.value() != kid)
            fail(QStringLiteral("QueryResponse signature"), QStringLiteral("signed by another key (kid) than the attested agent key"));
        else if (const Status verified = crypto::cose::verify(object, agentKey, policy); !verified)
            fail(QStringLiteral("QueryResponse signature"), verified.error().message + (legacyAlgorithm ? hint : QString()));
        else
            checks.push_back(check(QStringLiteral("QueryResponse signature"), attestation::Outcome::Pass, QStringLiteral("by the attested agent key")));
    }
    const bool warned = std::any_of(checks.cbegin(), checks.cend(), [](const nlohmann::json &c) { return c["outcome"] == "warn"; });
    const Tier tier = !trusted ? Tier::Contraindicated : warned ? Tier::Warning : Tier::Affirming;
    if (known)
        (void)m_fleet.recordAttestation(known->teeId, session.id, tier, checks);
    if (tier == Tier::Contraindicated) {
        session.failed = true;
        QStringList failures;
        for (const nlohmann::json &c : checks) {
            if (c["outcome"] == "fail")
                failures << QStringLiteral("%1: %2").arg(QString::fromStdString(c["name"]), QString::fromStdString(c["detail"]));
        }
        finish(session, QStringLiteral("attestation failed (%1); nothing installed%2").arg(failures.join(QStringLiteral("; ")), legacyAlgorithm ? hint : QString()));
        return std::optional<QByteArray>();
    }
    TeeRecord record;
    if (known) {
        record = *known;
        (void)m_fleet.touch(record.deviceId);
    } else {
        const Result<TeeRecord> learned = m_fleet.learnTeepDevice(agentKey, kid, attestationCertificate);
        if (!learned) {
            session.failed = true;
            finish(session, learned.error().message);
            return std::optional<QByteArray>();
        }
        record = learned.value();
        (void)m_fleet.recordAttestation(record.teeId, session.id, tier, checks);
    }
    session.device = record.deviceName;
    session.teeId = record.teeId;
    session.agentKey = agentKey;
    session.compatibility = compatibility;
    (void)m_fleet.attachSession(session.id, record.deviceId, record.teeId);
    m_open.announce(SessionEvent::Kind::DeviceSeen, session, QStringLiteral("%1: TEEP agent %2").arg(session.device, tierName(tier)));

    // What the agent has (tc-list).
    QStringList reported;
    if (response.tcList) {
        for (const QCborValue &claims : *response.tcList) {
            const QString taid = taidOf(claims.toMap().value(0));
            if (!taid.isEmpty())
                reported << taid;
        }
    }
    // What the device's client apps ask for (RequestTA) or no longer need (UnrequestTA).
    const QSet<QString> bundled = takeRequests(session, record.deviceId, response, reported);

    // What it has against what it should have.
    const Result<QList<DesiredTa>> desired = m_fleet.desiredFor(record.deviceId, Fleet::TaForm::Manifest);
    Result<QMap<QString, qint64>> installed = m_fleet.installedVersions(record.teeId);
    if (!desired || !installed) {
        session.failed = true;
        finish(session, (desired ? installed.error() : desired.error()).message);
        return std::optional<QByteArray>();
    }
    for (auto it = installed.value().cbegin(); it != installed.value().cend(); ++it) {
        if (!reported.contains(it.key()))
            (void)m_fleet.recordRemoved(record.teeId, it.key()); // the device no longer has it
    }
    Update update;
    QStringList desiredTaids;
    for (const DesiredTa &ta : desired.value()) {
        desiredTaids << ta.taid;
        if (ta.manifest.isEmpty()) {
            session.outcomes << QStringLiteral("%1 v%2 has no SUIT manifest for TEEP devices").arg(ta.taid).arg(ta.sequence);
            continue;
        }
        const qint64 version = reported.contains(ta.taid) ? installed.value().value(ta.taid, -1) : -2;
        if (version == ta.sequence)
            continue;
        if (version > ta.sequence) {
            if (!ta.allowRollback) {
                session.outcomes << QStringLiteral("%1: version %2 is installed; the assigned version %3 is older and rollback is not allowed")
                                        .arg(ta.taid).arg(version).arg(ta.sequence);
                continue;
            }
            update.unneededManifestList << componentIdFor(ta.taid); // then installed afresh
        }
        if (ta.haveBinary && bundled.contains(ta.taid) && version == -2) {
            // The client app bundles the binary: the TAM's signed manifest authorises it by digest.
            const Result<QByteArray> bare = suit::withoutIntegratedPayloads(ta.manifest);
            if (!bare) {
                session.outcomes << QStringLiteral("%1: the manifest could not be sent without its payload: %2").arg(ta.taid, bare.error().message);
                continue;
            }
            update.manifestList << bare.value();
        } else {
            update.manifestList << ta.manifest;
        }
        session.sent << ta;
    }
    for (const QString &taid : std::as_const(reported)) {
        if (session.unneeded.contains(taid) && desiredTaids.contains(taid))
            session.outcomes << QStringLiteral("%1 is no longer needed by the device but assigned by the operator: kept").arg(taid);
        if (!desiredTaids.contains(taid)) {
            update.unneededManifestList << componentIdFor(taid);
            session.removing << taid;
        }
    }
    if (update.manifestList.isEmpty() && update.unneededManifestList.isEmpty())
        return finish(session);
    update.token = crypto::randomBytes(16);
    const Result<QByteArray> message = signMessage(update, session.compatibility);
    if (!message || update.token.size() != 16) {
        session.failed = true;
        finish(session, QStringLiteral("the Update could not be signed"));
        return Error{QStringLiteral("tam.sign"), QStringLiteral("the Update could not be signed")};
    }
    QStringList what;
    for (const DesiredTa &ta : std::as_const(session.sent))
        what << QStringLiteral("%1 v%2").arg(ta.taid).arg(ta.sequence);
    for (const QString &taid : std::as_const(session.removing))
        what << QStringLiteral("remove %1").arg(taid);
    m_open.logMessage(session, true, message.value(), QStringLiteral("Update (%1)").arg(what.join(QStringLiteral(", "))));
    // The session is found by the token of the request in flight: re-key it.
    Session &moved = m_open.rekey(session.token, update.token); // `session` is no more
    moved.token = update.token;
    moved.awaitingQueryResponse = false;
    return std::optional<QByteArray>(message.value());
}

QSet<QString> TeepEngine::takeRequests(Session &session, qint64 deviceId, const QueryResponse &response, const QStringList &reported)
{
    constexpr qsizetype kMaxRequests = 32;
    if (response.requestedTcList.size() > kMaxRequests || response.unneededManifestList.size() > kMaxRequests)
        session.outcomes << QStringLiteral("more than %1 components requested or unneeded; only the first %1 of each are considered").arg(kMaxRequests);
    QList<AskedTa> asked;
    for (const RequestedTc &requested : response.requestedTcList.mid(0, kMaxRequests)) {
        const QString taid = taidOf(requested.componentId);
        if (taid.isEmpty() || taid.size() > 128) {
            session.outcomes << QStringLiteral("a requested component id is not one of this TAM's TAs");
            continue;
        }
        AskedTa ta{taid, requested.haveBinary.value_or(false), std::nullopt};
        if (requested.manifestSequenceNumber && *requested.manifestSequenceNumber <= quint64(std::numeric_limits<qint64>::max()))
            ta.sequence = qint64(*requested.manifestSequenceNumber);
        asked << ta;
    }
    QStringList unneeded;
    for (const QCborValue &componentId : response.unneededManifestList.mid(0, kMaxRequests)) {
        if (const QString taid = taidOf(componentId); !taid.isEmpty() && taid.size() <= 128)
            unneeded << taid;
    }
    TaRequests requests(m_db, m_clock, QStringLiteral("tam"));
    const DeviceIntent intent = takeDeviceIntent(requests, deviceId, asked, unneeded, reported);
    session.outcomes << intent.notes;
    session.unneeded = intent.unneeded;
    return intent.bundled;
}

std::optional<QByteArray> TeepEngine::afterUpdate(Session &session, const Message &answer)
{
    if (std::holds_alternative<Success>(answer)) {
        for (const DesiredTa &ta : std::as_const(session.sent)) {
            const Status recorded = m_fleet.recordInstalled(session.teeId, ta, QString());
            session.outcomes << (recorded ? QStringLiteral("%1 v%2 installed").arg(ta.taid).arg(ta.sequence)
                                          : QStringLiteral("%1 installed but not recorded: %2").arg(ta.taid, recorded.error().message));
        }
        for (const QString &taid : std::as_const(session.removing)) {
            (void)m_fleet.recordRemoved(session.teeId, taid);
            session.outcomes << QStringLiteral("%1 removed").arg(taid);
        }
        return finish(session);
    }
    const auto *error = std::get_if<ErrorMessage>(&answer);
    const QString why = error ? QStringLiteral("%1: %2").arg(errorCodeName(error->errCode), error->errMsg) : QStringLiteral("expected Success or Error");
    for (const DesiredTa &ta : std::as_const(session.sent))
        (void)m_fleet.recordFailed(session.teeId, ta, why);
    session.failed = true;
    return finish(session, QStringLiteral("the agent refused the Update (%1)").arg(why));
}

std::optional<QByteArray> TeepEngine::finish(Session &session, const QString &summary)
{
    m_open.close(session.token, session, summary);
    return std::nullopt;
}

} // namespace teep::tam
