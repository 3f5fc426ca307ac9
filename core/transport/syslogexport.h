#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

// Where a line worth keeping out of a local writer's reach goes besides a file (the TAM's signed
// audit checkpoints): the system log, which a root-owned file or a forwarding daemon keeps, or a
// collector on another machine over UDP (RFC 5424 messages, RFC 5426 transport). One datagram a
// line; UDP may lose one, so checkpoints are made often and a lost one only narrows what is vouched.
namespace teep::transport {

class SyslogTarget
{
public:
    // "local" (syslog(3), facility authpriv) or "udp:HOST:PORT" (HOST an address or a name).
    static Result<SyslogTarget> parse(const QString &spec);

    // Sends `line` (one line of text, at most 4 KiB) with severity notice and the message id
    // `msgId` (e.g. "audit-checkpoint"), as application `appName`.
    Status send(const QString &appName, const QString &msgId, const QByteArray &line) const;
    QString describe() const;

private:
    // The RFC 5424 message sent over UDP.
    static QByteArray rfc5424(const QString &appName, const QString &msgId, const QByteArray &line);

    bool m_local = true;
    QHostAddress m_address;
    quint16 m_port = 0;
};

} // namespace teep::transport
