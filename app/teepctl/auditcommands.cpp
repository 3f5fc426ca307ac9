// teepctl audit verify|list
#include "commands.h"

#include "store/auditlog.h"
#include "store/database.h"

namespace teepctl {

int runAudit(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("verify: check the audit log's hash chain (exit 3 if broken).\n"
                                                    "list: the newest entries."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("verify or list"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("How many entries to list (default 50)."),
                                   QStringLiteral("n"), QStringLiteral("50"));
    parser.addOption(limit);
    if (const int code = parseCommand(parser, QStringLiteral("audit"), arguments, context); code >= 0)
        return code;
    const QString action = parser.positionalArguments().value(0);
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    if (action == QLatin1String("verify")) {
        const teep::store::AuditVerification result = teep::store::AuditLog::verify(opened.value()->connection());
        if (context.json)
            context.print({{"ok", result.ok}, {"entries", result.entries}, {"first_bad_id", result.firstBadId},
                           {"message", result.message.toStdString()}});
        else
            (result.ok ? context.out : context.err) << "audit log: " << result.message << '\n';
        return result.ok ? kExitOk : kExitInvalid;
    }
    if (action == QLatin1String("list")) {
        bool ok = false;
        const int count = parser.value(limit).toInt(&ok);
        if (!ok || count < 1 || count > 100000)
            return context.usage(QStringLiteral("audit list: --limit takes a number from 1 to 100000"));
        const auto entries = teep::store::AuditLog::entries(opened.value()->connection(), count);
        if (!entries)
            return context.fail(entries.error());
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const teep::store::AuditEntry &entry : entries.value()) {
            if (!context.json) {
                context.out << entry.at << "  " << entry.actor << "  " << entry.action << "  " << entry.objectType << ' '
                            << entry.objectId << "  " << entry.detailJson << '\n';
                continue;
            }
            list.push_back({{"id", entry.id}, {"at", entry.at.toStdString()}, {"actor", entry.actor.toStdString()},
                            {"action", entry.action.toStdString()}, {"object_type", entry.objectType.toStdString()},
                            {"object_id", entry.objectId.toStdString()},
                            {"detail", nlohmann::ordered_json::parse(entry.detailJson.toStdString(), nullptr, false)}});
        }
        if (context.json)
            context.print(list);
        return kExitOk;
    }
    return context.usage(QStringLiteral("audit: expected 'verify' or 'list', got '%1'").arg(action));
}

} // namespace teepctl
