// teepctl: TEEP Console for scripts and factory lines. Same core, same database, no GUI.
// Exit codes: 0 success, 2 the operation failed (message on stderr), 64 usage error.
#include "common/paths.h"
#include "dbcommands.h"
#include "teep/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

namespace {

const char kCommandsHelp[] =
    "Commands:\n"
    "  db info      Show the database path, schema version, journal mode and row counts.\n"
    "  db migrate   Create the database or bring it to the latest schema.\n";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console"));
    QCoreApplication::setApplicationName(QStringLiteral("teepctl"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(teep::kVersion));

    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("TEEP Console command line: manage the local TAM from scripts.\n\n%1")
            .arg(QString::fromLatin1(kCommandsHelp)));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption databaseOption(
        QStringLiteral("database"),
        QStringLiteral("SQLite database (default: %1).").arg(teep::paths::defaultDatabasePath()),
        QStringLiteral("path"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print results as JSON."));
    parser.addOption(databaseOption);
    parser.addOption(jsonOption);
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("See Commands above."),
                                 QStringLiteral("<command> [arguments]"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        err << "teepctl: no command given; see teepctl --help\n";
        return 64;
    }
    teepctl::GlobalOptions options;
    options.databasePath = parser.isSet(databaseOption) ? parser.value(databaseOption)
                                                        : teep::paths::defaultDatabasePath();
    options.json = parser.isSet(jsonOption);

    const QString command = positional.first();
    if (command == QLatin1String("db"))
        return teepctl::runDbCommand(options, positional.mid(1), out, err);

    err << "teepctl: unknown command '" << command << "'; see teepctl --help\n";
    return 64;
}
