// teepctl tam keys|rollover|rollover-status|retire: where the TAM's keys are; a new TAM key beside the old one, then the old one retired
#include "tamkeycommands.h"

#include "crypto/pkcs11keygen.h"
#include "store/database.h"
#include "store/keystore.h"
#include "tam/tamkeys.h"
#include "tam/tamrollover.h"
#include "tam/teepsettings.h"

namespace teepctl {

namespace {

nlohmann::ordered_json statusJson(const teep::tam::RolloverStatus &status)
{
    nlohmann::ordered_json json{{"current", status.current.name.toStdString()},
                                {"tam_id", status.current.tamId.toStdString()},
                                {"since", status.since.toString(Qt::ISODate).toStdString()},
                                {"overlapping", nlohmann::ordered_json::array()},
                                {"devices", status.devices},
                                {"devices_talked_since", status.talkedSince},
                                {"not_yet_seen", nlohmann::ordered_json::array()}};
    for (const auto &previous : status.overlapping)
        json["overlapping"].push_back({{"name", previous.name.toStdString()},
                                       {"overlap_until", previous.overlapUntil.toString(Qt::ISODate).toStdString()},
                                       {"fingerprint_sha256", previous.certificate.fingerprintSha256().toStdString()}});
    for (const QString &name : status.notYetSeen)
        json["not_yet_seen"].push_back(name.toStdString());
    return json;
}

void printStatus(Context &context, const teep::tam::RolloverStatus &status)
{
    if (context.json) {
        context.print(statusJson(status));
        return;
    }
    context.out << "current: " << status.current.name << " (since " << status.since.toString(Qt::ISODate) << ")\n";
    if (status.overlapping.isEmpty())
        context.out << "no previous key signs beside it\n";
    for (const auto &previous : status.overlapping)
        context.out << "still signing beside it: " << previous.name << " (overlap planned until "
                    << previous.overlapUntil.toString(Qt::ISODate) << "; retire with: teepctl tam retire '" << previous.name << "' --yes)\n";
    context.out << "devices that completed a session since: " << status.talkedSince << " of " << status.devices << '\n';
    if (!status.notYetSeen.isEmpty())
        context.out << "not yet seen: " << status.notYetSeen.join(QStringLiteral(", "))
                    << (status.devices - status.talkedSince > status.notYetSeen.size() ? QStringLiteral(", ...") : QString()) << '\n';
}

int printKeys(Context &context, teep::store::Database &database)
{
    const auto keys = teep::tam::tamKeys(database.connection());
    if (!keys)
        return context.fail(keys.error());
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (const teep::tam::TamKey &key : keys.value()) {
        nlohmann::ordered_json row{{"identity", key.identity.toStdString()}, {"identity_state", key.identityState.toStdString()},
                                   {"role", key.role.toStdString()},         {"label", key.label.toStdString()},
                                   {"algorithm", key.algorithm.toStdString()}, {"storage", key.storage.toStdString()}};
        if (!key.tokenUri.isEmpty()) {
            row["token_uri"] = key.tokenUri.toStdString();
            row["token"] = {{"present", key.token.present},
                            {"label", key.token.label.toStdString()},
                            {"manufacturer", key.token.manufacturer.toStdString()},
                            {"model", key.token.model.toStdString()},
                            {"serial", key.token.serial.toStdString()},
                            {"slot", key.token.slotId},
                            {"problem", key.token.problem.toStdString()}};
        }
        json.push_back(row);
        if (context.json)
            continue;
        context.out << key.identity << " (" << key.identityState << "), " << key.role << " key " << key.algorithm << ": " << key.storage;
        if (!key.tokenUri.isEmpty())
            context.out << ' ' << key.tokenUri << "\n    token '" << key.token.label << "' " << key.token.manufacturer << ' ' << key.token.model
                        << ", serial " << key.token.serial << ", slot " << key.token.slotId << ": "
                        << (key.token.present ? QStringLiteral("present") : QStringLiteral("NOT PRESENT (%1)").arg(key.token.problem));
        context.out << '\n';
    }
    if (context.json)
        context.print(json);
    return kExitOk;
}

} // namespace

teep::Result<teep::crypto::Key> makeKeyInToken(Context &context, const QString &uri, teep::crypto::KeyAlgorithm algorithm)
{
    const auto pin = context.tokenPin();
    if (!pin)
        return pin.error();
    return teep::crypto::generateInToken(uri, pin.value(), algorithm);
}

int runRolloverAction(Context &context, teep::store::Database &database, const QString &action, const QStringList &words,
                      const RolloverArguments &arguments)
{
    if (action == QLatin1String("keys"))
        return printKeys(context, database);
    if (action == QLatin1String("rollover-legacy-key")) {
        teep::tam::TeepSettings settings(database.connection(), context.clock, context.actor);
        if (words.size() == 2 && (words[1] == QLatin1String("previous") || words[1] == QLatin1String("new"))) {
            if (const teep::Status set = settings.setSingleSignatureByNewKey(words[1] == QLatin1String("new")); !set)
                return context.fail(set.error());
        } else if (words.size() != 1) {
            return context.usage(QStringLiteral("usage: teepctl tam rollover-legacy-key [previous|new]"));
        }
        const auto byNew = settings.singleSignatureByNewKey();
        if (!byNew)
            return context.fail(byNew.error());
        if (context.json)
            context.print({{"rollover_legacy_key", byNew.value() ? "new" : "previous"}});
        else
            context.out << "during a rollover's overlap, the legacy listener (deployed agents: one signature) signs with the "
                        << (byNew.value() ? "new" : "previous") << " key\n";
        return kExitOk;
    }
    teep::store::KeyStore keys(database.connection());
    teep::tam::TamRollover rollover(database.connection(), keys, context.clock, context.actor);
    if (action == QLatin1String("rollover-status")) {
        const auto status = rollover.status();
        if (!status)
            return context.fail(status.error());
        printStatus(context, status.value());
        return kExitOk;
    }
    if (action == QLatin1String("retire")) {
        if (words.size() != 2)
            return context.usage(QStringLiteral("usage: teepctl tam retire NAME --yes"));
        const auto status = rollover.status();
        if (!status)
            return context.fail(status.error());
        if (!arguments.yes) {
            printStatus(context, status.value());
            return context.usage(QStringLiteral("tam retire: devices that still trust only '%1' can no longer talk to this TAM; add --yes to retire it")
                                     .arg(words[1]));
        }
        if (const teep::Status retired = rollover.retire(words[1]); !retired)
            return context.fail(retired.error());
        context.out << "retired " << words[1] << " (" << status.value().talkedSince << " of " << status.value().devices
                    << " devices had completed a session since the rollover)\n";
        return kExitOk;
    }
    // rollover
    if (words.size() != 1)
        return context.usage(QStringLiteral("usage: teepctl tam rollover --name NEW [--key FILE|pkcs11:URI] [--new-root] [--overlap-days N]"));
    teep::tam::RolloverOptions options;
    options.name = arguments.name;
    options.algorithm = arguments.algorithm;
    options.newRoot = arguments.newRoot;
    bool numeric = false;
    options.overlapDays = arguments.overlapDays.toInt(&numeric);
    if (!numeric)
        return context.usage(QStringLiteral("--overlap-days takes a number of days"));
    if (!arguments.key.isEmpty() && !arguments.keyInToken.isEmpty())
        return context.usage(QStringLiteral("tam rollover: --key takes a key that exists, --key-in-token makes one: give one of them"));
    if (!arguments.key.isEmpty() || !arguments.keyInToken.isEmpty()) {
        auto key = arguments.keyInToken.isEmpty() ? context.readKey(arguments.key, arguments.keyPassphrase)
                                                  : makeKeyInToken(context, arguments.keyInToken, arguments.algorithm);
        if (!key)
            return context.fail(key.error());
        options.key = key.value();
    }
    if (const teep::Status unlocked = context.unlock(keys); !unlocked)
        return context.fail(unlocked.error());
    const auto made = rollover.rollover(options);
    if (!made)
        return context.fail(made.error());
    const auto status = rollover.status();
    if (!status)
        return context.fail(status.error());
    if (!context.json)
        context.out << "rolled over to " << made.value().name << " (TAM id " << made.value().tamId << ", certificate SHA-256 "
                    << made.value().certificate.fingerprintSha256().left(23) << "...)\n"
                    << (options.newRoot ? "a NEW TAM root CA: OTrP devices need it (teepctl tam export-root) before they accept the new certificate\n"
                                        : "same TAM root CA: OTrP devices accept the new certificate at once\n")
                    << "TEEP messages carry a signature by the new and the previous key until you retire the previous one; a\n"
                       "listener with the legacy suites (deployed agents) signs with the previous key only, until you say\n"
                       "the agents have the new one: teepctl tam rollover-legacy-key new\n";
    printStatus(context, status.value());
    return kExitOk;
}

} // namespace teepctl
