#include "tam/otrpengine.h"
#include "tam/sessionstate.h"

// An OTrP session's state between messages, for whichever server takes the device's next one.
namespace teep::tam {

using namespace sessionstate;

QCborMap OtrpEngine::Session::toState() const
{
    QCborMap state = basics(*this);
    state.insert(QStringLiteral("tid"), tid);
    state.insert(QStringLiteral("rid"), rid);
    state.insert(QStringLiteral("awaitingState"), awaitingState);
    state.insert(QStringLiteral("teeIndex"), teeIndex);
    state.insert(QStringLiteral("step"), plannedStep(step));
    QCborArray works;
    for (const TeeWork &tee : tees) {
        QCborMap aiks;
        for (auto it = tee.aiks.cbegin(); it != tee.aiks.cend(); ++it)
            aiks.insert(it.key(), publicKey(it.value()));
        QCborArray steps;
        for (const PlannedStep &planned : tee.steps)
            steps << plannedStep(planned);
        works << QCborMap{{QStringLiteral("teeName"), tee.target.teeName},
                          {QStringLiteral("teeCertificate"), tee.target.teeCertificate.der()},
                          {QStringLiteral("dsihash"), tee.target.dsihash},
                          {QStringLiteral("tid"), tee.target.tid},
                          {QStringLiteral("allowRsa15"), tee.target.jwePolicy.allowRsa15},
                          {QStringLiteral("teeId"), tee.teeId},
                          {QStringLiteral("aiks"), aiks},
                          {QStringLiteral("steps"), steps},
                          {QStringLiteral("stopped"), tee.stopped}};
    }
    state.insert(QStringLiteral("tees"), works);
    state.insert(QStringLiteral("notes"), strings(notes));
    state.insert(QStringLiteral("lastMessage"), lastMessage);
    state.insert(QStringLiteral("lastAnswer"), lastAnswer);
    return state;
}

std::optional<OtrpEngine::Session> OtrpEngine::Session::fromState(const QCborMap &state)
{
    Session session;
    if (!restoreBasics(state, session) || !state.value(QStringLiteral("tid")).isString() ||
        !plannedStepFrom(state.value(QStringLiteral("step")), session.step))
        return std::nullopt;
    session.tid = state.value(QStringLiteral("tid")).toString();
    session.rid = state.value(QStringLiteral("rid")).toString();
    session.awaitingState = state.value(QStringLiteral("awaitingState")).toBool();
    session.teeIndex = int(state.value(QStringLiteral("teeIndex")).toInteger(-1));
    for (const QCborValue &item : state.value(QStringLiteral("tees")).toArray()) {
        const QCborMap work = item.toMap();
        TeeWork tee;
        tee.target.teeName = work.value(QStringLiteral("teeName")).toString();
        const QByteArray der = work.value(QStringLiteral("teeCertificate")).toByteArray();
        if (!der.isEmpty()) {
            Result<crypto::Certificate> certificate = crypto::Certificate::fromDer(der);
            if (!certificate)
                return std::nullopt;
            tee.target.teeCertificate = std::move(certificate.value());
        }
        tee.target.dsihash = work.value(QStringLiteral("dsihash")).toString();
        tee.target.tid = work.value(QStringLiteral("tid")).toString();
        tee.target.jwePolicy.allowRsa15 = work.value(QStringLiteral("allowRsa15")).toBool();
        tee.teeId = work.value(QStringLiteral("teeId")).toInteger();
        const QCborMap aiks = work.value(QStringLiteral("aiks")).toMap();
        for (auto it = aiks.cbegin(); it != aiks.cend(); ++it) {
            crypto::Key key;
            if (!publicKeyFrom(it.value(), key))
                return std::nullopt;
            tee.aiks.insert(it.key().toString(), key);
        }
        for (const QCborValue &planned : work.value(QStringLiteral("steps")).toArray()) {
            PlannedStep step;
            if (!plannedStepFrom(planned, step))
                return std::nullopt;
            tee.steps << step;
        }
        tee.stopped = work.value(QStringLiteral("stopped")).toBool();
        session.tees << tee;
    }
    session.notes = stringsFrom(state.value(QStringLiteral("notes")));
    session.lastMessage = state.value(QStringLiteral("lastMessage")).toByteArray();
    session.lastAnswer = state.value(QStringLiteral("lastAnswer")).toByteArray();
    if (session.teeIndex >= session.tees.size())
        return std::nullopt;
    return session;
}

} // namespace teep::tam
