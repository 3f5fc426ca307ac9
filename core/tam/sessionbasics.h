#pragma once

#include "common/error.h"
#include "common/logging.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

// What a session of either profile keeps besides its protocol state.
namespace teep::tam {

// A message to the device of a session that has no row yet.
struct HeldMessage
{
    QByteArray body;
    QString summary;
    QDateTime at;
};

// What a session of either profile keeps besides its protocol state.
struct SessionBasics
{
    qint64 id = 0; // its row in `sessions`, made when the device first answers (0 until then)
    QString peer;
    QString device; // once known: set only from a message whose signature verified
    qint64 deviceId = 0; // the same device's row: its last contact is recorded when the session closes
    int seq = 0;    // messages logged so far
    qint64 startedMs = 0; // ms since the epoch: a full table compares them for every newcomer
    QDateTime lastActivity;
    QDateTime previousActivity; // before the message being handled: a refused one does not count
    QStringList outcomes; // what happened, joined into the closing record
    bool failed = false;
    QList<HeldMessage> held; // the TAM's messages before the session had a row
    // Kept between messages in `open_sessions` (a shared database), under this key (not saved:
    // where it was found).
    bool stored = false;
    QByteArray storedKey;

    bool recorded() const { return id != 0; }
    // The device has shown, by a signature that verified, who it is.
    bool proven() const { return !device.isEmpty(); }
};

// A record of the session that could not be saved: the session fails and says which and why
// (nothing the TAM did may go unrecorded silently). Returns whether it was saved.
inline bool saved(SessionBasics &session, const Status &status, const QString &what)
{
    if (status)
        return true;
    session.failed = true;
    const QString outcome = QStringLiteral("%1 not recorded: %2").arg(what, status.error().message);
    if (!session.outcomes.contains(outcome))
        session.outcomes << outcome;
    qCWarning(lcTam) << "session" << session.id << outcome;
    return false;
}

} // namespace teep::tam
