#include "checkpointexport.h"

#include <QCommandLineParser>
#include <QFile>

namespace teepctl {

teep::Result<CheckpointExport> CheckpointExport::fromOptions(const QCommandLineParser &parser, const QString &fileOption, const QString &syslogOption)
{
    CheckpointExport to;
    to.file = parser.value(fileOption);
    if (parser.isSet(syslogOption)) {
        auto target = teep::transport::SyslogTarget::parse(parser.value(syslogOption));
        if (!target)
            return target.error();
        to.syslog = target.value();
    }
    return to;
}

teep::Status CheckpointExport::send(const teep::store::AuditCheckpoint &checkpoint) const
{
    const QByteArray line = checkpoint.toJsonLine();
    if (!file.isEmpty()) {
        QFile out(file);
        if (!out.open(QIODevice::Append) || out.write(line) < 0 || !out.flush())
            return teep::Error{QStringLiteral("cli.export"), QStringLiteral("cannot append to %1: %2").arg(out.fileName(), out.errorString())};
    }
    if (syslog)
        return syslog->send(QStringLiteral("teep-tam"), QStringLiteral("audit-checkpoint"), line.trimmed());
    return {};
}

QString CheckpointExport::describe() const
{
    QStringList where;
    if (!file.isEmpty())
        where << QStringLiteral("appended to %1").arg(file);
    if (syslog)
        where << QStringLiteral("sent to %1").arg(syslog->describe());
    return where.join(QStringLiteral(" and "));
}

} // namespace teepctl
