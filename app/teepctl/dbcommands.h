#pragma once

#include <QStringList>

class QTextStream;

namespace teepctl {

struct GlobalOptions
{
    QString databasePath;
    bool json = false;
};

// `teepctl db info|migrate`: opens (creating or migrating if needed) and reports on the database.
int runDbCommand(const GlobalOptions &options, const QStringList &arguments, QTextStream &out,
                 QTextStream &err);

} // namespace teepctl
