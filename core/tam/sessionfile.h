#pragma once

#include "tam/fleetqueries.h"

// A recorded session as a file a trainer can keep and open later, offline: the session's summary
// and every message as sent on the wire (base64). JSON:
// {"format": "teep-console-session", "version": 1, "session": {...}, "messages": [{"seq", "direction",
// "media_type", "at", "body"}]}. Reading is strict and bounded (at most 1,000 messages of 8 MiB,
// 64 MiB in all); a file that is not one is refused with what and where.
namespace teep::tam {

struct SessionFile
{
    SessionRecord session;
    QList<MessageRecord> messages;
    // The public keys its messages were signed with, as exported (the TAM's, the device agent's),
    // so that a console with another database can check the signatures and say with what.
    struct CarriedKey
    {
        QString role;    // "tam" or "device"
        QByteArray spki; // SubjectPublicKeyInfo, DER
    };
    QList<CarriedKey> keys;
};
inline constexpr qsizetype kMaxCarriedKeys = 8;

QByteArray writeSessionFile(const SessionFile &file);
// Refused beyond this size (a file of 1,000 messages of 8 MiB is not one we wrote).
inline constexpr qsizetype kMaxSessionFileBytes = 64 * 1024 * 1024;
Result<SessionFile> readSessionFile(const QByteArray &bytes);

} // namespace teep::tam
