#pragma once

#include "common/error.h"
#include "tam/deviceregistry.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>

// A factory's list of TEEP devices to register before they connect: one line each,
//   name,agent-key-file[,group[,profile]]
// key files (PEM or DER public keys) relative to the CSV's folder; blank lines, lines starting
// with '#' and a first line starting with "name" (a header) are skipped. Every line is checked and
// gets its own error, so that an operator sees all that is wrong before anything is registered
// (DeviceRegistry::registerAgents then registers all of them or none).
namespace teep::tam {

struct DeviceCsvRow
{
    int line = 0;    // 1-based, as an editor shows it
    AgentRegistration device;
    QString keyFile; // as written in the CSV
    QString keyType; // "P-256", "Ed25519"... when the key was read
    QString error;   // empty when the line is good
};

struct DeviceCsv
{
    QList<DeviceCsvRow> rows;
    qsizetype errorCount() const;
    QList<AgentRegistration> devices() const; // the good rows
    // Up to `limit` lines of "line N: why", for a command line.
    QString errorSummary(qsizetype limit = 10) const;
};

inline constexpr qsizetype kMaxDeviceCsvBytes = 16 * 1024 * 1024;
inline constexpr qsizetype kMaxDeviceCsvRows = 100000;

// Refused as a whole (tam.csv) when larger than its limits or listing no device; otherwise every
// row, each with its error if it has one. `folder` is where the key files are; a name in
// `registered` (the devices the TAM knows) is an error too.
// One device typed into a form: the checks a list's line gets (`keyFile` as given; `line` 0).
DeviceCsvRow checkDevice(const QString &name, const QString &keyFile, const QString &group, const QString &profile,
                         const QSet<QString> &registered = {});

Result<DeviceCsv> readDeviceCsv(const QByteArray &csv, const QString &folder, const QSet<QString> &registered = {});

} // namespace teep::tam
