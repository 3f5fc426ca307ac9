#include "transport/syslogexport.h"

#include <QDateTime>
#include <QHostInfo>
#include <QUdpSocket>

#include <syslog.h>
#include <unistd.h>

namespace teep::transport {

namespace {
constexpr int kMaxLine = 4096;
constexpr int kAuthPriv = 10; // RFC 5424 facility 10: security/authorization messages
constexpr int kNotice = 5;

Error badTarget(const QString &spec, const QString &why)
{
    return Error{QStringLiteral("syslog.target"), QStringLiteral("'%1' is not a syslog target: %2 (expected local or udp:HOST:PORT)").arg(spec, why)};
}

// RFC 5424 header fields: printable US-ASCII without spaces, at most `max` characters, "-" if empty.
QByteArray field(const QString &value, int max)
{
    QByteArray out;
    for (const QChar c : value) {
        if (c.unicode() > 32 && c.unicode() < 127)
            out += char(c.unicode());
    }
    out.truncate(max);
    return out.isEmpty() ? QByteArrayLiteral("-") : out;
}
} // namespace

Result<SyslogTarget> SyslogTarget::parse(const QString &spec)
{
    SyslogTarget target;
    if (spec == QLatin1String("local"))
        return target;
    if (!spec.startsWith(QLatin1String("udp:")))
        return badTarget(spec, QStringLiteral("unknown kind"));
    const QString rest = spec.mid(4);
    const qsizetype colon = rest.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const uint port = colon > 0 ? rest.mid(colon + 1).toUInt(&ok) : 0;
    if (!ok || port == 0 || port > 65535)
        return badTarget(spec, QStringLiteral("no port from 1 to 65535"));
    QString host = rest.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    QHostAddress address(host);
    if (address.isNull()) {
        const QHostInfo info = QHostInfo::fromName(host);
        if (info.addresses().isEmpty())
            return badTarget(spec, QStringLiteral("the host %1 is not found: %2").arg(host, info.errorString()));
        address = info.addresses().first();
    }
    target.m_local = false;
    target.m_address = address;
    target.m_port = quint16(port);
    return target;
}

QByteArray SyslogTarget::rfc5424(const QString &appName, const QString &msgId, const QByteArray &line)
{
    // <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
    QByteArray message = '<' + QByteArray::number(kAuthPriv * 8 + kNotice) + ">1 ";
    message += QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1() + ' ';
    message += field(QHostInfo::localHostName(), 255) + ' ' + field(appName, 48) + ' ' + QByteArray::number(qint64(getpid())) + ' ' +
               field(msgId, 32) + " - ";
    return message + line;
}

Status SyslogTarget::send(const QString &appName, const QString &msgId, const QByteArray &line) const
{
    if (line.size() > kMaxLine || line.contains('\n') || line.contains('\0'))
        return Error{QStringLiteral("syslog.line"), QStringLiteral("a syslog line is one line of at most %1 bytes").arg(kMaxLine)};
    if (m_local) {
        // The application name is openlog's ident; it must outlive the call, hence the static copy.
        static QByteArray ident;
        ident = field(appName, 48);
        openlog(ident.constData(), LOG_PID, LOG_AUTHPRIV);
        syslog(LOG_NOTICE, "%s %s", field(msgId, 32).constData(), line.constData());
        closelog();
        return {};
    }
    QUdpSocket socket;
    const QByteArray message = rfc5424(appName, msgId, line);
    if (socket.writeDatagram(message, m_address, m_port) != message.size())
        return Error{QStringLiteral("syslog.send"), QStringLiteral("not sent to %1: %2").arg(describe(), socket.errorString())};
    return {};
}

QString SyslogTarget::describe() const
{
    return m_local ? QStringLiteral("the system log") : QStringLiteral("syslog at %1 port %2").arg(m_address.toString()).arg(m_port);
}

} // namespace teep::transport
