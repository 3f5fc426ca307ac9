#pragma once

#include <QString>
#include <QStringList>

// CSV as spreadsheets read it (RFC 4180: comma-separated, CRLF, quotes doubled inside quoted
// fields). A field that a spreadsheet would take for a formula (=, +, - or @ first) is prefixed
// with an apostrophe: names in reports come from devices, and a device must not be able to put a
// formula into an operator's spreadsheet.
namespace teep::csv {

QString field(const QString &value);
// One record, CRLF-terminated.
QString line(const QStringList &fields);

} // namespace teep::csv
