#include "tam/teepengine.h"

#include "attestation/eat.h"
#include "cbor/strictcbor.h"
#include "common/logging.h"
#include "crypto/chainverifier.h"
#include "crypto/cosekey.h"
#include "crypto/cosesign.h"
#include "crypto/symmetric.h"
#include "protocol/diagnostic.h"
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

// SUIT reports (draft-ietf-suit-report) an agent sends with a QueryResponse, Success or Error:
// what they say, in one line of diagnostic notation each, for the session's record (the Message
// Inspector shows them in full, decoded).
QString suitReportsNote(const QList<QByteArray> &reports)
{
    if (reports.isEmpty())
        return {};
    QStringList shown;
    for (const QByteArray &report : reports.mid(0, 4)) {
        cbor::Limits limits;
        limits.maxBytes = 64 * 1024;
        const Result<QCborValue> value = cbor::decodeStrict(report, limits);
        shown << (value ? annotatedDiagnostic(value.value()).simplified().left(300) : QStringLiteral("not CBOR: %1").arg(value.error().message));
    }
    return QStringLiteral("%1 SUIT report(s): %2").arg(reports.size()).arg(shown.join(QStringLiteral(" | ")));
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

Result<QByteArray> TeepEngine::signMessage(const Message &message, const QList<qint64> &algorithms) const
{
    // One algorithm: a COSE_Sign1. Several (the listener offers modern and legacy suites): a
    // COSE_Sign with one signature each, so that an agent of either era finds one it verifies.
    if (algorithms.size() == 1)
        return crypto::cose::sign1(encodeMessage(message), {m_tam.key, algorithms.first()});
    QList<crypto::cose::SigningKey> signers;
    for (qint64 alg : algorithms)
        signers << crypto::cose::SigningKey{m_tam.key, alg};
    return crypto::cose::signMulti(encodeMessage(message), signers);
}

TeepSuites TeepEngine::listenerSuites() const
{
    if (m_suitesOverride)
        return *m_suitesOverride;
    const Result<TeepSuites> stored = TeepSettings(m_db, m_clock, QString()).suites();
    return stored ? stored.value() : TeepSuites::Modern;
}

QList<qint64> TeepEngine::answerAlgorithms(const Session &session) const
{
    const bool legacy = session.agentAlgorithm == crypto::cose::kES256 || session.agentAlgorithm == crypto::cose::kEdDSA;
    return tamSigningAlgorithms(m_tam.key, legacy ? TeepSuites::Legacy : TeepSuites::Modern);
}

crypto::cose::AlgorithmPolicy TeepEngine::acceptedFrom(const Session &session) const
{
    // What the TAM offered in this session, and what the device's compatibility profile allows.
    crypto::cose::AlgorithmPolicy policy = crypto::cose::AlgorithmPolicy::standard();
    if (session.compatibility)
        return crypto::cose::AlgorithmPolicy::compatible();
    for (qint64 alg : session.algorithms) {
        if (!policy.accepts(alg))
            policy.accepted << alg;
    }
    return policy;
}

Result<QByteArray> TeepEngine::query(Session &session, bool attestation)
{
    QByteArray token;
    do {
        token = crypto::randomBytes(16); // unique among the open sessions' requests, not just likely so
    } while (token.size() == 16 && m_open.find(token));
    const QByteArray challenge = attestation ? crypto::randomBytes(32) : QByteArray();
    if (token.size() != 16 || challenge.size() != (attestation ? 32 : 0))
        return Error{QStringLiteral("tam.random"), QStringLiteral("no random token could be drawn")};
    QueryRequest request;
    request.token = token;
    request.challenge = challenge;
    if (attestation)
        request.freshnessMechanisms = {FreshnessNonce};
    for (qint64 alg : std::as_const(session.algorithms)) {
        request.cipherSuites << CipherSuite{CipherSuiteOperation{18, alg}};
        request.suitCoseProfiles << SuitCoseProfile{-16, alg, -29, -65534}; // suit-sha256-<alg>-ecdh-a128ctr
    }
    request.dataItemRequested = (attestation ? dataitem::Attestation : 0) | dataitem::TrustedComponents;
    const Result<QByteArray> message = signMessage(request, session.algorithms);
    if (!message)
        return message.error();
    session.token = token;
    session.challenge = challenge;
    session.attestationAsked = attestation;
    session.awaitingQueryResponse = true;
    ++session.queries;
    QStringList algorithms;
    for (qint64 alg : std::as_const(session.algorithms))
        algorithms << crypto::cose::algorithmName(alg);
    m_open.logMessage(session, true, message.value(),
                      QStringLiteral("QueryRequest (%1; %2)")
                          .arg(attestation ? QStringLiteral("attestation, trusted components") : QStringLiteral("trusted components"),
                               algorithms.join(QStringLiteral(" + "))));
    return message.value();
}

Result<QByteArray> TeepEngine::start(const QString &peer)
{
    const TeepSettings settings(m_db, m_clock, QStringLiteral("tam"));
    const Result<TeepSuites> suites = m_suitesOverride ? Result<TeepSuites>(*m_suitesOverride) : settings.suites();
    const Result<AttestationPolicy> policy = settings.defaultPolicy();
    if (!suites || !policy)
        return suites ? policy.error() : suites.error();
    Result<Session> opened = m_open.open(peer);
    if (!opened)
        return opened.error();
    Session &session = opened.value();
    session.algorithms = tamSigningAlgorithms(m_tam.key, suites.value());
    // The device is not known yet: the default policy decides whether to ask for evidence (a
    // device whose group decides otherwise gets a second QueryRequest).
    const Result<QByteArray> message = query(session, policy.value() != AttestationPolicy::RegisteredKey);
    if (!message) {
        session.failed = true;
        m_open.close(session.token, session, message.error().message);
        return message.error();
    }
    m_open.announce(SessionEvent::Kind::Started, session, QStringLiteral("session started"));
    m_open.insert(session.token, session);
    return message.value();
}

Result<std::optional<QByteArray>> TeepEngine::queryAgain(Session &session, bool attestation, const QString &why, int maxQueries)
{
    if (session.queries >= maxQueries) {
        session.failed = true;
        finish(session, QStringLiteral("%1; no more than %2 QueryRequests in a session").arg(why.isEmpty() ? QStringLiteral("more to send") : why).arg(maxQueries));
        return std::optional<QByteArray>();
    }
    if (!why.isEmpty())
        session.notes << why;
    const QByteArray previous = session.token;
    const Result<QByteArray> message = query(session, attestation);
    if (!message) {
        session.failed = true;
        finish(session, message.error().message);
        return message.error();
    }
    Session &moved = m_open.rekey(previous, session.token); // `session` is no more
    Q_UNUSED(moved);
    return std::optional<QByteArray>(message.value());
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
    if (!found) {
        // Nothing is recorded from such a message: it proves nothing fresh (an unsolicited
        // QueryResponse, e.g. an agent's after a reboot, gets a session by an empty POST).
        if (std::holds_alternative<QueryResponse>(decoded.value().message))
            return badMessage(QStringLiteral("an unsolicited QueryResponse: its token answers no open QueryRequest of this TAM (answered already, "
                                             "expired, or never issued); start a session with an empty POST"));
        return badMessage(QStringLiteral("the token belongs to no open request: it was answered already, its session expired, or it was never issued "
                                         "(start a session with an empty POST)"));
    }
    Session &session = *found;
    m_open.logMessage(session, false, body, messageTypeName(messageType(decoded.value().message)));

    if (session.awaitingQueryResponse) {
        session.compatibilityNotes = decoded.value().compatibilityNotes;
        if (const auto *response = std::get_if<QueryResponse>(&decoded.value().message))
            return afterQueryResponse(session, object.value(), *response);
        if (const auto *error = std::get_if<ErrorMessage>(&decoded.value().message))
            return afterQueryError(session, object.value(), *error);
        session.failed = true;
        finish(session, QStringLiteral("expected a QueryResponse or an Error, got a %1").arg(messageTypeName(messageType(decoded.value().message))));
        return badMessage(QStringLiteral("expected a QueryResponse or an Error"));
    }
    if (!session.compatibility && !decoded.value().compatibilityNotes.isEmpty()) {
        session.failed = true;
        finish(session, QStringLiteral("the answer to the Update needs the compatibility profile: %1").arg(decoded.value().compatibilityNotes.join(QStringLiteral("; "))));
        return badMessage(QStringLiteral("not a standard TEEP message"));
    }
    if (const Status verified = crypto::cose::verify(object.value(), session.agentKey, acceptedFrom(session)); !verified)
        return refuseUnverified(session, QStringLiteral("an answer to the Update not signed by the agent: %1").arg(verified.error().message),
                                verified.error().message);
    return afterUpdate(session, decoded.value().message);
}

TeepEngine::Signer TeepEngine::identify(const crypto::cose::SignedObject &object, const crypto::cose::AlgorithmPolicy &policy) const
{
    Signer signer;
    const QByteArray kid = object.body.kid;
    if (kid.isEmpty()) {
        // Deployed agents send no kid: the registered key that verifies the signature names the device.
        const Result<std::optional<Fleet::IdentifiedAgent>> found = m_fleet.teeForSignature(object, policy);
        if (!found) {
            signer.problem = found.error().message;
        } else if (found.value()) {
            signer.device = found.value()->tee;
            signer.key = found.value()->key;
            signer.verified = true;
        } else {
            signer.problem = QStringLiteral("the agent sent no kid and no registered agent key verifies its %1 signature")
                                 .arg(crypto::cose::algorithmName(object.body.alg));
        }
        return signer;
    }
    const Result<std::optional<TeeRecord>> lookup = m_fleet.teeForAgentKey(kid);
    if (!lookup) {
        signer.problem = lookup.error().message;
        return signer;
    }
    if (!lookup.value()) {
        signer.problem = QStringLiteral("no registered agent key has the kid %1").arg(QString::fromLatin1(kid.toHex().left(16)));
        return signer;
    }
    signer.device = lookup.value();
    const Result<crypto::Key> stored = m_fleet.agentKey(signer.device->deviceId);
    if (!stored) {
        signer.problem = stored.error().message;
        return signer;
    }
    signer.key = stored.value();
    const Status verified = crypto::cose::verify(object, signer.key, policy);
    signer.verified = verified.ok();
    if (!verified)
        signer.problem = QStringLiteral("not signed by the registered agent key of %1: %2").arg(signer.device->deviceName, verified.error().message);
    return signer;
}

Result<std::optional<QByteArray>> TeepEngine::afterQueryError(Session &session, const crypto::cose::SignedObject &object, const ErrorMessage &error)
{
    const QString what = QStringLiteral("%1%2").arg(errorCodeName(error.errCode), error.errMsg.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(error.errMsg));
    if (!error.suitReports.isEmpty())
        session.notes << suitReportsNote(error.suitReports);
    // Verified like any message: a device that proves who it is gets its contact recorded.
    const Signer signer = identify(object, crypto::cose::AlgorithmPolicy::compatible());
    std::optional<EffectivePolicy> policy;
    if (signer.verified) {
        session.device = signer.device->deviceName;
        session.deviceId = signer.device->deviceId;
        session.teeId = signer.device->teeId;
        if (const Status attached = m_fleet.attachSession(session.id, session.deviceId, session.teeId); !attached)
            qCWarning(lcTam) << "session" << session.id << "not attached to its device:" << attached.error().toString();
        const Result<EffectivePolicy> found = TeepSettings(m_db, m_clock, QStringLiteral("tam")).policyForDevice(session.deviceId);
        if (found)
            policy = found.value();
    } else {
        session.outcomes << QStringLiteral("unauthenticated Error (%1)").arg(signer.problem);
    }
    // Other suites: a QueryRequest signed with those of the listener's the agent supports.
    if (error.errCode == quint64(ErrorCode::UnsupportedCipherSuites) && !error.cipherSuites.isEmpty()) {
        const QList<qint64> enabled = tamSigningAlgorithms(m_tam.key, listenerSuites());
        QList<qint64> usable;
        QStringList theirs;
        for (const CipherSuite &suite : error.cipherSuites) {
            QStringList operations;
            for (const CipherSuiteOperation &operation : suite)
                operations << crypto::cose::algorithmName(operation.algorithm);
            theirs << operations.join(QStringLiteral(" + "));
            if (suite.size() == 1 && suite.first().coseType == 18 && enabled.contains(suite.first().algorithm) && !usable.contains(suite.first().algorithm))
                usable << suite.first().algorithm;
        }
        if (!usable.isEmpty() && usable != session.algorithms) {
            session.algorithms = usable;
            return queryAgain(session, session.attestationAsked, QStringLiteral("the agent supports %1 only: asked again with it").arg(theirs.join(QStringLiteral(", "))));
        }
        session.failed = true;
        const QString why = QStringLiteral("the agent supports %1 only, which this listener does not offer (its TEEP suites: %2; "
                                           "teepctl tam suites legacy|both, or the console's listener settings)")
                                .arg(theirs.join(QStringLiteral(", ")), teepSuitesName(listenerSuites()));
        finish(session, why);
        return std::optional<QByteArray>();
    }
    // No evidence: a device the registered key is enough for is asked again without attestation.
    if (session.attestationAsked && policy && policy->policy == AttestationPolicy::RegisteredKey)
        return queryAgain(session, false,
                          QStringLiteral("asked again without attestation, which the agent refused (%1): its policy (%2: %3)")
                              .arg(what, policy->source, attestationPolicyText(policy->policy)));
    session.failed = true;
    QString why = QStringLiteral("the agent refused the QueryRequest: %1").arg(what);
    if (session.attestationAsked && signer.verified)
        why += QStringLiteral(" (attestation was asked: the device's policy, %1, is %2; registered-key would serve it without evidence)")
                   .arg(policy ? policy->source : QStringLiteral("unknown"), policy ? attestationPolicyName(policy->policy) : QStringLiteral("unknown"));
    finish(session, why);
    return std::optional<QByteArray>();
}

Result<std::optional<QByteArray>> TeepEngine::afterQueryResponse(Session &session, const crypto::cose::SignedObject &object,
                                                                 const QueryResponse &response)
{
    const QByteArray kid = object.body.kid;
    session.agentAlgorithm = object.body.alg;
    // 1. Who signed it. A known device's signature is checked before anything about it is recorded.
    const Signer signer = identify(object, crypto::cose::AlgorithmPolicy::compatible());
    const std::optional<TeeRecord> known = signer.device;
    if (known && !signer.verified)
        return refuseUnverified(session, QStringLiteral("QueryResponse refused: %1").arg(signer.problem), signer.problem);
    if (known && session.admitted && known->deviceId == session.deviceId) {
        // A later round of this session: the device was admitted, and what it reported planned,
        // in the first; now what did not fit then (an agent's report may lag behind what it was
        // just sent, so it is not planned again).
        return sendUpdate(session, Update{}, session.deferred);
    }
    if (known)
        session.deviceId = known->deviceId; // it proved its key: its contact is recorded from now on
    // The device's profile and the listener's suites decide which algorithms and forms are accepted.
    const bool compatibility = known && known->compatibility;
    session.compatibility = compatibility;
    const crypto::cose::AlgorithmPolicy policy = acceptedFrom(session);
    const QString hint = compatibility ? QString()
                                       : QStringLiteral(" (a deployed agent's form: accepted only with the device's compatibility profile, "
                                                        "teepctl devices profile %1 compatible)")
                                             .arg(known ? known->deviceName : QStringLiteral("DEVICE"));
    nlohmann::json checks = nlohmann::json::array();
    bool trusted = true;
    auto fail = [&](const QString &name, const QString &detail) {
        checks.push_back(check(name, attestation::Outcome::Fail, detail));
        trusted = false;
    };
    if (!policy.accepts(object.body.alg))
        fail(QStringLiteral("QueryResponse signature"),
             QStringLiteral("%1 was not offered to this agent").arg(crypto::cose::algorithmName(object.body.alg)) + hint);
    if (!session.compatibilityNotes.isEmpty()) {
        if (compatibility)
            checks.push_back(check(QStringLiteral("message form"), attestation::Outcome::Warn,
                                   QStringLiteral("compatibility profile: %1").arg(session.compatibilityNotes.join(QStringLiteral("; ")))));
        else
            fail(QStringLiteral("message form"), session.compatibilityNotes.join(QStringLiteral("; ")) + hint);
    }
    // 2. What the device must prove: its group's policy, or the default for a device not known yet.
    const TeepSettings settings(m_db, m_clock, QStringLiteral("tam"));
    Result<EffectivePolicy> effective = known ? settings.policyForDevice(known->deviceId) : Result<EffectivePolicy>(Error{});
    if (!known) {
        const Result<AttestationPolicy> fallback = settings.defaultPolicy();
        effective = fallback ? Result<EffectivePolicy>(EffectivePolicy{fallback.value(), QStringLiteral("default")}) : Result<EffectivePolicy>(fallback.error());
    }
    if (!effective) {
        session.failed = true;
        finish(session, effective.error().message);
        return effective.error();
    }
    if (!response.attestationPayload && effective.value().policy == AttestationPolicy::Evidence) {
        if (!session.attestationAsked)
            return queryAgain(session, true,
                              QStringLiteral("%1: its policy (%2) requires evidence: asked again with attestation")
                                  .arg(known ? known->deviceName : QStringLiteral("the agent"), effective.value().source));
        // A known device that proved its key gets its contact recorded; nothing else.
        const QString why = QStringLiteral("no evidence: the attestation policy (%1) requires it; the agent may have no attester "
                                           "(teepctl devices attestation-policy --group GROUP registered-key serves such devices by their registered key)")
                                .arg(effective.value().source);
        session.failed = true;
        finish(session, why);
        return std::optional<QByteArray>();
    }
    if (!response.attestationPayload && !known)
        return refuseUnverified(session,
                                QStringLiteral("unknown agent: %1; without evidence a device must be registered first "
                                               "(teepctl devices add NAME --agent-key FILE)")
                                    .arg(signer.problem),
                                QStringLiteral("unknown agent: register its key, or let it send evidence"));
    checks.push_back(check(QStringLiteral("attestation policy"), attestation::Outcome::Pass,
                           QStringLiteral("%1 (%2)").arg(attestationPolicyText(effective.value().policy), effective.value().source)));

    // 3. The evidence, when there is some: the attestation certificate (x5chain) against the TEE
    // root CAs, then the EAT.
    crypto::Key agentKey = signer.key;
    crypto::Certificate attestationCertificate;
    bool attested = false;
    if (response.attestationPayload && !response.attestationPayloadFormat.isEmpty()) {
        const Result<QStringList> formats = settings.evidenceFormats();
        const QString format = TeepSettings::normalizedFormat(response.attestationPayloadFormat);
        const bool appraised = formats && std::any_of(formats.value().cbegin(), formats.value().cend(),
                                                       [&](const QString &f) { return TeepSettings::normalizedFormat(f) == format; });
        if (!appraised)
            fail(QStringLiteral("evidence format"),
                 QStringLiteral("%1 is not a format this TAM appraises (%2; teepctl tam evidence-formats adds one)")
                     .arg(response.attestationPayloadFormat.left(120), formats ? formats.value().join(QStringLiteral(", ")) : formats.error().message));
    }
    if (response.attestationPayload) {
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
            const QByteArray nonce = session.challenge.isEmpty() ? session.token : session.challenge;
            const attestation::EvidenceVerification evidence =
                attestation::verifyEvidence(*response.attestationPayload, leaf.value().publicKey(), policy, nonce, agentKey);
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
            attested = evidence.passed();
            if (agentKey.isNull())
                fail(QStringLiteral("agent key"), QStringLiteral("the evidence binds no agent key (cnf)"));
        }
    }
    // 4. A device learned from its evidence: the QueryResponse must be signed by the key it binds.
    if (!known) {
        const Result<QByteArray> thumbprint = agentKey.isNull() ? Result<QByteArray>(Error{}) : crypto::coseKeyThumbprint(agentKey);
        if (agentKey.isNull() || !trusted) {
            session.failed = true;
            QStringList failures;
            for (const nlohmann::json &c : checks) {
                if (c["outcome"] == "fail")
                    failures << QStringLiteral("%1: %2").arg(QString::fromStdString(c["name"]), QString::fromStdString(c["detail"]));
            }
            finish(session, QStringLiteral("unknown agent refused (%1); nothing installed, nothing recorded").arg(failures.join(QStringLiteral("; "))));
            return std::optional<QByteArray>();
        }
        QString unsigned_;
        if (!kid.isEmpty() && (!thumbprint || thumbprint.value() != kid))
            unsigned_ = QStringLiteral("signed by another key (kid) than the attested agent key");
        else if (const Status verified = crypto::cose::verify(object, agentKey, policy); !verified)
            unsigned_ = verified.error().message;
        if (!unsigned_.isEmpty())
            return refuseUnverified(session, QStringLiteral("QueryResponse signature: %1").arg(unsigned_),
                                    QStringLiteral("the QueryResponse is not signed by the attested agent key: %1").arg(unsigned_));
        checks.push_back(check(QStringLiteral("QueryResponse signature"), attestation::Outcome::Pass, QStringLiteral("by the attested agent key")));
    } else {
        checks.push_back(check(QStringLiteral("QueryResponse signature"), attestation::Outcome::Pass,
                               QStringLiteral("by the registered agent key of %1%2").arg(known->deviceName, kid.isEmpty() ? QStringLiteral(" (no kid: found by its signature)") : QString())));
    }
    if (!response.suitReports.isEmpty())
        session.notes << suitReportsNote(response.suitReports);
    const bool warned = std::any_of(checks.cbegin(), checks.cend(), [](const nlohmann::json &c) { return c["outcome"] == "warn"; });
    const Tier tier = !trusted ? Tier::Contraindicated : !attested ? Tier::Identified : warned ? Tier::Warning : Tier::Affirming;
    TeeRecord record;
    if (known) {
        record = *known;
    } else {
        const Result<QByteArray> thumbprint = crypto::coseKeyThumbprint(agentKey);
        const Result<TeeRecord> learned = thumbprint ? m_fleet.learnTeepDevice(agentKey, thumbprint.value(), attestationCertificate) : Result<TeeRecord>(thumbprint.error());
        if (!learned) {
            session.failed = true;
            finish(session, learned.error().message);
            return std::optional<QByteArray>();
        }
        record = learned.value();
    }
    session.device = record.deviceName;
    session.deviceId = record.deviceId;
    session.teeId = record.teeId;
    session.agentKey = agentKey;
    const QString admittedBy = QStringLiteral("%1 (%2)").arg(attestationPolicyName(effective.value().policy), effective.value().source);
    if (const Status recorded = m_fleet.recordAttestation(record.teeId, session.id, tier, checks, admittedBy); !recorded) {
        session.failed = true;
        finish(session, QStringLiteral("the attestation result could not be saved: %1; nothing installed").arg(recorded.error().message));
        return recorded.error();
    }
    if (const Status attached = m_fleet.attachSession(session.id, record.deviceId, record.teeId); !attached)
        qCWarning(lcTam) << "session" << session.id << "not attached to its device:" << attached.error().toString();
    session.admitted = tier != Tier::Contraindicated;
    m_open.announce(SessionEvent::Kind::DeviceSeen, session, QStringLiteral("%1: TEEP agent %2").arg(session.device, tierName(tier)));
    if (tier == Tier::Contraindicated) {
        session.failed = true;
        QStringList failures;
        for (const nlohmann::json &c : checks) {
            if (c["outcome"] == "fail")
                failures << QStringLiteral("%1: %2").arg(QString::fromStdString(c["name"]), QString::fromStdString(c["detail"]));
        }
        finish(session, QStringLiteral("attestation failed (%1); nothing installed").arg(failures.join(QStringLiteral("; "))));
        return std::optional<QByteArray>();
    }
    return planUpdate(session, record, response);
}

Result<std::optional<QByteArray>> TeepEngine::planUpdate(Session &session, const TeeRecord &record, const QueryResponse &response)
{
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
    // The manifests to send, each in the form this device can take: without its payload when a
    // client app bundles the binary; naming its payload by URI for a device with the
    // compatibility profile (deployed agents fetch large payloads) or when it is large.
    const TeepSettings settings(m_db, m_clock, QStringLiteral("tam"));
    const Result<qsizetype> uriAbove = settings.payloadByUriAbove();
    const Result<qsizetype> compatibleLimit = settings.compatibleUpdateLimit();
    if (!uriAbove || !compatibleLimit) {
        session.failed = true;
        finish(session, (uriAbove ? compatibleLimit.error() : uriAbove.error()).message);
        return uriAbove ? compatibleLimit.error() : uriAbove.error();
    }
    const qsizetype limit = session.compatibility ? compatibleLimit.value() : kMaxMessageBytes;
    Update update;
    QStringList desiredTaids;
    QList<PendingManifest> toSend;
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
            toSend.append({ta, bare.value()});
        } else if (!ta.manifestByUri.isEmpty() && (session.compatibility || ta.manifest.size() > uriAbove.value())) {
            toSend.append({ta, ta.manifestByUri});
        } else {
            toSend.append({ta, ta.manifest});
        }
    }
    for (const QString &taid : std::as_const(reported)) {
        if (session.unneeded.contains(taid) && desiredTaids.contains(taid))
            session.outcomes << QStringLiteral("%1 is no longer needed by the device but assigned by the operator: kept").arg(taid);
        if (!desiredTaids.contains(taid)) {
            update.unneededManifestList << componentIdFor(taid);
            session.removing << taid;
        }
    }
    session.updateLimit = limit;
    return sendUpdate(session, update, toSend);
}

Result<std::optional<QByteArray>> TeepEngine::sendUpdate(Session &session, Update update, QList<PendingManifest> toSend)
{
    // As many manifests as keep the signed Update within what the device can receive; the rest
    // follow in this session, after its Success, each round answering a new QueryRequest.
    const qsizetype limit = session.updateLimit;
    update.token = crypto::randomBytes(16);
    if (update.token.size() != 16) {
        session.failed = true;
        finish(session, QStringLiteral("no random token could be drawn"));
        return Error{QStringLiteral("tam.random"), QStringLiteral("no random token could be drawn")};
    }
    Result<QByteArray> message = Error{QStringLiteral("tam.sign"), QStringLiteral("nothing signed yet")};
    auto sign = [&]() { message = signMessage(update, answerAlgorithms(session)); return message.ok() && message.value().size() <= limit; };
    session.deferred.clear();
    for (const PendingManifest &pending : toSend) {
        const auto &[ta, manifest] = pending;
        if (!session.deferred.isEmpty()) {
            session.deferred << pending;
            continue;
        }
        update.manifestList << manifest;
        if (sign()) {
            session.sent << ta;
            continue;
        }
        update.manifestList.removeLast();
        if (!update.manifestList.isEmpty() || !update.unneededManifestList.isEmpty()) {
            session.deferred << pending; // it fits alone, or with less: the next round
            continue;
        }
        const QString why = QStringLiteral("its manifest alone makes an Update of %1 bytes, over the %2 bytes this device can receive%3")
                                .arg(message ? message.value().size() : manifest.size())
                                .arg(limit)
                                .arg(ta.manifestByUri.isEmpty() ? QStringLiteral(" (published before payloads by URI: publish it again)") : QString());
        session.outcomes << QStringLiteral("%1 v%2 not sent: %3").arg(ta.taid).arg(ta.sequence).arg(why);
        (void)m_fleet.recordFailed(session.teeId, ta, why);
    }
    if (update.manifestList.isEmpty() && update.unneededManifestList.isEmpty())
        return finish(session);
    if (!sign()) {
        session.failed = true;
        const QString why = message ? QStringLiteral("the removals alone make an Update of %1 bytes, over the %2 bytes this device can receive")
                                          .arg(message.value().size()).arg(limit)
                                    : QStringLiteral("the Update could not be signed: %1").arg(message.error().message);
        finish(session, why);
        return message ? std::optional<QByteArray>() : Result<std::optional<QByteArray>>(message.error());
    }
    QStringList what;
    for (const DesiredTa &ta : std::as_const(session.sent))
        what << QStringLiteral("%1 v%2").arg(ta.taid).arg(ta.sequence);
    for (const QString &taid : std::as_const(session.removing))
        what << QStringLiteral("remove %1").arg(taid);
    if (!session.deferred.isEmpty())
        what << QStringLiteral("%1 more to follow").arg(session.deferred.size());
    m_open.logMessage(session, true, message.value(), QStringLiteral("Update (%1), %2 bytes").arg(what.join(QStringLiteral(", "))).arg(message.value().size()));
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
    if (const auto *success = std::get_if<Success>(&answer); success && !success->suitReports.isEmpty())
        session.notes << suitReportsNote(success->suitReports);
    if (const auto *refusal = std::get_if<ErrorMessage>(&answer); refusal && !refusal->suitReports.isEmpty())
        session.notes << suitReportsNote(refusal->suitReports);
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
        session.sent.clear();
        session.removing.clear();
        if (!session.deferred.isEmpty()) {
            // What did not fit: a new round (QueryRequest, QueryResponse, Update) in this session.
            const Result<std::optional<QByteArray>> next = queryAgain(session, false, QString(), kMaxRounds);
            return next ? next.value() : std::nullopt;
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

Result<std::optional<QByteArray>> TeepEngine::refuseUnverified(Session &session, const QString &why, const QString &answer)
{
    // draft-ietf-teep-protocol: a token is spent by the first *validly signed* answer. A message
    // that does not verify (forged, or from a device the TAM does not know) is refused and the
    // session keeps waiting for the real one; if none comes, it expires with this reason.
    session.failed = true;
    if (!session.outcomes.contains(why))
        session.outcomes << why;
    return badMessage(answer + QStringLiteral(" (nothing recorded)"));
}

std::optional<QByteArray> TeepEngine::finish(Session &session, const QString &summary)
{
    // The device proved who it is in this session: its last contact and what it came to, failed
    // or not, so that the operator sees a device that calls and is refused.
    // What happened first, then how the session got there (its renegotiations).
    if (!summary.isEmpty())
        session.outcomes << summary;
    if (session.outcomes.isEmpty() && !session.notes.isEmpty())
        session.outcomes << QStringLiteral("nothing to do");
    session.outcomes << session.notes;
    if (session.deviceId != 0) {
        const QStringList &outcomes = session.outcomes;
        const QString text = outcomes.isEmpty() ? QStringLiteral("nothing to do") : outcomes.join(QStringLiteral("; "));
        if (const Status touched = m_fleet.touch(session.deviceId, (session.failed ? QStringLiteral("failed: ") : QStringLiteral("completed: ")) + text);
            !touched)
            qCWarning(lcTam) << "session" << session.id << "contact not recorded:" << touched.error().toString();
    }
    m_open.close(session.token, session);
    return std::nullopt;
}

} // namespace teep::tam
