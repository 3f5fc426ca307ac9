#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

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

} // namespace teep::test
