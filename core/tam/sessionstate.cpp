#include "tam/sessionstate.h"

#include "cbor/strictcbor.h"

namespace teep::tam::sessionstate {

namespace {
// A session holds at most a few Updates' manifests (each message is at most 8 MiB).
constexpr qsizetype kMaxStateBytes = 64 * 1024 * 1024;
} // namespace

QByteArray encode(const QCborMap &state)
{
    return QCborValue(state).toCbor();
}

Result<QCborMap> decode(const QByteArray &bytes)
{
    cbor::Limits limits;
    limits.maxBytes = kMaxStateBytes;
    limits.maxItems = 1000000;
    const Result<QCborValue> value = cbor::decodeStrict(bytes, limits);
    if (!value)
        return Error{QStringLiteral("tam.session-state"), QStringLiteral("the session's saved state is not CBOR: %1").arg(value.error().toString())};
    if (!value.value().isMap())
        return Error{QStringLiteral("tam.session-state"), QStringLiteral("the session's saved state is not a map")};
    return value.value().toMap();
}

QCborArray strings(const QStringList &list)
{
    QCborArray array;
    for (const QString &item : list)
        array << item;
    return array;
}

QStringList stringsFrom(const QCborValue &value)
{
    QStringList list;
    for (const QCborValue &item : value.toArray())
        list << item.toString();
    return list;
}

QCborArray integers(const QList<qint64> &list)
{
    QCborArray array;
    for (qint64 item : list)
        array << item;
    return array;
}

QList<qint64> integersFrom(const QCborValue &value)
{
    QList<qint64> list;
    for (const QCborValue &item : value.toArray())
        list << item.toInteger();
    return list;
}

QCborMap basics(const SessionBasics &session)
{
    QCborArray held;
    for (const HeldMessage &message : session.held)
        held << QCborMap{{QStringLiteral("body"), message.body}, {QStringLiteral("summary"), message.summary}, {QStringLiteral("at"), message.at.toMSecsSinceEpoch()}};
    return QCborMap{{QStringLiteral("id"), session.id},
                    {QStringLiteral("peer"), session.peer},
                    {QStringLiteral("device"), session.device},
                    {QStringLiteral("deviceId"), session.deviceId},
                    {QStringLiteral("seq"), session.seq},
                    {QStringLiteral("startedMs"), session.startedMs},
                    {QStringLiteral("lastActivity"), session.lastActivity.toMSecsSinceEpoch()},
                    {QStringLiteral("outcomes"), strings(session.outcomes)},
                    {QStringLiteral("failed"), session.failed},
                    {QStringLiteral("held"), held}};
}

bool restoreBasics(const QCborMap &state, SessionBasics &session)
{
    const QCborValue started = state.value(QStringLiteral("startedMs"));
    const QCborValue active = state.value(QStringLiteral("lastActivity"));
    if (!started.isInteger() || !active.isInteger() || !state.value(QStringLiteral("id")).isInteger())
        return false;
    session.id = state.value(QStringLiteral("id")).toInteger();
    session.peer = state.value(QStringLiteral("peer")).toString();
    session.device = state.value(QStringLiteral("device")).toString();
    session.deviceId = state.value(QStringLiteral("deviceId")).toInteger();
    session.seq = int(state.value(QStringLiteral("seq")).toInteger());
    session.startedMs = started.toInteger();
    session.lastActivity = QDateTime::fromMSecsSinceEpoch(active.toInteger(), Qt::UTC);
    session.previousActivity = session.lastActivity;
    session.outcomes = stringsFrom(state.value(QStringLiteral("outcomes")));
    session.failed = state.value(QStringLiteral("failed")).toBool();
    session.held.clear();
    for (const QCborValue &item : state.value(QStringLiteral("held")).toArray()) {
        const QCborMap message = item.toMap();
        session.held << HeldMessage{message.value(QStringLiteral("body")).toByteArray(), message.value(QStringLiteral("summary")).toString(),
                                    QDateTime::fromMSecsSinceEpoch(message.value(QStringLiteral("at")).toInteger(), Qt::UTC)};
    }
    return true;
}

QCborValue publicKey(const crypto::Key &key)
{
    return key.isNull() ? QCborValue(nullptr) : QCborValue(key.publicKeyDer());
}

bool publicKeyFrom(const QCborValue &value, crypto::Key &key)
{
    if (value.isNull()) {
        key = {};
        return true;
    }
    Result<crypto::Key> parsed = crypto::Key::fromPublicKey(value.toByteArray());
    if (!parsed)
        return false;
    key = std::move(parsed.value());
    return true;
}

QCborMap desiredTa(const DesiredTa &ta)
{
    return QCborMap{{QStringLiteral("versionId"), ta.versionId},
                    {QStringLiteral("taid"), ta.taid},
                    {QStringLiteral("spid"), ta.spid},
                    {QStringLiteral("sequence"), ta.sequence},
                    {QStringLiteral("signedTa"), ta.signedTa},
                    {QStringLiteral("allowRollback"), ta.allowRollback},
                    {QStringLiteral("manifest"), ta.manifest},
                    {QStringLiteral("manifestByUri"), ta.manifestByUri},
                    {QStringLiteral("requested"), ta.requested},
                    {QStringLiteral("haveBinary"), ta.haveBinary}};
}

DesiredTa desiredTaFrom(const QCborValue &value)
{
    const QCborMap map = value.toMap();
    DesiredTa ta;
    ta.versionId = map.value(QStringLiteral("versionId")).toInteger();
    ta.taid = map.value(QStringLiteral("taid")).toString();
    ta.spid = map.value(QStringLiteral("spid")).toString();
    ta.sequence = map.value(QStringLiteral("sequence")).toInteger();
    ta.signedTa = map.value(QStringLiteral("signedTa")).toByteArray();
    ta.allowRollback = map.value(QStringLiteral("allowRollback")).toBool();
    ta.manifest = map.value(QStringLiteral("manifest")).toByteArray();
    ta.manifestByUri = map.value(QStringLiteral("manifestByUri")).toByteArray();
    ta.requested = map.value(QStringLiteral("requested")).toBool();
    ta.haveBinary = map.value(QStringLiteral("haveBinary")).toBool();
    return ta;
}

QCborMap plannedStep(const PlannedStep &step)
{
    QCborMap map{{QStringLiteral("kind"), int(step.kind)},
                 {QStringLiteral("sdName"), step.sdName},
                 {QStringLiteral("spid"), step.spid},
                 {QStringLiteral("taid"), step.taid},
                 {QStringLiteral("reason"), step.reason}};
    if (step.ta)
        map.insert(QStringLiteral("ta"), desiredTa(*step.ta));
    return map;
}

bool plannedStepFrom(const QCborValue &value, PlannedStep &step)
{
    const QCborMap map = value.toMap();
    const qint64 kind = map.value(QStringLiteral("kind")).toInteger(-1);
    if (kind < int(StepKind::CreateSd) || kind > int(StepKind::DeleteSd))
        return false;
    step.kind = StepKind(kind);
    step.sdName = map.value(QStringLiteral("sdName")).toString();
    step.spid = map.value(QStringLiteral("spid")).toString();
    step.taid = map.value(QStringLiteral("taid")).toString();
    step.reason = map.value(QStringLiteral("reason")).toString();
    step.ta = map.contains(QStringLiteral("ta")) ? std::optional<DesiredTa>(desiredTaFrom(map.value(QStringLiteral("ta")))) : std::nullopt;
    return true;
}

} // namespace teep::tam::sessionstate
