// teepctl requests: device-initiated TA requests (RequestTA) and the policy that decides them.
#include "commands.h"

#include "store/database.h"
#include "tam/tarequests.h"

namespace teepctl {

namespace {
nlohmann::ordered_json requestJson(const teep::tam::TaRequest &request)
{
    nlohmann::ordered_json json{{"id", request.id},
                                {"device", request.device.toStdString()},
                                {"taid", request.taid.toStdString()},
                                {"spid", request.spid.toStdString()},
                                {"signer", request.spName.toStdString()},
                                {"version", request.latestVersion},
                                {"have_binary", request.haveBinary},
                                {"status", request.status.toStdString()},
                                {"reason", request.reason.toStdString()},
                                {"requested_at", request.requestedAt.toStdString()},
                                {"decided_at", request.decidedAt.toStdString()},
                                {"decided_by", request.decidedBy.toStdString()}};
    if (request.requestedVersion)
        json["requested_version"] = *request.requestedVersion;
    return json;
}

int listRequests(Context &context, teep::tam::TaRequests &requests, const QString &status)
{
    const auto found = requests.list(status);
    if (!found)
        return context.fail(found.error());
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (const teep::tam::TaRequest &request : found.value()) {
        json.push_back(requestJson(request));
        if (!context.json)
            context.out << request.id << "  " << request.status << "  " << request.device << " asks for " << request.taid << " v" << request.latestVersion
                        << " (signed by " << request.spName << ")" << (request.haveBinary ? " [binary bundled]" : "") << "  " << request.requestedAt
                        << (request.reason.isEmpty() ? QString() : QStringLiteral("  ") + request.reason) << '\n';
    }
    if (context.json)
        context.print(json);
    else if (found.value().isEmpty())
        context.out << (status.isEmpty() ? "no requests yet: devices ask for TAs when a client app needs one\n" : "no requests with this status\n");
    return kExitOk;
}

int policy(Context &context, teep::tam::TaRequests &requests, const QStringList &words, const QString &spid, const QString &group)
{
    const QString action = words.value(1);
    if (action == QLatin1String("set") && words.size() == 3) {
        const auto decision = teep::tam::decisionFromName(words[2]);
        if (!decision)
            return context.usage(QStringLiteral("a policy decides approve, refuse or hold"));
        if (const teep::Status set = requests.setPolicy({spid, group, *decision}); !set)
            return context.fail(set.error());
        return kExitOk;
    }
    if (action == QLatin1String("remove") && words.size() == 2) {
        if (const teep::Status removed = requests.removePolicy(spid, group); !removed)
            return context.fail(removed.error());
        return kExitOk;
    }
    if (action == QLatin1String("list") && words.size() == 2) {
        const auto all = requests.policies();
        if (!all)
            return context.fail(all.error());
        nlohmann::ordered_json json = nlohmann::ordered_json::array();
        for (const teep::tam::RequestPolicy &p : all.value()) {
            const QString sp = p.spid.isEmpty() ? QStringLiteral("*") : p.spid;
            const QString g = p.group.isEmpty() ? QStringLiteral("*") : p.group;
            json.push_back({{"sp", sp.toStdString()}, {"group", g.toStdString()}, {"decision", teep::tam::decisionName(p.decision).toStdString()}});
            if (!context.json)
                context.out << "sp " << sp << "  group " << g << "  " << teep::tam::decisionName(p.decision) << '\n';
        }
        if (context.json)
            context.print(json);
        else if (all.value().isEmpty())
            context.out << "no policy: every request is held for approval (teepctl requests policy set approve|refuse|hold)\n";
        return kExitOk;
    }
    return context.usage(QStringLiteral("usage: teepctl requests policy set approve|refuse|hold [--sp SPID] [--group G] | list | remove [--sp] [--group]"));
}
} // namespace

int runRequests(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "list [--status pending|approved|refused|withdrawn]\n"
        "                    TAs that devices asked for (a client app needs them), newest first\n"
        "approve ID [--reason TEXT] | refuse ID [--reason TEXT]\n"
        "                    decide a request; it takes effect at the device's next session\n"
        "policy set approve|refuse|hold [--sp SPID] [--group GROUP]\n"
        "                    how new requests are decided; the most specific policy wins (SP and group,\n"
        "                    SP, group, everything); without one, requests are held for approval\n"
        "policy list | policy remove [--sp SPID] [--group GROUP]"));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list|approve|refuse|policy"));
    const QCommandLineOption status(QStringLiteral("status"), QStringLiteral("Only requests with this status."), QStringLiteral("status"));
    const QCommandLineOption reason(QStringLiteral("reason"), QStringLiteral("Why (kept in the request and the audit log)."), QStringLiteral("text"));
    const QCommandLineOption sp(QStringLiteral("sp"), QStringLiteral("The policy's service provider (default: all)."), QStringLiteral("spid"));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("The policy's device group (default: all)."), QStringLiteral("group"));
    parser.addOptions({status, reason, sp, group});
    if (const int code = parseCommand(parser, QStringLiteral("requests"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    if (parser.isSet(status) && !QStringList{QStringLiteral("pending"), QStringLiteral("approved"), QStringLiteral("refused"), QStringLiteral("withdrawn")}
                                     .contains(parser.value(status)))
        return context.usage(QStringLiteral("--status is pending, approved, refused or withdrawn"));
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::TaRequests requests(opened.value()->connection(), context.clock, context.actor);
    if (action == QLatin1String("list") && words.size() == 1)
        return listRequests(context, requests, parser.value(status));
    if ((action == QLatin1String("approve") || action == QLatin1String("refuse")) && words.size() == 2) {
        bool numeric = false;
        const qint64 id = words[1].toLongLong(&numeric);
        if (!numeric)
            return context.usage(QStringLiteral("a request is named by its number (teepctl requests list)"));
        if (const teep::Status decided = requests.decide(id, action == QLatin1String("approve"), parser.value(reason)); !decided)
            return context.fail(decided.error());
        return kExitOk;
    }
    if (action == QLatin1String("policy"))
        return policy(context, requests, words, parser.value(sp), parser.value(group));
    return context.usage(QStringLiteral("usage: teepctl requests list|approve ID|refuse ID|policy ... (see --help)"));
}

} // namespace teepctl
