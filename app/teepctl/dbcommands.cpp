// teepctl db info|migrate
#include "commands.h"

#include "store/database.h"
#include "store/migrations.h"

#include <QSqlQuery>

namespace teepctl {

namespace {
const QStringList kCountedTables = {
    QStringLiteral("tam_identities"), QStringLiteral("private_keys"), QStringLiteral("trust_anchors"),
    QStringLiteral("service_providers"), QStringLiteral("devices"), QStringLiteral("tees"),
    QStringLiteral("security_domains"), QStringLiteral("trusted_apps"), QStringLiteral("ta_versions"),
    QStringLiteral("installations"), QStringLiteral("attestation_results"), QStringLiteral("sessions"),
    QStringLiteral("audit_log"),
};
} // namespace

int runDb(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("info: path, schema version, journal mode and row counts.\n"
                                                    "migrate: create the database or bring it to the latest schema."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("info or migrate"));
    if (const int code = parseCommand(parser, QStringLiteral("db"), arguments, context); code >= 0)
        return code;
    const QString action = parser.positionalArguments().value(0);
    if (action != QLatin1String("info") && action != QLatin1String("migrate"))
        return context.usage(QStringLiteral("db: expected 'info' or 'migrate', got '%1'").arg(action));
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    const teep::store::Database &db = *opened.value();
    if (action == QLatin1String("migrate")) {
        if (context.json)
            context.print({{"schema_version", db.schemaVersion()}});
        else
            context.out << "database at schema version " << db.schemaVersion() << '\n';
        return kExitOk;
    }
    nlohmann::ordered_json info;
    info["path"] = db.path().toStdString();
    info["schema_version"] = db.schemaVersion();
    info["latest_schema_version"] = teep::store::latestSchemaVersion();
    info["journal_mode"] = db.journalMode().toStdString();
    QSqlQuery query(db.connection());
    for (const QString &table : kCountedTables) {
        // Table names come from the fixed list above, never from input.
        if (query.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) && query.next())
            info["rows"][table.toStdString()] = query.value(0).toLongLong();
    }
    if (context.json) {
        context.print(info);
        return kExitOk;
    }
    context.out << "database:       " << db.path() << '\n'
                << "schema version: " << db.schemaVersion() << " (latest " << teep::store::latestSchemaVersion() << ")\n"
                << "journal mode:   " << db.journalMode() << '\n';
    for (const auto &[table, count] : info["rows"].items())
        context.out << QStringLiteral("%1 %2\n").arg(QString::fromStdString(table) + QLatin1Char(':'), -21).arg(count.get<long long>());
    return kExitOk;
}

} // namespace teepctl
