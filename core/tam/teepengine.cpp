#include "tam/teepengine.h"
#include "tam/teepenginedetail.h"

#include "cbor/strictcbor.h"
#include "common/logging.h"
#include "crypto/cosesign.h"
#include "crypto/symmetric.h"
#include "protocol/diagnostic.h"
#include "protocol/teep/teepcodec.h"

#include <QCborArray>

namespace teep::tam {

using namespace teep::protocol;

namespace {
constexpr auto kMediaType = "application/teep+cbor";

QByteArray tokenOf(const Message &message)
{
    return std::visit([](const auto &m) { return m.token; }, message);
}
} // namespace

namespace teepdetail {

Error badMessage(const QString &message)
{
    return Error{QStringLiteral("tam.bad-message"), message};
}

QCborValue componentIdFor(const QString &taid)
{
    return QCborArray{QCborValue(taid.toUtf8())};
}

QString taidOf(const QCborValue &componentId)
{
    const QCborArray id = componentId.toArray();
    return id.size() == 1 && id.at(0).isByteArray() ? QString::fromUtf8(id.at(0).toByteArray()) : QString();
}

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

attestation::Check check(const QString &name, attestation::Outcome outcome, const QString &detail)
{
    return {name, outcome, detail};
}

} // namespace teepdetail

using namespace teepdetail;

TeepEngine::TeepEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits)
    : m_db(db), m_tam(std::move(tam)), m_clock(clock), m_devices(db, clock, QStringLiteral("tam")), m_installations(db, clock, QStringLiteral("tam")),
      m_contacts(db, clock, QStringLiteral("tam")),
      m_open(db, clock, limits, QStringLiteral("teep"), QLatin1String(kMediaType))
{
}

QList<crypto::cose::SigningKey> TeepEngine::signingKeys(const QList<qint64> &algorithms) const
{
    QList<crypto::cose::SigningKey> signers;
    if (!m_tam.previousKeys.isEmpty() && listenerSuites() == TeepSuites::Legacy) {
        // Deployed agents take one COSE_Sign1 (libteep refuses a tagged COSE_Sign) and verify it
        // with the key built into them: one key signs, the one the operator says they have.
        const Result<bool> byNew = TeepSettings(m_db, m_clock, QString()).singleSignatureByNewKey();
        const crypto::Key &previous = m_tam.previousKeys.last();
        const QList<qint64> previousCan = tamSigningAlgorithms(previous, TeepSuites::Both);
        // (A previous key that cannot make these algorithms leaves the signing to the new one.)
        const bool usePrevious = !(byNew && byNew.value()) &&
                                 std::all_of(algorithms.cbegin(), algorithms.cend(), [&](qint64 alg) { return previousCan.contains(alg); });
        for (qint64 alg : algorithms)
            signers << crypto::cose::SigningKey{usePrevious ? previous : m_tam.key, alg};
        return signers;
    }
    for (qint64 alg : algorithms)
        signers << crypto::cose::SigningKey{m_tam.key, alg};
    // A rollover's previous key signs beside the new one, with the algorithms it can.
    for (const crypto::Key &previous : m_tam.previousKeys) {
        const QList<qint64> possible = tamSigningAlgorithms(previous, TeepSuites::Both);
        for (qint64 alg : algorithms) {
            if (possible.contains(alg))
                signers << crypto::cose::SigningKey{previous, alg};
        }
    }
    return signers;
}

Result<QByteArray> TeepEngine::signMessage(const Message &message, const QList<qint64> &algorithms) const
{
    // One algorithm and one key: a COSE_Sign1. Several algorithms (the listener offers modern and
    // legacy suites), or a rollover's previous key beside the new one: a COSE_Sign with one
    // signature each, so that an agent of either era, pinning either key, finds one it verifies.
    const QList<crypto::cose::SigningKey> signers = signingKeys(algorithms);
    if (signers.size() == 1)
        return crypto::cose::sign1(encodeMessage(message), signers.first());
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
    } while (token.size() == 16 && m_open.contains(token));
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
    Result<QByteArray> request = startSession(peer);
    return settled(m_open.settle(), std::move(request));
}

Result<std::optional<QByteArray>> TeepEngine::process(const QByteArray &body, const QString &peer)
{
    Q_UNUSED(peer);
    Result<std::optional<QByteArray>> answer = handle(body);
    return settled(m_open.settle(), std::move(answer));
}

Result<QByteArray> TeepEngine::startSession(const QString &peer)
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

Result<std::optional<QByteArray>> TeepEngine::handle(const QByteArray &body)
{
    m_open.expireIdle();
    if (body.size() > kMaxTeepMessageBytes)
        return badMessage(QStringLiteral("the message is larger than %1 bytes").arg(kMaxTeepMessageBytes));
    cbor::Limits limits;
    limits.maxBytes = kMaxTeepMessageBytes;
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
    // Someone holding the token (it crossed the network in clear) may answer again and again with
    // messages that do not verify: the first few are kept for the operator, no more.
    if (session.refusedAnswers < kMaxRefusedAnswersLogged)
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
        saved(session, m_open.attach(session, session.deviceId, session.teeId), QStringLiteral("the session's device"));
        const Result<EffectivePolicy> found = TeepSettings(m_db, m_clock, QStringLiteral("tam")).policyForDevice(session.deviceId);
        if (found)
            policy = found.value();
    } else {
        session.outcomes << QStringLiteral("unauthenticated Error (%1)").arg(signer.problem);
    }
    // Other suites: a QueryRequest signed with those of the listener's the agent supports.
    if (error.errCode == quint64(ErrorCode::UnsupportedCipherSuites) && !error.cipherSuites.isEmpty()) {
        const TeepSuites suites = listenerSuites();
        const QList<qint64> enabled = tamSigningAlgorithms(m_tam.key, suites);
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
                                .arg(theirs.join(QStringLiteral(", ")), teepSuitesName(suites));
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

Result<std::optional<QByteArray>> TeepEngine::refuseUnverified(Session &session, const QString &why, const QString &answer)
{
    // draft-ietf-teep-protocol: a token is spent by the first *validly signed* answer. A message
    // that does not verify (forged, or from a device the TAM does not know) is refused and the
    // session keeps waiting for the real one; if none comes, it expires with this reason.
    // Nor does it keep the session alive: it expires when the device itself stays silent.
    session.failed = true;
    session.lastActivity = session.previousActivity;
    ++session.refusedAnswers;
    if (!session.outcomes.contains(why))
        session.outcomes << why;
    return badMessage(answer + QStringLiteral(" (nothing recorded)"));
}

std::optional<QByteArray> TeepEngine::finish(Session &session, const QString &summary)
{
    // What happened first, then how the session got there (its renegotiations).
    if (!summary.isEmpty())
        session.outcomes << summary;
    if (session.outcomes.isEmpty() && !session.notes.isEmpty())
        session.outcomes << QStringLiteral("nothing to do");
    session.outcomes << session.notes;
    m_open.close(session.token, session); // records the device's last contact too
    return std::nullopt;
}

} // namespace teep::tam
