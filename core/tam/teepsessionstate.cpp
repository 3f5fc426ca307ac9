#include "tam/sessionstate.h"
#include "tam/teepengine.h"

// A TEEP session's state between messages, for whichever server takes the device's next one.
namespace teep::tam {

using namespace sessionstate;

namespace {
QCborArray manifests(const QList<std::pair<DesiredTa, QByteArray>> &list)
{
    QCborArray array;
    for (const auto &[ta, form] : list)
        array << QCborArray{desiredTa(ta), form};
    return array;
}

QList<std::pair<DesiredTa, QByteArray>> manifestsFrom(const QCborValue &value)
{
    QList<std::pair<DesiredTa, QByteArray>> list;
    for (const QCborValue &item : value.toArray())
        list << std::pair{desiredTaFrom(item.toArray().at(0)), item.toArray().at(1).toByteArray()};
    return list;
}
} // namespace

QCborMap TeepEngine::Session::toState() const
{
    QCborMap state = basics(*this);
    state.insert(QStringLiteral("token"), token);
    state.insert(QStringLiteral("challenge"), challenge);
    state.insert(QStringLiteral("awaitingQueryResponse"), awaitingQueryResponse);
    state.insert(QStringLiteral("attestationAsked"), attestationAsked);
    state.insert(QStringLiteral("refusedAnswers"), refusedAnswers);
    state.insert(QStringLiteral("queries"), queries);
    state.insert(QStringLiteral("algorithms"), integers(algorithms));
    state.insert(QStringLiteral("teeId"), teeId);
    state.insert(QStringLiteral("agentKey"), publicKey(agentKey));
    state.insert(QStringLiteral("agentAlgorithm"), agentAlgorithm);
    state.insert(QStringLiteral("compatibility"), compatibility);
    state.insert(QStringLiteral("compatibilityNotes"), strings(compatibilityNotes));
    state.insert(QStringLiteral("admitted"), admitted);
    state.insert(QStringLiteral("sent"), manifests(sent));
    state.insert(QStringLiteral("deferred"), manifests(deferred));
    state.insert(QStringLiteral("updateLimit"), qint64(updateLimit));
    state.insert(QStringLiteral("removing"), strings(removing));
    state.insert(QStringLiteral("isolating"), isolating);
    state.insert(QStringLiteral("deferredRemovals"), strings(deferredRemovals));
    state.insert(QStringLiteral("unneeded"), strings(QStringList(unneeded.cbegin(), unneeded.cend())));
    state.insert(QStringLiteral("notes"), strings(notes));
    return state;
}

std::optional<TeepEngine::Session> TeepEngine::Session::fromState(const QCborMap &state)
{
    Session session;
    if (!restoreBasics(state, session) || !state.value(QStringLiteral("token")).isByteArray() ||
        !publicKeyFrom(state.value(QStringLiteral("agentKey")), session.agentKey))
        return std::nullopt;
    session.token = state.value(QStringLiteral("token")).toByteArray();
    session.challenge = state.value(QStringLiteral("challenge")).toByteArray();
    session.awaitingQueryResponse = state.value(QStringLiteral("awaitingQueryResponse")).toBool();
    session.attestationAsked = state.value(QStringLiteral("attestationAsked")).toBool();
    session.refusedAnswers = int(state.value(QStringLiteral("refusedAnswers")).toInteger());
    session.queries = int(state.value(QStringLiteral("queries")).toInteger());
    session.algorithms = integersFrom(state.value(QStringLiteral("algorithms")));
    session.teeId = state.value(QStringLiteral("teeId")).toInteger();
    session.agentAlgorithm = state.value(QStringLiteral("agentAlgorithm")).toInteger();
    session.compatibility = state.value(QStringLiteral("compatibility")).toBool();
    session.compatibilityNotes = stringsFrom(state.value(QStringLiteral("compatibilityNotes")));
    session.admitted = state.value(QStringLiteral("admitted")).toBool();
    session.sent = manifestsFrom(state.value(QStringLiteral("sent")));
    session.deferred = manifestsFrom(state.value(QStringLiteral("deferred")));
    session.updateLimit = state.value(QStringLiteral("updateLimit")).toInteger();
    session.removing = stringsFrom(state.value(QStringLiteral("removing")));
    session.isolating = state.value(QStringLiteral("isolating")).toBool();
    session.deferredRemovals = stringsFrom(state.value(QStringLiteral("deferredRemovals")));
    const QStringList unneeded = stringsFrom(state.value(QStringLiteral("unneeded")));
    session.unneeded = QSet<QString>(unneeded.cbegin(), unneeded.cend());
    session.notes = stringsFrom(state.value(QStringLiteral("notes")));
    return session;
}

} // namespace teep::tam
