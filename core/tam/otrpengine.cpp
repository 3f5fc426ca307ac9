#include "tam/otrpengine.h"
#include "common/json.h"

#include "common/logging.h"
#include "crypto/openssl.h"
#include "crypto/symmetric.h"
#include "protocol/otrp/getdevicestate.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/sdcommands.h"
#include "protocol/otrp/tamcommand.h"
#include "protocol/otrp/tapackage.h"
#include "store/trustanchors.h"
#include "tam/serviceproviders.h"
#include "tam/tarequests.h"

namespace teep::tam {

using namespace teep::protocol::otrp;

namespace {
constexpr auto kMediaType = "application/otrp+json";

QString randomId()
{
    return QString::fromLatin1(crypto::randomBytes(16).toHex());
}

Error badMessage(const QString &message)
{
    return Error{QStringLiteral("tam.bad-message"), message};
}

// The tid a device's message claims (not yet verified: it only finds the session, whose checks
// then run on everything).
QString claimedTid(const nlohmann::json &message)
{
    if (!message.is_object() || message.size() != 1)
        return {};
    const nlohmann::json *item = &message.begin().value();
    std::string name = message.begin().key();
    if (name == "GetDeviceStateResponse") {
        if (!item->is_array() || item->empty() || !(*item)[0].is_object() || (*item)[0].size() != 1)
            return {};
        name = (*item)[0].begin().key();
        item = &(*item)[0].begin().value();
    }
    const auto tidOf = [](const nlohmann::json &object) {
        const auto it = object.is_object() ? object.find("tid") : object.end();
        return it != object.end() && it->is_string() && it->get<std::string>().size() <= 64 ? QString::fromStdString(it->get<std::string>()) : QString();
    };
    if (name == "OTrPBrokerError" || QString::fromStdString(name).endsWith(QLatin1String("TBSResponse")))
        return tidOf(*item);
    const Result<Unwrapped> unwrapped = unwrap(nlohmann::json{{name, *item}});
    return unwrapped ? tidOf(unwrapped.value().tbs) : QString();
}
} // namespace

OtrpEngine::OtrpEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits)
    : m_db(db), m_tam(std::move(tam)), m_clock(clock), m_devices(db, clock, QStringLiteral("tam")), m_installations(db, clock, QStringLiteral("tam")),
      m_contacts(db, clock, QStringLiteral("tam")),
      m_open(db, clock, limits, QStringLiteral("otrp"), QLatin1String(kMediaType))
{
}

Result<QByteArray> OtrpEngine::start(const QString &peer)
{
    Result<QByteArray> request = startSession(peer);
    return settled(m_open.settle(), std::move(request));
}

Result<std::optional<QByteArray>> OtrpEngine::process(const QByteArray &body, const QString &peer)
{
    Result<std::optional<QByteArray>> answer = handle(body, peer);
    return settled(m_open.settle(), std::move(answer));
}

Result<QByteArray> OtrpEngine::startSession(const QString &peer)
{
    Result<Session> opened = m_open.open(peer);
    if (!opened)
        return opened.error();
    Session &session = opened.value();
    session.tid = randomId();
    session.rid = randomId();
    const Result<QByteArray> request = buildGetDeviceStateRequest(session.rid, session.tid, m_tam.jwsSigner());
    if (!request)
        return request.error();
    m_open.logMessage(session, true, request.value(), QStringLiteral("GetDeviceStateRequest"));
    m_open.insert(session.tid, session);
    return request.value();
}

Result<std::optional<QByteArray>> OtrpEngine::handle(const QByteArray &body, const QString &peer)
{
    m_open.expireIdle();
    if (body.size() > kMaxMessageBytes)
        return badMessage(QStringLiteral("the message is larger than %1 bytes").arg(kMaxMessageBytes));
    const Result<nlohmann::json> parsed = parseJsonText(std::string_view(body.constData(), size_t(body.size())));
    if (!parsed)
        return badMessage(QStringLiteral("the body is refused: %1%2")
                              .arg(parsed.error().message, parsed.error().where.isEmpty() ? QString() : QStringLiteral(" (at %1)").arg(parsed.error().where)));
    const nlohmann::json &json = parsed.value();
    const QString tid = claimedTid(json);
    Session *found = tid.isEmpty() ? nullptr : m_open.find(tid);
    if (!found)
        return badMessage(QStringLiteral("the message belongs to no open session (start one with an empty POST)"));
    Session &session = *found;
    if (session.peer != peer)
        qCInfo(lcTam) << "session" << session.id << "continues from another address:" << peer;
    // The device sends again the message it sent last (its answer was lost: the server that took
    // it stopped after saving the session, before the answer left): the same answer again, not a
    // second reading of an answer to a command no longer in flight.
    const QByteArray digest = crypto::sha256(body);
    if (!session.lastAnswer.isEmpty() && digest == session.lastMessage) {
        session.notes << QStringLiteral("a message sent again (its answer was lost): answered again");
        m_open.logMessage(session, false, body, QStringLiteral("the same message again"));
        m_open.logMessage(session, true, session.lastAnswer, QStringLiteral("the same answer again"));
        return std::optional<QByteArray>(session.lastAnswer);
    }
    m_open.logMessage(session, false, body, QString::fromStdString(json.begin().key()).left(64));
    Result<std::optional<QByteArray>> answer = session.awaitingState ? afterDeviceState(session, json) : [&] {
        afterCommand(session, json);
        return Result<std::optional<QByteArray>>(next(session));
    }();
    // Only while the session stays open (`session` is no more once it closed).
    if (answer && answer.value()) {
        session.lastMessage = digest;
        session.lastAnswer = *answer.value();
    }
    return answer;
}

Result<std::optional<QByteArray>> OtrpEngine::afterDeviceState(Session &session, const nlohmann::json &response)
{
    store::TrustAnchors anchors(m_db, m_clock, QString());
    const auto teeRoots = anchors.certificates(crypto::TrustStore::TeeRoot);
    const auto tfwRoots = anchors.certificates(crypto::TrustStore::TfwRoot);
    if (!teeRoots || !tfwRoots)
        return teeRoots ? tfwRoots.error() : teeRoots.error();
    const Result<DeviceState> state =
        processGetDeviceStateResponse(response, session.rid, session.tid, {m_tam.key, teeRoots.value(), tfwRoots.value(), {}}, m_clock);
    if (!state) {
        session.failed = true;
        finish(session, QStringLiteral("GetDeviceStateResponse refused: %1").arg(state.error().message));
        return badMessage(state.error().message);
    }
    for (const TeeFailure &failure : state.value().failures) {
        session.failed = true;
        session.outcomes << QStringLiteral("a TEE was not accepted: %1 (%2)").arg(failure.errorCode, failure.message.left(200));
    }
    qint64 deviceId = 0;
    int teeIndex = 0;
    for (const TeeReport &report : state.value().tees) {
        const bool mainTee = teeIndex++ == 0;
        const Result<TeeRecord> record = m_devices.teeForCertificate(report.dsi.teeCertificate, report.dsi.teeName, QStringLiteral("otrp"), deviceId);
        if (!record) {
            session.failed = true;
            session.outcomes << QStringLiteral("TEE %1 not recorded: %2").arg(report.dsi.teeName, record.error().message);
            continue;
        }
        if (deviceId == 0) {
            deviceId = record.value().deviceId;
            session.device = record.value().deviceName;
            saved(session, m_open.attach(session, record.value().deviceId, record.value().teeId), QStringLiteral("the session's device"));
        }
        // Both signatures and the chain were checked by processGetDeviceStateResponse; firmware
        // data is optional in OTrP, and its absence lowers the tier to a warning.
        using attestation::Outcome;
        const QList<attestation::Check> checks{
            {QStringLiteral("TEE signature"), Outcome::Pass, QStringLiteral("GetDeviceTEEStateResponse verified with the reported TEE certificate")},
            {QStringLiteral("TEE certificate chain"), Outcome::Pass, QStringLiteral("issued by ") + report.dsi.teeCertificate.issuer()},
            {QStringLiteral("firmware (TFW) signature"), report.tfwVerified ? Outcome::Pass : Outcome::Warn,
             report.tfwVerified ? QStringLiteral("signed by a trusted firmware key over this session's tid") : QStringLiteral("the TEE sent no firmware data")},
        };
        const Tier tier = report.tfwVerified ? Tier::Affirming : Tier::Warning;
        // Nothing is installed on a TEE whose attestation, the reason to trust it, was not saved.
        if (!saved(session, m_contacts.recordAttestation(record.value().teeId, session.id, tier, checks),
                   QStringLiteral("TEE %1's attestation, so nothing is sent to it;").arg(report.dsi.teeName)))
            continue;
        m_open.announce(SessionEvent::Kind::DeviceSeen, session, QStringLiteral("%1: TEE %2 %3").arg(session.device, report.dsi.teeName, tierName(tier)));

        if (const Status reconciled = m_installations.reconcile(record.value().teeId, report.dsi.sds); !reconciled)
            session.outcomes << QStringLiteral("TEE %1: records not reconciled: %2").arg(report.dsi.teeName, reconciled.error().message);
        // What the device's client apps ask for or no longer need (dsi reqtalist / unneededtalist).
        // The device's main TEE (the first it reports) speaks for its client apps.
        QSet<QString> unneeded;
        if (mainTee) {
            QList<AskedTa> asked;
            for (const RequestedTa &requested : report.dsi.requested)
                asked << AskedTa{requested.taid, requested.haveBinary, std::nullopt};
            QStringList held;
            for (const SdEntry &sd : report.dsi.sds) {
                for (const TaEntry &ta : sd.tas)
                    held << ta.taid;
            }
            TaRequests requests(m_db, m_clock, QStringLiteral("tam"));
            const DeviceIntent intent = takeDeviceIntent(requests, record.value().deviceId, asked, report.dsi.unneeded, held);
            session.outcomes << intent.notes;
            unneeded = intent.unneeded;
        }
        const Result<QList<DesiredTa>> desired = m_installations.desiredFor(record.value().deviceId, Installations::TaForm::SignedTa);
        const Result<QMap<QString, qint64>> installed = m_installations.installedVersions(record.value().teeId);
        for (const DesiredTa &ta : desired ? desired.value() : QList<DesiredTa>()) {
            if (unneeded.contains(ta.taid))
                session.outcomes << QStringLiteral("%1 is no longer needed by the device but assigned by the operator: kept").arg(ta.taid);
        }
        if (!desired || !installed) {
            session.failed = true;
            session.outcomes << QStringLiteral("TEE %1: no plan: %2").arg(report.dsi.teeName, (desired ? installed.error() : desired.error()).message);
            continue;
        }
        const OtrpPlan plan = planOtrp(desired.value(), report.dsi.sds, installed.value());
        session.outcomes << plan.notes;
        TeeWork work;
        work.target = TeeTarget{report.dsi.teeName, report.dsi.teeCertificate, report.dsiHash, session.tid, {}};
        work.teeId = record.value().teeId;
        for (const SpAik &aik : report.dsi.aiks)
            work.aiks.insert(aik.spid, aik.key);
        work.steps = plan.steps;
        session.tees << work;
    }
    return next(session);
}

void OtrpEngine::afterCommand(Session &session, const nlohmann::json &response)
{
    TeeWork &tee = session.tees[session.teeIndex];
    const PlannedStep &step = session.step;
    const QString command = stepCommand(step.kind);
    const QString what = QStringLiteral("%1 %2 on TEE %3").arg(command, step.taid.isEmpty() ? step.sdName : step.taid, tee.target.teeName);
    const Result<TeeCommandResult> result = processTeeCommandResponse(command, response, session.rid, tee.target, m_tam.key);
    if (!result) {
        const QString code = errorCodeFor(result.error());
        session.failed = true;
        session.outcomes << QStringLiteral("%1 failed: %2").arg(what, code);
        if (step.ta)
            saved(session, m_installations.recordFailed(tee.teeId, *step.ta, QStringLiteral("%1: %2").arg(code, result.error().message)),
                  QStringLiteral("%1 failed, and that").arg(what));
        // A refused domain or a state the TAM no longer knows ends this TEE's work in this session.
        if (step.kind == StepKind::CreateSd || code == QLatin1String("ERR_DEV_STATE_MISMATCH") || code == QLatin1String("ERR_REQUEST_INVALID") ||
            code.startsWith(QLatin1String("ERR_AGENT")))
            tee.stopped = true;
        return;
    }
    if (!result.value().dsiHash.isEmpty())
        tee.target.dsihash = result.value().dsiHash;
    Status recorded;
    switch (step.kind) {
    case StepKind::CreateSd:
        if (const Result<crypto::Key> aik = publicKeyMember(result.value().content, "teespaik"))
            tee.aiks.insert(step.spid, aik.value());
        recorded = m_installations.recordSdCreated(tee.teeId, step.spid, step.sdName);
        break;
    case StepKind::DeleteSd:
        tee.aiks.remove(step.spid);
        recorded = m_installations.recordSdDeleted(tee.teeId, step.sdName);
        break;
    case StepKind::InstallTa:
    case StepKind::UpdateTa:
        recorded = m_installations.recordInstalled(tee.teeId, *step.ta, step.sdName);
        break;
    case StepKind::DeleteTa:
        recorded = m_installations.recordRemoved(tee.teeId, step.taid);
        break;
    }
    if (!recorded) {
        session.failed = true;
        session.outcomes << QStringLiteral("%1 done but not recorded: %2").arg(what, recorded.error().message);
        return;
    }
    session.outcomes << QStringLiteral("%1: done").arg(what);
}

Result<QByteArray> OtrpEngine::build(Session &session, TeeWork &tee, const PlannedStep &step)
{
    session.rid = randomId();
    const QString command = stepCommand(step.kind);
    nlohmann::json content;
    std::optional<nlohmann::json> encryptedTa;
    if (step.kind == StepKind::DeleteSd) {
        content = deleteSdContent(m_tam.tamId, step.sdName, true);
    } else if (step.kind == StepKind::DeleteTa) {
        content = deleteTaContent(m_tam.tamId, step.sdName, step.taid);
    } else {
        const Result<ServiceProvider> sp = ServiceProviders(m_db, m_clock, QString()).get(step.spid);
        if (!sp)
            return sp.error();
        if (sp.value().certificates.isEmpty())
            return Error{QStringLiteral("tam.no-sp-certificate"), QStringLiteral("SP %1 has no signer certificate").arg(step.spid)};
        if (step.kind == StepKind::CreateSd) {
            content = createSdContent(m_tam.tamId, step.spid, step.sdName, sp.value().certificates.last());
        } else {
            // Authorization: the TA goes only into its SP's domain, signed by that SP.
            const auto signer = std::find_if(sp.value().certificates.cbegin(), sp.value().certificates.cend(), [&](const crypto::Certificate &certificate) {
                return verifyTa(step.ta->signedTa, {certificate}).ok();
            });
            if (signer == sp.value().certificates.cend())
                return Error{QStringLiteral("tam.not-signed-by-sp"), QStringLiteral("%1 is not signed by SP %2").arg(step.taid, step.spid)};
            if (!tee.aiks.contains(step.spid))
                return Error{QStringLiteral("tam.no-aik"), QStringLiteral("TEE %1 reported no AIK for SP %2").arg(tee.target.teeName, step.spid)};
            content = taContent(m_tam.tamId, step.spid, step.sdName, step.taid, *signer);
            const Result<nlohmann::json> encrypted =
                encryptTa(step.kind == StepKind::InstallTa ? TaOperation::Install : TaOperation::Update, step.ta->signedTa, std::nullopt, tee.aiks.value(step.spid));
            if (!encrypted)
                return encrypted.error();
            encryptedTa = encrypted.value();
        }
    }
    return buildTeeCommand(command, session.rid, tee.target, content, m_tam.jwsSigner(), true, encryptedTa);
}

std::optional<QByteArray> OtrpEngine::next(Session &session)
{
    session.awaitingState = false;
    for (int i = 0; i < session.tees.size(); ++i) {
        TeeWork &tee = session.tees[i];
        while (!tee.stopped && !tee.steps.isEmpty()) {
            const PlannedStep step = tee.steps.takeFirst();
            const Result<QByteArray> message = build(session, tee, step);
            if (!message) {
                session.failed = true;
                session.outcomes << QStringLiteral("%1 %2 not sent: %3").arg(stepCommand(step.kind), step.taid.isEmpty() ? step.sdName : step.taid,
                                                                           message.error().message);
                if (step.ta)
                    saved(session, m_installations.recordFailed(tee.teeId, *step.ta, message.error().message),
                          QStringLiteral("%1 not sent, and that").arg(step.taid));
                continue;
            }
            session.teeIndex = i;
            session.step = step;
            m_open.logMessage(session, true, message.value(), QStringLiteral("%1Request (%2)").arg(stepCommand(step.kind), step.reason));
            return message.value();
        }
    }
    return finish(session);
}

std::optional<QByteArray> OtrpEngine::finish(Session &session, const QString &summary)
{
    if (!summary.isEmpty())
        session.outcomes << summary;
    session.outcomes << session.notes; // after what happened: how the session got there
    m_open.close(session.tid, session);
    return std::nullopt;
}

} // namespace teep::tam
