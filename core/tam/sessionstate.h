#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "tam/otrpplanner.h"
#include "tam/sessionbasics.h"

#include <QCborArray>
#include <QCborMap>

// The state of an open session as a CBOR map, kept in `open_sessions` between messages when
// several TAM servers share a database, so that whichever server a device's next message reaches
// continues the session. The engines' Session types write their own fields beside the basics
// (TeepEngine::Session::toState and fromState); these are the pieces they share. The state is the
// TAM's own record, yet read like any input: strictly, within limits, every field checked.
namespace teep::tam::sessionstate {

QByteArray encode(const QCborMap &state);
Result<QCborMap> decode(const QByteArray &bytes);

QCborMap basics(const SessionBasics &session);
// `session` takes what `state` holds; false when it is not a session's state.
bool restoreBasics(const QCborMap &state, SessionBasics &session);

QCborArray strings(const QStringList &list);
QStringList stringsFrom(const QCborValue &value);
QCborArray integers(const QList<qint64> &list);
QList<qint64> integersFrom(const QCborValue &value);
// A public key as its SubjectPublicKeyInfo (null when there is none).
QCborValue publicKey(const crypto::Key &key);
bool publicKeyFrom(const QCborValue &value, crypto::Key &key);
QCborMap desiredTa(const DesiredTa &ta);
DesiredTa desiredTaFrom(const QCborValue &value);
QCborMap plannedStep(const PlannedStep &step);
bool plannedStepFrom(const QCborValue &value, PlannedStep &step);

} // namespace teep::tam::sessionstate
