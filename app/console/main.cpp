// teep-console: the desktop console. Parses the command line, opens the database, shows the
// main window.
#include "common/processsecurity.h"
#include "common/paths.h"
#include "mainwindow.h"
#include "store/database.h"
#include "teep/version.h"

#include "theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include <cstdio>

int main(int argc, char *argv[])
{
    teep::security::protectProcess(); // before any file or secret exists
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("teep-console"));
    QApplication::setApplicationName(QStringLiteral("teep-console"));
    QApplication::setApplicationDisplayName(QString::fromLatin1(teep::kProductName));
    QApplication::setApplicationVersion(QString::fromLatin1(teep::kVersion));
    QApplication::setDesktopFileName(QStringLiteral("org.teepconsole.TeepConsole"));
    teep::ui::applyTheme(teep::ui::savedTheme()); // View > Theme: system, light or dark

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("TEEP Console: a local Trusted Application Manager for the TEEs of your "
                       "devices (TEEP and OTrP)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption databaseOption(
        QStringLiteral("database"),
        QStringLiteral("Database to open or create: a file (SQLite; default: %1) or a PostgreSQL URI, postgresql://user@host:port/dbname (password from ~/.pgpass or PGPASSWORD).")
            .arg(teep::paths::defaultDatabasePath()),
        QStringLiteral("path or URI"));
    parser.addOption(databaseOption);
    parser.process(app);

    const QString path = parser.isSet(databaseOption) ? parser.value(databaseOption)
                                                      : teep::paths::defaultDatabasePath();
    auto database = teep::store::Database::open(path);
    if (!database) {
        const QString message = database.error().toString();
        std::fprintf(stderr, "teep-console: %s\n", qPrintable(message));
        QMessageBox::critical(nullptr, QStringLiteral("Cannot Open Database"),
                              QStringLiteral("%1\n\nStart TEEP Console with --database PATH to use "
                                             "another file.")
                                  .arg(message));
        return 2;
    }

    teep::ui::MainWindow window(std::move(database).value());
    window.show();
    return app.exec();
}
