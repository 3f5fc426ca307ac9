#pragma once

#include "store/auditcheckpoints.h"
#include "transport/syslogexport.h"

#include <optional>

class QCommandLineParser;

namespace teepctl {

// Where `audit checkpoint` and `serve` send each checkpoint they make, besides the database: a
// file it is appended to (one JSON line) and a syslog target. Both belong out of reach of
// whoever can write the database; `audit verify --checkpoints` reads either back.
struct CheckpointExport
{
    QString file;
    std::optional<teep::transport::SyslogTarget> syslog;

    // From --export FILE and --syslog TARGET (named `fileOption` and `syslogOption`).
    static teep::Result<CheckpointExport> fromOptions(const QCommandLineParser &parser, const QString &fileOption, const QString &syslogOption);
    teep::Status send(const teep::store::AuditCheckpoint &checkpoint) const;
    // "appended to F and sent to the system log", or empty when nowhere.
    QString describe() const;
};

} // namespace teepctl
