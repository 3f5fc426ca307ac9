#include "dbcommands.h"

#include "store/database.h"
#include "store/migrations.h"

#include <QSqlQuery>
#include <QTextStream>

#include <nlohmann/json.hpp>

namespace teepctl {

namespace {

const QStringList kCountedTables = {
    QStringLiteral("tam_identities"), QStringLiteral("trust_anchors"),
    QStringLiteral("service_providers"), QStringLiteral("devices"), QStringLiteral("tees"),
    QStringLiteral("security_domains"), QStringLiteral("trusted_apps"),
    QStringLiteral("ta_versions"), QStringLiteral("installations"),
    QStringLiteral("attestation_results"), QStringLiteral("sessions"), QStringLiteral("audit_log"),
};

int printInfo(const teep::store::Database &db, bool json, QTextStream &out)
{
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
    if (json) {
        out << QString::fromStdString(info.dump(2)) << '\n';
        return 0;
    }
    out << "database:       " << db.path() << '\n'
        << "schema version: " << db.schemaVersion() << " (latest " << teep::store::latestSchemaVersion()
        << ")\n"
        << "journal mode:   " << db.journalMode() << '\n';
    for (const auto &[table, count] : info["rows"].items())
        out << QStringLiteral("%1 %2\n").arg(QString::fromStdString(table) + QLatin1Char(':'), -21)
                   .arg(count.get<long long>());
    return 0;
}

} // namespace

int runDbCommand(const GlobalOptions &options, const QStringList &arguments, QTextStream &out,
                 QTextStream &err)
{
    const QString sub = arguments.value(0);
    if (sub != QLatin1String("info") && sub != QLatin1String("migrate")) {
        err << "teepctl db: expected 'info' or 'migrate', got '" << sub << "'\n";
        return 64;
    }
    auto opened = teep::store::Database::open(options.databasePath);
    if (!opened) {
        err << "teepctl: " << opened.error().toString() << '\n';
        return 2;
    }
    if (sub == QLatin1String("migrate")) {
        if (options.json)
            out << QString::fromStdString(nlohmann::json{{"schema_version", opened.value()->schemaVersion()}}.dump())
                << '\n';
        else
            out << "database at schema version " << opened.value()->schemaVersion() << '\n';
        return 0;
    }
    return printInfo(*opened.value(), options.json, out);
}

} // namespace teepctl
