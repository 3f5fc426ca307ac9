// teep-devsim: simulated devices (a Broker and TEEs each) that run a session against a TAM over
// real HTTP, concurrently, then print what happened. Exit 0 when every device completed its
// session, 1 when one did not, 64 for usage errors.
#include "common/processsecurity.h"
#include "common/clock.h"
#include "common/logging.h"
#include "sim/devicerunner.h"
#include "teep/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <vector>

using namespace teep;

namespace {
constexpr int kMaxNetworks = 32; // up to 192 devices in flight at once
}

int main(int argc, char *argv[])
{
    teep::security::protectProcess(); // before any file or secret exists
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("teep-devsim"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(teep::kVersion));
    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Simulated TEEP devices against a TAM over HTTP. Each device is a Broker with one or more TEEs\n"
        "(keys and certificates from the demo directory's CAs); it runs one session and reports the TAs\n"
        "it holds afterwards. Prepare a demo with: teepctl demo init --out DIR.\n\n"
        "Faults (--fault, repeatable): bad-signature, replay, untrusted-tee-ca, tampered-ta, tampered-firmware\n"
        "(TEEP: a boot loader measured other than its reference value), disconnect\n"
        "(after 3 messages), slow (--slow-ms per message); legacy-agent is a trait, not a fault: a deployed TEEP\n"
        "agent that signs with ES256 (the TAM accepts it only for devices with the compatibility profile);\n"
        "sgx-agents too: TEEP agents in SGX enclaves of the demo's simulated platform, attesting with DCAP quotes.\n\n"
        "--agent-profile deployed (TEEP) acts as today's deployed agents (libteep's example agent): ES256 only,\n"
        "also for the TAM's messages, no kid, no attester, label 5 and an always-present tc-list, a 1,024-byte\n"
        "receive buffer. Such a device must be registered first: --write-csv FILE makes the devices' identities in\n"
        "--state-dir and writes the list for `teepctl devices import FILE` (name,agent key,group,profile), without\n"
        "connecting. Faults still apply. A device whose session ended on its refusal of a TAM message fails,\n"
        "and the summary says why.\n\n"
        "Client apps (keep them across runs with --state-dir; OTrP: on the first TEE): --install-app NAME:TAID[,TAID...] installs\n"
        "an app that needs those TAs, so the next session asks the TAM for them (RequestTA); --bundle TAID=FILE\n"
        "makes the apps installed in this run carry that TA's binary (have-binary); --remove-app NAME removes\n"
        "an app, and TAs no other app needs are reported as unneeded (UnrequestTA)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption tam(QStringLiteral("tam"), QStringLiteral("The TAM URI, e.g. http://127.0.0.1:8765/tam. Repeated: several servers of one "
                                                                          "TAM on a shared database, each POST to the next in turn (a refused one to the next)."),
                                   QStringLiteral("url"));
    const QCommandLineOption demoDir(QStringLiteral("demo-dir"), QStringLiteral("The directory teepctl demo init wrote."), QStringLiteral("dir"));
    const QCommandLineOption devices(QStringLiteral("devices"), QStringLiteral("How many devices run at once (default 1)."), QStringLiteral("n"),
                                     QStringLiteral("1"));
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("otrp (default: a Broker with OTrP TEEs) or teep (a TEEP Agent: EAT, SUIT)."),
                                     QStringLiteral("profile"), QStringLiteral("otrp"));
    const QCommandLineOption stateDir(QStringLiteral("state-dir"),
                                      QStringLiteral("Keep each device's identity and TEE storage here, so a later run is the same device."),
                                      QStringLiteral("dir"));
    const QCommandLineOption prefix(QStringLiteral("name-prefix"), QStringLiteral("Device names are PREFIX-0001, ... (default sim)."), QStringLiteral("prefix"),
                                    QStringLiteral("sim"));
    const QCommandLineOption tees(QStringLiteral("tee"), QStringLiteral("OTrP: a TEE of each device (repeatable; default one named primary)."),
                                  QStringLiteral("name"));
    const QCommandLineOption fault(QStringLiteral("fault"), QStringLiteral("Inject a fault (see above)."), QStringLiteral("name"));
    const QCommandLineOption slowMs(QStringLiteral("slow-ms"), QStringLiteral("Delay before each message with --fault slow (default 500)."), QStringLiteral("ms"),
                                    QStringLiteral("500"));
    const QCommandLineOption installApp(QStringLiteral("install-app"), QStringLiteral("Install a client app NAME:TAID[,TAID...] (repeatable)."),
                                        QStringLiteral("app"));
    const QCommandLineOption bundle(QStringLiteral("bundle"), QStringLiteral("Installed apps bundle this TA binary: TAID=FILE (repeatable)."),
                                    QStringLiteral("ta"));
    const QCommandLineOption removeApp(QStringLiteral("remove-app"), QStringLiteral("Remove a client app (repeatable)."), QStringLiteral("name"));
    const QCommandLineOption tamCa(QStringLiteral("tam-ca"),
                                   QStringLiteral("HTTPS: the CA certificate(s) (PEM) that vouch for the TAM's TLS certificate."), QStringLiteral("file"));
    const QCommandLineOption agentProfile(QStringLiteral("agent-profile"),
                                          QStringLiteral("TEEP: standard (default) or deployed (see above)."), QStringLiteral("kind"),
                                          QStringLiteral("standard"));
    const QCommandLineOption writeCsv(QStringLiteral("write-csv"),
                                      QStringLiteral("TEEP: make the devices' identities in --state-dir and write their registration list "
                                                     "(for teepctl devices import) to this file, then stop."),
                                      QStringLiteral("file"));
    const QCommandLineOption csvGroup(QStringLiteral("csv-group"), QStringLiteral("The group written in --write-csv's list."), QStringLiteral("name"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the summary as JSON."));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Log what the devices do (stderr)."));
    parser.addOptions({tam, demoDir, devices, profile, stateDir, prefix, tees, fault, slowMs, installApp, bundle, removeApp, tamCa, agentProfile, writeCsv, csvGroup, json,
                       verbose});
    parser.process(app);
    if (!parser.isSet(verbose) && !qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("teep.*.info=false"));

    auto usage = [&err](const QString &message) {
        err << "teep-devsim: " << message << "\n";
        return 64;
    };
    if (!parser.isSet(tam) || !parser.isSet(demoDir))
        return usage(QStringLiteral("give --tam URL and --demo-dir DIR (see --help)"));
    QList<QUrl> tamUrls;
    for (const QString &given : parser.values(tam)) {
        const QUrl each(given);
        if (!each.isValid() || (each.scheme() != QLatin1String("http") && each.scheme() != QLatin1String("https")))
            return usage(QStringLiteral("--tam must be an http(s) URL: %1").arg(given));
        tamUrls << each;
    }
    const QUrl url = tamUrls.first();
    if (parser.value(profile) != QLatin1String("otrp") && parser.value(profile) != QLatin1String("teep"))
        return usage(QStringLiteral("--profile is otrp or teep"));
    const sim::SimProfile simProfile = parser.value(profile) == QLatin1String("teep") ? sim::SimProfile::Teep : sim::SimProfile::Otrp;
    bool numeric = false;
    const int count = parser.value(devices).toInt(&numeric);
    if (!numeric || count < 1 || count > 100000)
        return usage(QStringLiteral("--devices takes 1 to 100000"));
    sim::SimFaults faults;
    for (const QString &name : parser.values(fault)) {
        if (name == QLatin1String("bad-signature"))
            faults.badSignature = true;
        else if (name == QLatin1String("replay"))
            faults.replay = true;
        else if (name == QLatin1String("untrusted-tee-ca"))
            faults.untrustedTeeCa = true;
        else if (name == QLatin1String("tampered-ta"))
            faults.tamperedTa = true;
        else if (name == QLatin1String("tampered-firmware"))
            faults.tamperedFirmware = true;
        else if (name == QLatin1String("disconnect"))
            faults.disconnectAfter = 3;
        else if (name == QLatin1String("legacy-agent"))
            faults.legacyAgent = true;
        else if (name == QLatin1String("sgx-agents"))
            faults.sgxAgents = true;
        else if (name == QLatin1String("slow"))
            faults.delayMs = qBound(0, parser.value(slowMs).toInt(), 600000);
        else
            return usage(QStringLiteral("unknown fault '%1'").arg(name));
    }
    if (parser.value(agentProfile) == QLatin1String("deployed"))
        faults.deployedAgent = true;
    else if (parser.value(agentProfile) != QLatin1String("standard"))
        return usage(QStringLiteral("--agent-profile is standard or deployed"));
    if (faults.deployedAgent && simProfile != sim::SimProfile::Teep)
        return usage(QStringLiteral("--agent-profile deployed is a TEEP agent: add --profile teep"));
    if (faults.sgxAgents && simProfile != sim::SimProfile::Teep)
        return usage(QStringLiteral("--fault sgx-agents makes TEEP agents: add --profile teep"));
    sim::AppChanges apps;
    apps.remove = parser.values(removeApp);
    QMap<QString, QByteArray> bundled;
    for (const QString &entry : parser.values(bundle)) {
        const qsizetype eq = entry.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return usage(QStringLiteral("--bundle takes TAID=FILE"));
        QFile file(entry.mid(eq + 1));
        if (!file.open(QIODevice::ReadOnly) || file.size() > 16 * 1024 * 1024)
            return usage(QStringLiteral("--bundle: cannot read %1 (at most 16 MiB)").arg(file.fileName()));
        bundled.insert(entry.left(eq), file.readAll());
    }
    for (const QString &entry : parser.values(installApp)) {
        const qsizetype colon = entry.indexOf(QLatin1Char(':'));
        if (colon <= 0 || colon == entry.size() - 1)
            return usage(QStringLiteral("--install-app takes NAME:TAID[,TAID...]"));
        sim::ClientApp clientApp{entry.left(colon), entry.mid(colon + 1).split(QLatin1Char(','), Qt::SkipEmptyParts), {}};
        for (const QString &taid : std::as_const(clientApp.tas)) {
            if (bundled.contains(taid))
                clientApp.bundled.insert(taid, bundled.value(taid));
        }
        apps.install << clientApp;
    }
    QList<QSslCertificate> tlsRoots;
    if (parser.isSet(tamCa)) {
        tlsRoots = QSslCertificate::fromPath(parser.value(tamCa), QSsl::Pem, QSslCertificate::PatternSyntax::FixedString);
        if (tlsRoots.isEmpty())
            return usage(QStringLiteral("--tam-ca: no PEM certificate in %1").arg(parser.value(tamCa)));
    }
    const auto material = sim::readDemoDirectory(parser.value(demoDir));
    if (!material) {
        err << "teep-devsim: " << material.error().toString() << "\n";
        return 2;
    }
    const QStringList teeNames = parser.values(tees).isEmpty() ? QStringList{QStringLiteral("primary")} : parser.values(tees);

    // One QNetworkAccessManager keeps at most 6 connections to a host: several of them let many
    // devices talk to the TAM at once, as a real fleet does.
    std::vector<std::unique_ptr<QNetworkAccessManager>> networks(size_t(std::clamp((count + 5) / 6, 1, kMaxNetworks)));
    for (auto &network : networks)
        network = std::make_unique<QNetworkAccessManager>();
    std::vector<std::unique_ptr<sim::SimDevice>> running;
    QList<sim::DeviceOutcome> outcomes;
    for (int i = 1; i <= count; ++i) {
        const QString name = QStringLiteral("%1-%2").arg(parser.value(prefix)).arg(i, 4, 10, QLatin1Char('0'));
        auto device = sim::SimDevice::create(name, material.value(), teeNames, url, faults, *networks[size_t(i) % networks.size()], parser.value(stateDir), SystemClock::instance(),
                                             simProfile);
        if (!device) {
            err << "teep-devsim: " << name << ": " << device.error().toString() << "\n";
            return 2;
        }
        device.value()->setTlsRoots(tlsRoots);
        device.value()->setOtherTams(tamUrls.mid(1));
        if (const Status changed = device.value()->changeApps(apps); !changed) {
            err << "teep-devsim: " << name << ": " << changed.error().message << "\n";
            return 2;
        }
        QObject::connect(device.value().get(), &sim::SimDevice::finished, &app, [&](const sim::DeviceOutcome &outcome) {
            outcomes << outcome;
            if (outcomes.size() == count)
                QCoreApplication::quit();
        });
        running.push_back(std::move(device.value()));
    }
    if (parser.isSet(writeCsv)) {
        // The factory list: each device's name and the agent key the TAM is to know it by.
        if (simProfile != sim::SimProfile::Teep || !parser.isSet(stateDir))
            return usage(QStringLiteral("--write-csv needs --profile teep and --state-dir"));
        QFile csv(parser.value(writeCsv));
        if (!csv.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return usage(QStringLiteral("--write-csv: cannot write %1").arg(csv.fileName()));
        const QDir csvDir = QFileInfo(csv.fileName()).absoluteDir();
        QByteArray lines = "name,agent_key,group,profile\n";
        for (int i = 1; i <= count; ++i) {
            const QString name = QStringLiteral("%1-%2").arg(parser.value(prefix)).arg(i, 4, 10, QLatin1Char('0'));
            const QString key = QDir(parser.value(stateDir)).absoluteFilePath(name + QStringLiteral("/teep/agent.pub.pem"));
            lines += QStringLiteral("%1,%2,%3,%4\n")
                         .arg(name, csvDir.relativeFilePath(key), parser.value(csvGroup),
                              faults.deployedAgent || faults.legacyAgent ? QStringLiteral("compatible") : QStringLiteral("standard"))
                         .toUtf8();
        }
        if (csv.write(lines) != lines.size())
            return usage(QStringLiteral("--write-csv: cannot write %1").arg(csv.fileName()));
        out << "wrote " << count << " device(s) to " << csv.fileName() << "\n";
        return 0;
    }
    QElapsedTimer clock;
    clock.start();
    for (auto &device : running)
        device->start();
    QCoreApplication::exec();
    const double seconds = clock.elapsed() / 1000.0;

    std::sort(outcomes.begin(), outcomes.end(), [](const auto &a, const auto &b) { return a.device < b.device; });
    const qsizetype failed = std::count_if(outcomes.cbegin(), outcomes.cend(), [](const auto &o) { return !o.ok; });
    if (parser.isSet(json)) {
        nlohmann::ordered_json summary{{"devices", count}, {"failed", failed}, {"seconds", seconds}, {"results", nlohmann::ordered_json::array()}};
        for (const sim::DeviceOutcome &o : outcomes) {
            nlohmann::ordered_json installed = nlohmann::ordered_json::array();
            for (const QString &ta : o.installed)
                installed.push_back(ta.toStdString());
            nlohmann::ordered_json waiting = nlohmann::ordered_json::array();
            for (const QString &ta : o.waiting)
                waiting.push_back(ta.toStdString());
            summary["results"].push_back({{"device", o.device.toStdString()}, {"ok", o.ok}, {"detail", o.detail.toStdString()},
                                          {"messages", o.exchanges}, {"installed", installed}, {"waiting_for", waiting}});
        }
        out << QString::fromStdString(summary.dump(2)) << "\n";
    } else {
        for (const sim::DeviceOutcome &o : outcomes)
            out << o.device << ": " << (o.ok ? "ok" : "FAILED") << " after " << o.exchanges << " messages (" << o.detail << "); TAs: "
                << (o.installed.isEmpty() ? QStringLiteral("none") : o.installed.join(QStringLiteral(", ")))
                << (o.waiting.isEmpty() ? QString() : QStringLiteral("; waiting for: %1").arg(o.waiting.join(QStringLiteral(", ")))) << "\n";
        out << count - failed << " of " << count << " devices completed in " << QString::number(seconds, 'f', 2) << " s\n";
    }
    return failed == 0 ? 0 : 1;
}
