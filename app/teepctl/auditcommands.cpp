// teepctl audit verify|list|checkpoint
#include "checkpointexport.h"
#include "commands.h"

#include "store/auditcheckpoints.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/keystore.h"
#include "tam/tamidentity.h"

namespace teepctl {

int runAudit(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("verify: check the audit log's hash chain and its signed checkpoints (exit 3 if either fails); with --checkpoints FILE\n"
                       "  also the checkpoints exported there, which catch a writer who removed the log's tail with its checkpoints.\n"
                       "list: the newest entries.\n"
                       "checkpoint: sign the log's head with the audit key (made in the key store on first use; needs --passphrase\n"
                       "  unless the TAM identity is the demo one); --export FILE appends it to FILE, --syslog TARGET sends it to\n"
                       "  the system log (local) or a collector (udp:HOST:PORT): keep them where the database's writers cannot.\n"
                       "teepctl serve makes one when it starts, every hour and when it stops."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("verify, list or checkpoint"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("How many entries to list (default 50)."),
                                   QStringLiteral("n"), QStringLiteral("50"));
    const QCommandLineOption exportTo(QStringLiteral("export"), QStringLiteral("checkpoint: append it to this file (one JSON line)."), QStringLiteral("file"));
    const QCommandLineOption syslogTo(QStringLiteral("syslog"), QStringLiteral("checkpoint: send it to local (the system log) or udp:HOST:PORT."),
                                      QStringLiteral("target"));
    const QCommandLineOption exported(QStringLiteral("checkpoints"),
                                      QStringLiteral("verify: checkpoints exported earlier (--export), or syslog lines holding them (each read from its first '{')."),
                                      QStringLiteral("file"));
    parser.addOptions({limit, exportTo, syslogTo, exported});
    if (const int code = parseCommand(parser, QStringLiteral("audit"), arguments, context); code >= 0)
        return code;
    const QString action = parser.positionalArguments().value(0);
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    if (action == QLatin1String("verify")) {
        QList<teep::store::AuditCheckpoint> fromFile;
        if (parser.isSet(exported)) {
            const auto text = readInput(parser.value(exported));
            if (!text)
                return context.fail(text.error());
            int lineNumber = 0;
            for (const QByteArray &line : text.value().split('\n')) {
                ++lineNumber;
                if (line.trimmed().isEmpty())
                    continue;
                const auto checkpoint = teep::store::AuditCheckpoint::fromJsonLine(line.mid(qMax(qsizetype(0), line.indexOf('{'))));
                if (!checkpoint)
                    return context.fail(teep::Error{checkpoint.error().code, checkpoint.error().message,
                                                    QStringLiteral("%1, line %2").arg(parser.value(exported)).arg(lineNumber)});
                fromFile << checkpoint.value();
            }
        }
        const teep::store::CheckpointVerification result = teep::store::AuditCheckpoints::verify(opened.value()->connection(), fromFile);
        if (context.json)
            context.print({{"ok", result.ok}, {"entries", result.entries}, {"checkpoints", result.checkpoints},
                           {"vouched_through", result.vouchedThrough}, {"first_bad_id", result.firstBadId}, {"message", result.message.toStdString()}});
        else
            (result.ok ? context.out : context.err) << "audit log: " << result.message << '\n';
        return result.ok ? kExitOk : kExitInvalid;
    }
    if (action == QLatin1String("checkpoint")) {
        const auto sendTo = CheckpointExport::fromOptions(parser, exportTo.names().first(), syslogTo.names().first());
        if (!sendTo)
            return context.usage(sendTo.error().message);
        teep::store::KeyStore keys(opened.value()->connection());
        const auto active = teep::tam::TamIdentities(opened.value()->connection(), keys, context.clock, context.actor).active();
        const bool demo = active && active.value().demoUnprotected;
        if (!demo) {
            if (const teep::Status unlocked = context.unlock(keys); !unlocked)
                return context.fail(unlocked.error());
        }
        const auto made = teep::store::AuditCheckpoints::make(opened.value()->connection(), keys, context.clock, demo);
        if (!made)
            return context.fail(made.error());
        if (const teep::Status sent = sendTo.value().send(made.value()); !sent)
            return context.fail(sent.error());
        if (context.json)
            context.print({{"checkpoint", made.value().id}, {"at", made.value().at.toStdString()}, {"entries", made.value().entries},
                           {"head_id", made.value().headId}});
        else
            context.out << "audit checkpoint " << made.value().id << ": " << made.value().entries << " entries up to entry " << made.value().headId
                        << " signed" << (sendTo.value().describe().isEmpty() ? QString() : QStringLiteral(", ") + sendTo.value().describe()) << '\n';
        return kExitOk;
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
    return context.usage(QStringLiteral("audit: expected 'verify', 'list' or 'checkpoint', got '%1'").arg(action));
}

} // namespace teepctl
