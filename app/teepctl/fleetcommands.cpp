// teepctl devices list|add|admission, teepctl ta sign|add|list|assign|remove-from|assignments|unassign,
#include "commands.h"

#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "protocol/otrp/tapackage.h"
#include "store/database.h"
#include "store/sql.h"
#include "tam/catalog.h"
#include "tam/devicecsv.h"
#include "tam/provisioningreport.h"
#include "crypto/pkcs11key.h"
#include "tam/tapublisher.h"
#include "tam/deviceregistry.h"
#include "tam/fleetqueries.h"
#include "tam/teepsettings.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

namespace teepctl {

namespace {
// teepctl devices import: name,agent-key-file[,group[,profile]] per line; every line is checked
// before any device is registered, and all are registered in one transaction.
teep::Result<int> importAgents(teep::tam::DeviceRegistry &fleet, const QString &csvPath)
{
    const auto bytes = readInput(csvPath);
    if (!bytes)
        return bytes.error();
    const auto known = fleet.deviceNames(1000000);
    if (!known)
        return known.error();
    const auto list = teep::tam::readDeviceCsv(bytes.value(), QFileInfo(csvPath).absolutePath(),
                                               QSet<QString>(known.value().cbegin(), known.value().cend()));
    if (!list)
        return teep::Error{list.error().code, list.error().message, csvPath};
    if (list.value().errorCount() > 0)
        return teep::Error{QStringLiteral("cli.csv"), QStringLiteral("nothing registered; fix these lines first:\n%1").arg(list.value().errorSummary()), csvPath};
    const teep::Status registered = fleet.registerAgents(list.value().devices());
    if (!registered)
        return registered.error();
    return int(list.value().rows.size());
}
} // namespace

int runDevices(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "list                          the fleet: each device, its TEEs, their SDs, installed TAs and last attestation\n"
        "add NAME (--tee-cert FILE | --agent-key FILE) [--group NAME] [--profile compatible]\n"
        "                              register a device before it connects (e.g. from a factory list):\n"
        "                              OTrP by its TEE certificate, TEEP by its TEEP Agent public key\n"
        "import FILE.csv               register many TEEP devices, all or none: one line each,\n"
        "                              name,agent-key-file[,group[,profile]] (key files relative to the CSV's folder;\n"
        "                              a first line starting with \"name\" is a header)\n"
        "attestation-policy [--group NAME] [evidence|registered-key|passport|default]\n"
        "                              show or set what a TEEP device must prove: evidence (an EAT, the default),\n"
        "                              or its registered agent key alone (tier \"identified\", for agents without\n"
        "                              an attester), or a verifier's signed result (passport: an EAR by a key in the\n"
        "                              verifier-key store, registered devices only); per group, or the default\n"
        "                              (default: the group follows it)\n"
        "admission [attested|registered]\n"
        "                              show or set which devices are accepted: any whose TEE certificate\n"
        "                              verifies against a TEE root CA (default), or registered ones only\n"
        "report [--group NAME] [--since UTC] [--until UTC] [--out FILE]\n"
        "                              the provisioning record of a batch as CSV (stdout without --out): per device\n"
        "                              and TEE, who registered it, its attestation, installed and refused TAs, last\n"
        "                              contact and outcome; a batch is a group, a last-contact window, or both\n"
        "profile NAME standard|compatible\n"
        "                              what the TAM accepts from this device: the draft (default), or also\n"
        "                              deployed agents' forms (ES256/EdDSA signatures, older message forms)"));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list, add, import, report, attestation-policy, admission or profile"));
    const QCommandLineOption teeCert(QStringLiteral("tee-cert"), QStringLiteral("The device's TEE certificate (PEM or DER)."), QStringLiteral("file"));
    const QCommandLineOption agentKey(QStringLiteral("agent-key"), QStringLiteral("The device's TEEP Agent public key (PEM or DER)."),
                                      QStringLiteral("file"));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("The device group to put it in (or whose policy to set)."), QStringLiteral("name"));
    const QCommandLineOption profile(QStringLiteral("profile"), QStringLiteral("standard (default) or compatible: also deployed agents' forms."),
                                     QStringLiteral("profile"), QStringLiteral("standard"));
    const QCommandLineOption since(QStringLiteral("since"), QStringLiteral("report: last contact at or after this UTC time (2026-12-04T08:00:00Z)."),
                                   QStringLiteral("time"));
    const QCommandLineOption until(QStringLiteral("until"), QStringLiteral("report: last contact before this UTC time."), QStringLiteral("time"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("report: the CSV file to write (default: stdout)."), QStringLiteral("file"));
    parser.addOptions({teeCert, agentKey, group, profile, since, until, out});
    if (const int code = parseCommand(parser, QStringLiteral("devices"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::DeviceRegistry fleetStore(opened.value()->connection(), context.clock, context.actor);
    if (words.value(0) == QLatin1String("add")) {
        if (words.size() != 2 || parser.isSet(teeCert) == parser.isSet(agentKey))
            return context.usage(QStringLiteral("usage: teepctl devices add NAME (--tee-cert FILE | --agent-key FILE) [--group NAME] [--profile compatible]"));
        const auto bytes = readInput(parser.value(parser.isSet(teeCert) ? teeCert : agentKey));
        if (!bytes)
            return context.fail(bytes.error());
        teep::Result<qint64> id = teep::Error{};
        if (parser.isSet(teeCert)) {
            const auto certificates = teep::crypto::parseCertificates(bytes.value());
            if (!certificates)
                return context.fail(certificates.error());
            id = fleetStore.registerDevice(words[1], certificates.value().first(), parser.value(group));
        } else {
            const auto key = teep::crypto::Key::fromPublicKey(bytes.value());
            if (!key)
                return context.fail(key.error());
            id = fleetStore.registerAgent(words[1], key.value(), parser.value(group), parser.value(profile));
        }
        if (!id)
            return context.fail(id.error());
        if (context.json)
            context.print({{"device", id.value()}, {"name", words[1].toStdString()}});
        else
            context.out << "registered " << words[1] << Qt::endl;
        return kExitOk;
    }
    if (words.value(0) == QLatin1String("report")) {
        if (words.size() != 1)
            return context.usage(QStringLiteral("usage: teepctl devices report [--group NAME] [--since UTC] [--until UTC] [--out FILE]"));
        QString bounds[2];
        for (int i = 0; i < 2; ++i) {
            const QCommandLineOption &option = i == 0 ? since : until;
            if (!parser.isSet(option))
                continue;
            const QDateTime at = QDateTime::fromString(parser.value(option), Qt::ISODateWithMs);
            if (!at.isValid())
                return context.usage(QStringLiteral("--%1 takes a UTC time such as 2026-12-04T08:00:00Z").arg(option.names().first()));
            bounds[i] = teep::store::isoUtc(at); // as the database stores times, so that they compare as text
        }
        const auto report = teep::tam::provisioningReport(opened.value()->connection(), {QString(), parser.value(group), bounds[0], bounds[1]});
        if (!report)
            return context.fail(report.error());
        if (const teep::Status written = writeOutput(parser.value(out), teep::tam::reportCsv(report.value()), context.out); !written)
            return context.fail(written.error());
        if (parser.isSet(out))
            context.err << "wrote " << report.value().size() << " row(s) to " << parser.value(out) << Qt::endl;
        return kExitOk;
    }
    if (words.value(0) == QLatin1String("import")) {
        if (words.size() != 2)
            return context.usage(QStringLiteral("usage: teepctl devices import FILE.csv"));
        const auto imported = importAgents(fleetStore, words[1]);
        if (!imported)
            return context.fail(imported.error());
        if (context.json)
            context.print({{"registered", imported.value()}});
        else
            context.out << "registered " << imported.value() << " device(s) from " << words[1] << Qt::endl;
        return kExitOk;
    }
    if (words.value(0) == QLatin1String("attestation-policy")) {
        teep::tam::TeepSettings settings(opened.value()->connection(), context.clock, context.actor);
        if (words.size() == 2) {
            std::optional<teep::tam::AttestationPolicy> policy;
            if (words[1] != QLatin1String("default")) {
                const auto parsed = teep::tam::parseAttestationPolicy(words[1]);
                if (!parsed)
                    return context.usage(parsed.error().message);
                policy = parsed.value();
            }
            if (const teep::Status set = settings.setPolicy(parser.value(group), policy); !set)
                return context.fail(set.error());
        } else if (words.size() != 1) {
            return context.usage(QStringLiteral("usage: teepctl devices attestation-policy [--group NAME] [evidence|registered-key|passport|default]"));
        }
        const auto fallback = settings.defaultPolicy();
        const auto groups = settings.groupPolicies();
        if (!fallback || !groups)
            return context.fail(fallback ? groups.error() : fallback.error());
        if (context.json) {
            nlohmann::ordered_json byGroup = nlohmann::ordered_json::object();
            for (const auto &[name, policy] : groups.value())
                byGroup[name.toStdString()] = teep::tam::attestationPolicyName(policy).toStdString();
            context.print({{"default", teep::tam::attestationPolicyName(fallback.value()).toStdString()}, {"groups", byGroup}});
        } else {
            context.out << "default: " << teep::tam::attestationPolicyName(fallback.value()) << " - " << teep::tam::attestationPolicyText(fallback.value()) << '\n';
            for (const auto &[name, policy] : groups.value())
                context.out << "group " << name << ": " << teep::tam::attestationPolicyName(policy) << " - " << teep::tam::attestationPolicyText(policy) << '\n';
            context.out.flush();
        }
        return kExitOk;
    }
    if (words.value(0) == QLatin1String("profile")) {
        if (words.size() != 3)
            return context.usage(QStringLiteral("usage: teepctl devices profile NAME standard|compatible"));
        if (const teep::Status set = fleetStore.setCompatibilityProfile(words[1], words[2]); !set)
            return context.fail(set.error());
        return kExitOk;
    }
    if (words.value(0) == QLatin1String("admission")) {
        if (words.size() == 2) {
            if (words[1] != QLatin1String("attested") && words[1] != QLatin1String("registered"))
                return context.usage(QStringLiteral("devices admission takes attested or registered"));
            const teep::Status set = fleetStore.setAdmission(words[1] == QLatin1String("registered") ? teep::tam::Admission::RegisteredOnly
                                                                                                     : teep::tam::Admission::Attested);
            if (!set)
                return context.fail(set.error());
        } else if (words.size() != 1) {
            return context.usage(QStringLiteral("usage: teepctl devices admission [attested|registered]"));
        }
        const auto admission = fleetStore.admission();
        if (!admission)
            return context.fail(admission.error());
        const char *name = admission.value() == teep::tam::Admission::RegisteredOnly ? "registered" : "attested";
        if (context.json)
            context.print({{"admission", name}});
        else
            context.out << "admission: " << name << Qt::endl;
        return kExitOk;
    }
    if (words != QStringList{QStringLiteral("list")})
        return context.usage(QStringLiteral("usage: teepctl devices list|add|import|attestation-policy|admission|profile (see teepctl devices --help)"));
    const auto devices = teep::tam::FleetQueries(opened.value()->connection()).devices();
    if (!devices)
        return context.fail(devices.error());
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    if (devices.value().isEmpty() && !context.json)
        context.out << "no devices yet: they appear when they first connect (teepctl serve; teep-devsim for simulated ones)\n";
    for (const teep::tam::DeviceSummary &device : devices.value()) {
        nlohmann::ordered_json entry{{"name", device.name.toStdString()},       {"serial", device.serial.toStdString()},
                                     {"identity", device.identitySource.toStdString()}, {"group", device.groupName.toStdString()},
                                     {"last_contact", device.lastContact.toStdString()}, {"last_address", device.lastPeer.toStdString()},
                                     {"last_outcome", device.lastOutcome.toStdString()},
                                     {"refused_signatures", device.refusedSignatures},
                                     {"last_refused_signature", device.lastRefusedSignature.toStdString()},
                                     {"tees", nlohmann::ordered_json::array()}};
        if (!context.json)
            context.out << device.name << "  [" << device.identitySource << "]  last contact " << (device.lastContact.isEmpty() ? QStringLiteral("never") : device.lastContact)
                        << (device.lastPeer.isEmpty() ? QString() : QStringLiteral(" from ") + device.lastPeer) << '\n'
                        << (device.lastOutcome.isEmpty() ? QString() : QStringLiteral("  last outcome: %1\n").arg(device.lastOutcome))
                        << (device.refusedSignatures == 0 ? QString()
                                                          : QStringLiteral("  SUSPICIOUS: %1 message(s) claimed to be this device with a signature that did not "
                                                                           "verify (last %2)\n")
                                                                .arg(device.refusedSignatures)
                                                                .arg(device.lastRefusedSignature));
        for (const auto &tee : device.tees) {
            nlohmann::ordered_json teeJson{{"name", tee.name.toStdString()}, {"protocol", tee.protocol.toStdString()},
                                           {"attestation", tee.lastTier.toStdString()}, {"security_domains", nlohmann::ordered_json::array()}};
            const QString tier = tee.lastTier.isEmpty() ? QStringLiteral("none")
                                 : tee.lastTier == QLatin1String("identified") ? QStringLiteral("identified, not attested")
                                                                                : tee.lastTier;
            if (!context.json)
                context.out << "  TEE " << tee.name << " (" << tee.protocol << "), attestation: " << tier << '\n';
            for (const auto &[sd, tas] : tee.sds) {
                nlohmann::ordered_json tasJson = nlohmann::ordered_json::array();
                for (const QString &ta : tas)
                    tasJson.push_back(ta.toStdString());
                teeJson["security_domains"].push_back({{"name", sd.toStdString()}, {"tas", tasJson}});
                if (!context.json)
                    context.out << "    " << (sd.isEmpty() ? QStringLiteral("TAs") : QStringLiteral("SD ") + sd) << ": "
                                << (tas.isEmpty() ? QStringLiteral("(empty)") : tas.join(QStringLiteral(", "))) << '\n';
            }
            entry["tees"].push_back(teeJson);
        }
        json.push_back(entry);
    }
    if (context.json)
        context.print(json);
    context.out.flush();
    return kExitOk;
}

int runTa(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "publish SPID BINARY --taid ID --ta-version N --key KEY.pem --cert CERT.pem [--name NAME]\n"
        "                             sign a TA as its SP for both profiles (signed TA and SUIT manifest)\n"
        "                             and add that version to the catalog\n"
        "sign BINARY --taid ID --ta-version N --key KEY.pem|pkcs11:URI --cert CERT.pem [--name NAME] --out FILE\n"
        "                             sign a TA as its SP (the signed-TA format in the README; OTrP only)\n"
        "add SPID FILE                add a signed TA version to the catalog (it must verify with one of\n"
        "                             the SP's signer certificates)\n"
        "list                         every TA version\n"
        "assign TAID (--all | --group NAME | --device NAME) [--ta-version N] [--allow-rollback]\n"
        "                             what devices should have (the latest version unless given)\n"
        "remove-from DEVICE TAID      take the TA off one device (at its next session) and keep it off, whatever\n"
        "                             its group's or everyone's assignments say; unassign the exclusion to undo\n"
        "assignments | unassign ID"));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("publish, sign, add, list, assign, remove-from, assignments or unassign"));
    const QCommandLineOption taid(QStringLiteral("taid"), QStringLiteral("The TA id."), QStringLiteral("id"));
    const QCommandLineOption version(QStringLiteral("ta-version"), QStringLiteral("A TA version number."), QStringLiteral("n"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("The TA's display name."), QStringLiteral("name"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("The SP's unencrypted signing key (PEM)."), QStringLiteral("file"));
    const QCommandLineOption cert(QStringLiteral("cert"), QStringLiteral("The SP's signer certificate (PEM)."), QStringLiteral("file"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Where to write the signed TA ('-': stdout)."), QStringLiteral("file"));
    const QCommandLineOption all(QStringLiteral("all"), QStringLiteral("Assign to every device."));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("Assign to a device group (created if new)."), QStringLiteral("name"));
    const QCommandLineOption device(QStringLiteral("device"), QStringLiteral("Assign to one device (name or serial)."), QStringLiteral("name"));
    const QCommandLineOption rollback(QStringLiteral("allow-rollback"), QStringLiteral("Allow installing an older version than a device has."));
    parser.addOptions({taid, version, name, key, cert, out, all, group, device, rollback});
    if (const int code = parseCommand(parser, QStringLiteral("ta"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);

    if (action == QLatin1String("sign") || action == QLatin1String("publish")) {
        const bool publish = action == QLatin1String("publish");
        if (words.size() != (publish ? 3 : 2) || !parser.isSet(taid) || !parser.isSet(version) || !parser.isSet(key) || !parser.isSet(cert) ||
            parser.isSet(out) == publish)
            return context.usage(publish ? QStringLiteral("usage: teepctl ta publish SPID BINARY --taid ID --ta-version N --key KEY.pem --cert CERT.pem")
                                         : QStringLiteral("usage: teepctl ta sign BINARY --taid ID --ta-version N --key KEY.pem --cert CERT.pem --out FILE"));
        bool numeric = false;
        const qint64 sequence = parser.value(version).toLongLong(&numeric);
        const auto binary = readInput(words.last());
        const auto certPem = readInput(parser.value(cert));
        if (!numeric || sequence < 0)
            return context.usage(QStringLiteral("--ta-version takes a number >= 0"));
        if (!binary || !certPem)
            return context.fail(!binary ? binary.error() : certPem.error());
        // The SP's key: a PEM file, or where it is in a PKCS#11 token (PIN from --pin).
        const auto signingKey = context.readKey(parser.value(key));
        const auto certificates = teep::crypto::parseCertificates(certPem.value());
        if (!signingKey || !certificates)
            return context.fail(!signingKey ? signingKey.error() : certificates.error());
        if (publish) {
            auto database = context.openDatabase();
            if (!database)
                return context.fail(database.error());
            teep::tam::Catalog catalog(database.value()->connection(), context.clock, context.actor);
            const auto published = teep::tam::publishTa(catalog, words[1], {parser.value(taid), parser.value(name), sequence, binary.value()},
                                                        signingKey.value(), certificates.value().first());
            if (!published)
                return context.fail(published.error());
            if (context.json)
                context.print({{"taid", published.value().taid.toStdString()}, {"version", published.value().sequence},
                               {"sha256", published.value().binarySha256.toStdString()}, {"suit_manifest_bytes", published.value().manifest.size()}});
            else
                context.out << "published " << published.value().taid << " version " << published.value().sequence << " for OTrP and TEEP devices ("
                            << published.value().binarySize << " bytes, SHA-256 " << published.value().binarySha256.left(16) << "...)\n";
            return kExitOk;
        }
        const auto signedTa = teep::protocol::otrp::signTa({parser.value(taid), parser.value(name), sequence, binary.value()},
                                                           {signingKey.value(), teep::crypto::jose::signingAlgFor(signingKey.value()), {certificates.value().first()}});
        if (!signedTa)
            return context.fail(signedTa.error());
        if (const teep::Status written = writeOutput(parser.value(out), signedTa.value(), context.out); !written)
            return context.fail(written.error());
        return kExitOk;
    }

    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::Catalog catalog(opened.value()->connection(), context.clock, context.actor);
    if (action == QLatin1String("add") && words.size() == 3) {
        const auto bytes = readInput(words[2]);
        if (!bytes)
            return context.fail(bytes.error());
        const auto added = catalog.addSignedTa(words[1], bytes.value());
        if (!added)
            return context.fail(added.error());
        if (context.json)
            context.print({{"taid", added.value().taid.toStdString()}, {"version", added.value().sequence}, {"sha256", added.value().binarySha256.toStdString()}});
        else
            context.out << "added " << added.value().taid << " version " << added.value().sequence << " (" << added.value().binarySize << " bytes, SHA-256 "
                        << added.value().binarySha256.left(16) << "...)\n";
        return kExitOk;
    }
    if (action == QLatin1String("list")) {
        const auto versions = catalog.versions();
        if (!versions)
            return context.fail(versions.error());
        nlohmann::ordered_json json = nlohmann::ordered_json::array();
        for (const teep::tam::TaVersion &v : versions.value()) {
            json.push_back({{"taid", v.taid.toStdString()}, {"spid", v.spid.toStdString()}, {"version", v.sequence},
                            {"size", v.binarySize}, {"sha256", v.binarySha256.toStdString()}, {"suit_manifest", !v.manifest.isEmpty()}});
            if (!context.json)
                context.out << v.taid << "  v" << v.sequence << "  SP " << v.spid << "  " << v.binarySize << " bytes"
                            << (v.manifest.isEmpty() ? "  (OTrP only: no SUIT manifest)" : "") << "\n";
        }
        if (context.json)
            context.print(json);
        else if (versions.value().isEmpty())
            context.out << "the catalog is empty: publish a TA (teepctl ta publish SPID BINARY ...)\n";
        return kExitOk;
    }
    if (action == QLatin1String("assign") && words.size() == 2) {
        const int targets = int(parser.isSet(all)) + int(parser.isSet(group)) + int(parser.isSet(device));
        if (targets != 1)
            return context.usage(QStringLiteral("ta assign: give exactly one of --all, --group NAME, --device NAME"));
        const teep::tam::TargetKind kind = parser.isSet(all) ? teep::tam::TargetKind::All : parser.isSet(group) ? teep::tam::TargetKind::Group : teep::tam::TargetKind::Device;
        std::optional<qint64> sequence;
        if (parser.isSet(version)) {
            bool numeric = false;
            sequence = parser.value(version).toLongLong(&numeric);
            if (!numeric)
                return context.usage(QStringLiteral("--ta-version takes a number"));
        }
        const auto assigned = catalog.assign(words[1], kind, parser.isSet(group) ? parser.value(group) : parser.value(device), sequence, parser.isSet(rollback));
        if (!assigned)
            return context.fail(assigned.error());
        if (context.json)
            context.print({{"assignment", assigned.value().id}});
        else
            context.out << "assignment " << assigned.value().id << ": " << words[1] << " -> " << teep::tam::targetKindName(kind)
                        << (assigned.value().target.isEmpty() ? QString() : QLatin1Char(' ') + assigned.value().target) << '\n';
        return kExitOk;
    }
    if (action == QLatin1String("assignments")) {
        const auto list = catalog.assignments();
        if (!list)
            return context.fail(list.error());
        nlohmann::ordered_json json = nlohmann::ordered_json::array();
        for (const teep::tam::Assignment &a : list.value()) {
            json.push_back({{"id", a.id}, {"taid", a.taid.toStdString()}, {"target", teep::tam::targetKindName(a.kind).toStdString()},
                            {"name", a.target.toStdString()}, {"version", a.sequence ? nlohmann::ordered_json(*a.sequence) : nlohmann::ordered_json("latest")},
                            {"allow_rollback", a.allowRollback}, {"excluded", a.excluded}});
            if (!context.json && a.excluded)
                context.out << a.id << "  " << a.taid << " -> not on device " << a.target << "  (removed; unassign " << a.id << " to undo)\n";
            else if (!context.json)
                context.out << a.id << "  " << a.taid << " -> " << teep::tam::targetKindName(a.kind) << (a.target.isEmpty() ? QString() : QLatin1Char(' ') + a.target)
                            << "  version " << (a.sequence ? QString::number(*a.sequence) : QStringLiteral("latest")) << (a.allowRollback ? "  (rollback allowed)" : "") << '\n';
        }
        if (context.json)
            context.print(json);
        return kExitOk;
    }
    if (action == QLatin1String("remove-from") && words.size() == 3) {
        const auto removed = catalog.removeFromDevice(words[2], words[1]);
        if (!removed)
            return context.fail(removed.error());
        if (context.json)
            context.print({{"id", removed.value().id}, {"taid", removed.value().taid.toStdString()}, {"device", removed.value().target.toStdString()}});
        else
            context.out << removed.value().taid << " comes off " << removed.value().target << " at its next session (exclusion " << removed.value().id
                        << "; teepctl ta unassign " << removed.value().id << " to undo)" << Qt::endl;
        return kExitOk;
    }
    if (action == QLatin1String("unassign") && words.size() == 2) {
        bool numeric = false;
        const qint64 id = words[1].toLongLong(&numeric);
        if (!numeric)
            return context.usage(QStringLiteral("ta unassign takes an assignment id (teepctl ta assignments)"));
        if (const teep::Status removed = catalog.unassign(id); !removed)
            return context.fail(removed.error());
        return kExitOk;
    }
    return context.usage(QStringLiteral("ta: unknown action or wrong arguments; see teepctl ta --help"));
}

} // namespace teepctl
