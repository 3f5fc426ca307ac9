// teepctl db info|migrate|copy
#include "commands.h"

#include "store/database.h"
#include "store/databasecopy.h"
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

namespace {
int copyDatabase(Context &context, const QString &from, const QString &to)
{
    if (from.isEmpty() || to.isEmpty())
        return context.usage(QStringLiteral("db copy: name both --from and --to"));
    auto source = teep::store::Database::open(from);
    if (!source)
        return context.fail(source.error());
    auto target = teep::store::Database::open(to);
    if (!target)
        return context.fail(target.error());
    const auto copied = teep::store::copyDatabase(*source.value(), *target.value(), context.clock, context.actor);
    if (!copied)
        return context.fail(teep::Error{copied.error().code, copied.error().message, to});
    if (context.json) {
        nlohmann::ordered_json report{{"from", source.value()->path().toStdString()}, {"to", target.value()->path().toStdString()},
                                      {"rows", copied.value().rows}, {"audit_entries", copied.value().auditEntries}};
        for (const teep::store::CopiedTable &table : copied.value().tables)
            report["tables"][table.name.toStdString()] = table.rows;
        context.print(report);
        return kExitOk;
    }
    for (const teep::store::CopiedTable &table : copied.value().tables)
        context.out << QStringLiteral("%1 %2\n").arg(table.name + QLatin1Char(':'), -21).arg(table.rows);
    context.out << "copied " << copied.value().rows << " rows into " << target.value()->path() << "; counts match and the audit chain ("
                << copied.value().auditEntries << " entries) verifies there\n";
    return kExitOk;
}
} // namespace

int runDb(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("info: path, schema version, journal mode and row counts.\n"
                                                    "migrate: create the database or bring it to the latest schema.\n"
                                                    "copy --from SOURCE --to TARGET: every row of one database into a new, empty one (an SQLite\n"
                                                    "  file into PostgreSQL, or back), ids kept, all or nothing; checked by row counts and the audit\n"
                                                    "  chain before it commits. Stop the TAM servers of the source first."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("info, migrate or copy"));
    parser.addOption({QStringLiteral("from"), QStringLiteral("copy: the database to copy (file or postgresql:// URI)."), QStringLiteral("source")});
    parser.addOption({QStringLiteral("to"), QStringLiteral("copy: the new database to fill (file or postgresql:// URI)."), QStringLiteral("target")});
    if (const int code = parseCommand(parser, QStringLiteral("db"), arguments, context); code >= 0)
        return code;
    const QString action = parser.positionalArguments().value(0);
    if (action == QLatin1String("copy"))
        return copyDatabase(context, parser.value(QStringLiteral("from")), parser.value(QStringLiteral("to")));
    if (action != QLatin1String("info") && action != QLatin1String("migrate"))
        return context.usage(QStringLiteral("db: expected 'info', 'migrate' or 'copy', got '%1'").arg(action));
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
