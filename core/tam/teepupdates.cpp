// The TEEP engine's Updates: what an admitted device should have against what it reports, the
// manifests in the form it takes, Updates within its limit (the rest in later rounds), and what
// its Success or Error means for the TAM's records.
#include "tam/teepengine.h"
#include "tam/teepenginedetail.h"

#include "crypto/symmetric.h"
#include "protocol/teep/teepcodec.h"
#include "suit/suitenvelope.h"
#include "tam/tarequests.h"
#include "tam/teepplanner.h"

#include <QCborArray>
#include <QCborMap>

namespace teep::tam {

using namespace teep::protocol;
using namespace teepdetail;

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
    const Result<QList<DesiredTa>> desired = m_installations.desiredFor(record.deviceId, Installations::TaForm::Manifest);
    Result<QMap<QString, qint64>> installed = m_installations.installedVersions(record.teeId);
    if (!desired || !installed) {
        session.failed = true;
        finish(session, (desired ? installed.error() : desired.error()).message);
        return std::optional<QByteArray>();
    }
    const TeepSettings settings(m_db, m_clock, QStringLiteral("tam"));
    const Result<qsizetype> uriAbove = settings.payloadByUriAbove();
    const Result<qsizetype> compatibleLimit = settings.compatibleUpdateLimit();
    if (!uriAbove || !compatibleLimit) {
        session.failed = true;
        finish(session, (uriAbove ? compatibleLimit.error() : uriAbove.error()).message);
        return uriAbove ? compatibleLimit.error() : uriAbove.error();
    }
    const TeepPlan plan = planTeep({desired.value(), reported, installed.value(), bundled, session.unneeded, session.compatibility,
                                    uriAbove.value()});
    session.outcomes << plan.notes;
    for (const QString &taid : plan.gone)
        saved(session, m_installations.recordRemoved(record.teeId, taid), QStringLiteral("%1 gone from the device").arg(taid));

    // The plan in the Update's terms: component ids, and each manifest in its form.
    Update update;
    for (const QString &taid : plan.reinstall)
        update.unneededManifestList << componentIdFor(taid);
    QList<PendingManifest> toSend;
    for (const PlannedManifest &planned : plan.manifests) {
        const DesiredTa &ta = planned.ta;
        switch (planned.form) {
        case ManifestForm::WithoutPayload: {
            // The client app bundles the binary: the TAM's signed manifest authorises it by digest.
            const Result<QByteArray> bare = suit::withoutIntegratedPayloads(ta.manifest);
            if (!bare)
                session.outcomes << QStringLiteral("%1: the manifest could not be sent without its payload: %2").arg(ta.taid, bare.error().message);
            else
                toSend.append({ta, bare.value()});
            break;
        }
        case ManifestForm::ByUri:
            toSend.append({ta, ta.manifestByUri});
            break;
        case ManifestForm::Integrated:
            toSend.append({ta, ta.manifest});
            break;
        }
    }
    for (const QString &taid : plan.remove) {
        update.unneededManifestList << componentIdFor(taid);
        session.removing << taid;
    }
    const qsizetype limit = session.compatibility ? compatibleLimit.value() : kMaxTeepMessageBytes;
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
    // Packed by the encoded size plus what the signatures add, then signed once; should the
    // estimate be short, the last manifest waits for the next round.
    const QList<qint64> algorithms = answerAlgorithms(session);
    const qsizetype signatureOverhead = 160 * signingKeys(algorithms).size(); // COSE_Sign1 with kid and an ES256/ESP256 signature: ~110
    session.deferred.clear();
    session.sent.clear();
    // Finding which change the agent refuses: one manifest per Update, else one removal.
    QList<PendingManifest> afterThis;
    if (session.isolating && !toSend.isEmpty()) {
        afterThis = toSend.mid(1);
        toSend.resize(1);
    } else if (session.isolating && !session.deferredRemovals.isEmpty()) {
        const QString taid = session.deferredRemovals.takeFirst();
        update.unneededManifestList << componentIdFor(taid);
        session.removing << taid;
    }
    for (const PendingManifest &pending : toSend) {
        const auto &[ta, manifest] = pending;
        if (!session.deferred.isEmpty()) {
            session.deferred << pending;
            continue;
        }
        update.manifestList << manifest;
        const qsizetype estimate = encodeMessage(update).size() + signatureOverhead;
        if (estimate <= limit) {
            session.sent << pending;
            continue;
        }
        update.manifestList.removeLast();
        if (!update.manifestList.isEmpty() || !update.unneededManifestList.isEmpty()) {
            session.deferred << pending; // it fits alone, or with less: the next round
            continue;
        }
        const QString why = QStringLiteral("its manifest alone makes an Update of about %1 bytes, over the %2 bytes this device can receive%3")
                                .arg(estimate)
                                .arg(limit)
                                .arg(ta.manifestByUri.isEmpty() ? QStringLiteral(" (published before payloads by URI: publish it again)") : QString());
        session.outcomes << QStringLiteral("%1 v%2 not sent: %3").arg(ta.taid).arg(ta.sequence).arg(why);
        saved(session, m_installations.recordFailed(session.teeId, ta, why), QStringLiteral("%1 v%2 not sent").arg(ta.taid).arg(ta.sequence));
    }
    session.deferred << afterThis;
    if (update.manifestList.isEmpty() && update.unneededManifestList.isEmpty()) {
        if (!session.deferred.isEmpty() || !session.deferredRemovals.isEmpty()) // one refused on its own: the next
            return sendUpdate(session, Update{}, session.deferred);
        return finish(session);
    }
    Result<QByteArray> message = signMessage(update, algorithms);
    while (message && message.value().size() > limit && !update.manifestList.isEmpty()) {
        update.manifestList.removeLast();
        session.deferred.prepend(session.sent.takeLast());
        message = signMessage(update, algorithms);
    }
    if (!message || message.value().size() > limit) {
        session.failed = true;
        const QString why = message ? QStringLiteral("the removals alone make an Update of %1 bytes, over the %2 bytes this device can receive")
                                          .arg(message.value().size()).arg(limit)
                                    : QStringLiteral("the Update could not be signed: %1").arg(message.error().message);
        finish(session, why);
        return message ? std::optional<QByteArray>() : Result<std::optional<QByteArray>>(message.error());
    }
    QStringList what;
    for (const PendingManifest &pending : std::as_const(session.sent))
        what << QStringLiteral("%1 v%2").arg(pending.first.taid).arg(pending.first.sequence);
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
        for (const auto &[ta, form] : std::as_const(session.sent)) {
            if (saved(session, m_installations.recordInstalled(session.teeId, ta, QString()), QStringLiteral("%1 v%2 installed but").arg(ta.taid).arg(ta.sequence)))
                session.outcomes << QStringLiteral("%1 v%2 installed").arg(ta.taid).arg(ta.sequence);
        }
        for (const QString &taid : std::as_const(session.removing)) {
            if (saved(session, m_installations.recordRemoved(session.teeId, taid), QStringLiteral("%1 removed but").arg(taid)))
                session.outcomes << QStringLiteral("%1 removed").arg(taid);
        }
        session.sent.clear();
        session.removing.clear();
        if (!session.deferred.isEmpty() || !session.deferredRemovals.isEmpty()) {
            // What did not fit: a new round (QueryRequest, QueryResponse, Update) in this session.
            const Result<std::optional<QByteArray>> next = queryAgain(session, false, QString(), kMaxRounds);
            return next ? next.value() : std::nullopt;
        }
        return finish(session);
    }
    const auto *error = std::get_if<ErrorMessage>(&answer);
    const QString why = error ? QStringLiteral("%1: %2").arg(errorCodeName(error->errCode), error->errMsg) : QStringLiteral("expected Success or Error");
    // An agent refuses a whole Update for one bad manifest (and says nothing of which, unless a
    // SUIT report does): one TA its signer is not trusted for would hold back every other change,
    // session after session. Several changes refused together are sent again one per Update, in
    // this session, so that the others are made and the refused one is recorded with its reason.
    const qsizetype changes = session.sent.size() + session.removing.size();
    if (error && changes > 1 && !session.isolating) {
        session.isolating = true;
        session.notes << QStringLiteral("the agent refused an Update of %1 changes (%2): sent again one at a time").arg(changes).arg(why);
        session.deferred = session.sent + session.deferred;
        session.deferredRemovals = session.removing;
        session.sent.clear();
        session.removing.clear();
        const Result<std::optional<QByteArray>> next = queryAgain(session, false, QString(), kMaxRounds);
        return next ? next.value() : std::nullopt;
    }
    for (const auto &[ta, form] : std::as_const(session.sent)) {
        session.outcomes << QStringLiteral("%1 v%2 refused (%3)").arg(ta.taid).arg(ta.sequence).arg(why);
        saved(session, m_installations.recordFailed(session.teeId, ta, why), QStringLiteral("%1 v%2 refused, and that").arg(ta.taid).arg(ta.sequence));
    }
    for (const QString &taid : std::as_const(session.removing))
        session.outcomes << QStringLiteral("removal of %1 refused (%2)").arg(taid, why);
    session.failed = true; // whatever else this session does, the device did not take all it should have
    session.sent.clear();
    session.removing.clear();
    if (error && (!session.deferred.isEmpty() || !session.deferredRemovals.isEmpty())) {
        // The remaining changes, one per round.
        const Result<std::optional<QByteArray>> next = queryAgain(session, false, QString(), kMaxRounds);
        return next ? next.value() : std::nullopt;
    }
    return finish(session, error ? QString() : QStringLiteral("the agent answered the Update with neither Success nor Error"));
}

} // namespace teep::tam
