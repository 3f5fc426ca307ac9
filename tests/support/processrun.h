#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>
#include <QVariant>

namespace teep::test {

struct ToolRun
{
    int exitCode = -1; // -1 when the program crashed, hung or did not start
    QByteArray out;
    QByteArray err;
};

// Runs a program to completion (60 s at most) with `input` on its stdin. GUI programs get the
// offscreen platform.
ToolRun runProgram(const QString &program, const QStringList &arguments, const QByteArray &input = {},
                   QProcessEnvironment environment = QProcessEnvironment::systemEnvironment());

// Runs `TEEPCTL --database DATABASE serve ARGUMENTS` until its first line (or its end), stops it
// and returns that line followed by what it wrote on stderr.
QByteArray serveFirstLine(const QString &teepctl, const QString &database, const QStringList &arguments);
// The first column of the first row `sql` gives on the SQLite file `database` (invalid if none).
QVariant sqliteScalar(const QString &database, const QString &sql);

} // namespace teep::test
