// teepctl serve [--listen ADDR:PORT] [--tls-cert F --tls-key F]  and  teepctl demo init --out DIR
#include "checkpointexport.h"
#include "commands.h"
#include "stopsignals.h"

#include "crypto/pkcs8.h"
#include "store/auditcheckpoints.h"
#include "store/database.h"
#include "store/keystore.h"
#include "demo/demosetup.h"
#include "tam/tamidentity.h"
#include "tam/tamservers.h"
#include "tam/tamservice.h"
#include "tam/teepsettings.h"
#include "transport/listenaddress.h"

#include <QCoreApplication>
#include <QSslKey>
#include <QTimer>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace teepctl {

namespace {
constexpr quint16 kDefaultPort = teep::transport::kDefaultTamPort;

// A serving TAM frees and allocates again the same few hundred kilobytes for every session, and
// glibc gives the top of its heap back to the kernel each time (brk) only to take it again (page
// faults): measured, 7.3 brk calls and 10.4 page faults a TEEP session; with this, 0.2 and 6.2.
// The price: up to 64 MB freed stays with the process instead of going back to the system.
void keepFreedHeap()
{
#if defined(__GLIBC__)
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
}
} // namespace

int runServe(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the TAM without a GUI: TEEP over HTTP on ADDRESS:PORT (127.0.0.1:%1 by default), TAM URI\n"
        "http(s)://ADDRESS:PORT/tam. Prints the URI, then one line per finished device session. Ctrl+C\n"
        "or SIGTERM stops it: the answers it holds are sent once their records are on disk, sessions\n"
        "still in progress are closed as interrupted (their devices start again); a second Ctrl+C ends\n"
        "it at once, and so does any other signal, still without losing what was committed.").arg(kDefaultPort));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Address and port (port 0 picks a free one). Default: the database's (teepctl tam listener), "
                                                   "else 127.0.0.1:%1.")
                                        .arg(kDefaultPort),
                                    QStringLiteral("addr:port"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("HTTPS: the TAM's TLS certificate chain (PEM). Default: the database's (teepctl tam listener)."),
                                     QStringLiteral("file"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"), QStringLiteral("HTTPS: its unencrypted private key (PEM)."), QStringLiteral("file"));
    const QCommandLineOption maxSessions(QStringLiteral("max-sessions"), QStringLiteral("Open sessions at most (default 1000)."), QStringLiteral("n"),
                                         QStringLiteral("1000"));
    const QCommandLineOption idle(QStringLiteral("idle-seconds"), QStringLiteral("A session without a message for this long ends (default 60)."),
                                  QStringLiteral("s"), QStringLiteral("60"));
    const QCommandLineOption suitesOption(QStringLiteral("teep-suites"),
                                          QStringLiteral("TEEP messages signed with and offering: modern (ESP256/Ed25519), legacy (ES256/EdDSA, "
                                                         "agents older than RFC 9864) or both. Default: the database's setting (teepctl tam suites)."),
                                          QStringLiteral("suites"));
    const QCommandLineOption keepFailed(QStringLiteral("keep-failed-days"),
                                        QStringLiteral("Failed sessions and their messages are deleted this many days after they ended; 0 keeps them "
                                                       "(default 30; the audit log keeps each one's outcome)."),
                                        QStringLiteral("days"), QStringLiteral("30"));
    const QCommandLineOption keepUnknown(QStringLiteral("keep-unknown-failed"),
                                         QStringLiteral("Failed sessions of no known device (answers that verified nothing) beyond this many are "
                                                        "deleted, oldest first; 0 keeps them (default 10000)."),
                                         QStringLiteral("count"), QStringLiteral("10000"));
    const QCommandLineOption checkpointMinutes(QStringLiteral("checkpoint-minutes"),
                                               QStringLiteral("A signed audit checkpoint every N minutes while serving, besides one at start and stop; "
                                                              "0: only those (default 60)."),
                                               QStringLiteral("n"), QStringLiteral("60"));
    const QCommandLineOption checkpointExport(QStringLiteral("checkpoint-export"), QStringLiteral("Append each checkpoint to this file (one JSON line)."),
                                              QStringLiteral("file"));
    const QCommandLineOption checkpointSyslog(QStringLiteral("checkpoint-syslog"),
                                              QStringLiteral("Send each checkpoint to local (the system log) or udp:HOST:PORT (RFC 5424)."),
                                              QStringLiteral("target"));
    parser.addOptions({listen, tlsCert, tlsKey, maxSessions, idle, keepFailed, keepUnknown, suitesOption, checkpointMinutes, checkpointExport,
                       checkpointSyslog});
    if (const int code = parseCommand(parser, QStringLiteral("serve"), arguments, context); code >= 0)
        return code;
    if (!parser.positionalArguments().isEmpty())
        return context.usage(QStringLiteral("serve takes no arguments"));
    if (parser.isSet(listen)) {
        if (const auto given = teep::transport::parseListenAddress(parser.value(listen)); !given)
            return context.usage(QStringLiteral("--listen: ") + given.error().message);
    }
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey))
        return context.usage(QStringLiteral("serve: give both --tls-cert and --tls-key, or neither"));
    const auto exportTo = CheckpointExport::fromOptions(parser, checkpointExport.names().first(), checkpointSyslog.names().first());
    if (!exportTo)
        return context.usage(exportTo.error().message);
    bool minutesOk = false;
    const int everyMinutes = parser.value(checkpointMinutes).toInt(&minutesOk);
    if (!minutesOk || everyMinutes < 0 || everyMinutes > 10080)
        return context.usage(QStringLiteral("serve: --checkpoint-minutes takes a number from 0 to 10080 (a week)"));
    std::optional<teep::tam::TeepSuites> suites;
    if (parser.isSet(suitesOption)) {
        const auto parsed = teep::tam::parseTeepSuites(parser.value(suitesOption));
        if (!parsed)
            return context.usage(parsed.error().message);
        suites = parsed.value();
    }

    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::store::Database &db = *opened.value();
    teep::store::KeyStore keys(db.connection());
    const auto active = teep::tam::TamIdentities(db.connection(), keys, context.clock, context.actor).active();
    if (!active)
        return context.fail(active.error());
    if (!active.value().demoUnprotected) {
        if (const teep::Status unlocked = context.unlock(keys); !unlocked)
            return context.fail(unlocked.error());
    }
    const auto credentials = teep::tam::loadActiveTam(db.connection(), keys);
    if (!credentials)
        return context.fail(credentials.error());

    if (const teep::Status servable = teep::store::checkServable(db.connection()); !servable)
        return context.fail(servable.error());
    // Where and how to listen: the options, else what the database says (shared with the console).
    const teep::tam::TeepSettings listenerSettings(db.connection(), context.clock, context.actor);
    const auto storedAddress = listenerSettings.listenAddress();
    const auto storedTls = listenerSettings.tlsFiles();
    if (!storedAddress || !storedTls)
        return context.fail(storedAddress ? storedTls.error() : storedAddress.error());
    const QString address = parser.isSet(listen)                  ? parser.value(listen)
                            : !storedAddress.value().isEmpty()    ? storedAddress.value()
                                                                  : QStringLiteral("127.0.0.1:%1").arg(kDefaultPort);
    const QString certFile = parser.isSet(tlsCert) ? parser.value(tlsCert) : storedTls.value().certificate;
    const QString keyFile = parser.isSet(tlsCert) ? parser.value(tlsKey) : storedTls.value().key;
    const auto options = teep::transport::serverOptions(address, certFile, keyFile);
    if (!options)
        return context.fail(options.error());
    teep::tam::EngineLimits limits;
    limits.maxSessions = qMax(1, parser.value(maxSessions).toInt());
    limits.keepFailedDays = qMax(0, parser.value(keepFailed).toInt());
    limits.keepUnknownFailed = qMax(0, parser.value(keepUnknown).toInt());
    limits.idleSeconds = qMax(1, parser.value(idle).toInt());
    teep::tam::TamService service(db.connection(), credentials.value(), context.clock, limits);
    service.overrideTeepSuites(suites);
    const auto effectiveSuites = suites ? teep::Result<teep::tam::TeepSuites>(*suites)
                                        : teep::tam::TeepSettings(db.connection(), context.clock, context.actor).suites();
    if (!effectiveSuites)
        return context.fail(effectiveSuites.error());
    service.setListener([&context](const teep::tam::SessionEvent &event) {
        if (event.kind != teep::tam::SessionEvent::Kind::Closed)
            return;
        if (context.json)
            context.print({{"session", event.sessionId}, {"profile", event.profile.toStdString()}, {"peer", event.peer.toStdString()},
                           {"device", event.device.toStdString()}, {"outcome", event.summary.toStdString()}});
        else if (event.sessionId == 0) // nobody answered its first message: no row was made
            context.out << "unanswered " << event.profile << " request from " << event.peer << ": " << event.summary << Qt::endl;
        else
            context.out << "session " << event.sessionId << " " << (event.device.isEmpty() ? QStringLiteral("(unknown device)") : event.device) << ": "
                        << event.summary << Qt::endl;
    });
    // The audit log as this TAM finds it, as it goes and as it leaves it, signed: a writer who
    // rewrites the log in between is caught by `teepctl audit verify`, and one who also removes
    // the checkpoints by those exported elsewhere.
    const auto checkpoint = [&] {
        const auto made = teep::store::AuditCheckpoints::make(db.connection(), keys, context.clock, active.value().demoUnprotected);
        const teep::Status sent = made ? exportTo.value().send(made.value()) : teep::Status(made.error());
        if (!sent)
            context.err << "teepctl serve: audit checkpoint: " << sent.error().toString() << Qt::endl;
    };
    checkpoint();
    // Not in the middle of a batch whose commit is still due (the checkpoint would vouch for
    // entries that might never be committed): a moment later.
    QTimer checkpoints;
    std::function<void()> whenCommitted = [&] {
        if (service.hasUncommitted())
            QTimer::singleShot(50, &checkpoints, whenCommitted);
        else
            checkpoint();
    };
    if (everyMinutes > 0) {
        QObject::connect(&checkpoints, &QTimer::timeout, whenCommitted);
        checkpoints.start(std::chrono::minutes(everyMinutes));
    }
    // Other servers on the same database see this one alive even when no device calls.
    QTimer heartbeat;
    QObject::connect(&heartbeat, &QTimer::timeout, [&service] { service.keepAlive(); });
    heartbeat.start(std::chrono::seconds(teep::tam::TamServers::kHeartbeatSeconds));
    teep::transport::TamServer server(service, options.value());
    const StopSignals stopSignals;
    keepFreedHeap();
    const auto uri = server.start();
    if (!uri)
        return context.fail(uri.error());
    const QString suitesName = teep::tam::teepSuitesName(effectiveSuites.value());
    if (context.json)
        context.print({{"listening", uri.value().toStdString()}, {"tam_id", credentials.value().tamId.toStdString()},
                       {"teep_suites", suitesName.toStdString()}});
    else
        context.out << "listening on " << uri.value() << " as TAM " << credentials.value().tamId << " (TEEP suites: " << suitesName << ")" << Qt::endl;
    const int code = QCoreApplication::exec();
    // Stopped: what is held is owed to its devices; the sessions still open cannot go on without
    // this process, so they are closed now rather than at the next start.
    server.stop();
    const teep::Result<int> interrupted = service.interruptOpenSessions();
    checkpoint();
    if (!interrupted)
        return context.fail(interrupted.error());
    const QString signal = stopSignals.received().isEmpty() ? QStringLiteral("request") : stopSignals.received();
    if (context.json)
        context.print({{"stopped", signal.toStdString()}, {"interrupted_sessions", interrupted.value()}});
    else
        context.out << "stopped (" << signal << "): " << interrupted.value() << " session(s) in progress closed as interrupted" << Qt::endl;
    return code;
}

int runDemo(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "init --out DIR   prepares a complete demo in the database: a demo TAM identity (unprotected keys,\n"
        "                 labelled so), demo TEE, firmware and SP signer CAs, two SPs, signed TAs and\n"
        "                 assignments; writes into DIR what teep-devsim needs."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("init"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("The demo directory to write."), QStringLiteral("dir"));
    parser.addOption(out);
    if (const int code = parseCommand(parser, QStringLiteral("demo"), arguments, context); code >= 0)
        return code;
    if (parser.positionalArguments() != QStringList{QStringLiteral("init")} || !parser.isSet(out))
        return context.usage(QStringLiteral("usage: teepctl demo init --out DIR [--database PATH]"));
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::store::KeyStore keys(opened.value()->connection());
    const auto setup = teep::tam::initDemo(opened.value()->connection(), keys, context.clock, context.actor, parser.value(out));
    if (!setup)
        return context.fail(setup.error());
    if (context.json) {
        nlohmann::ordered_json json{{"tam_id", setup.value().tamId.toStdString()}, {"directory", setup.value().directory.toStdString()}};
        for (const QString &ta : setup.value().tas)
            json["tas"].push_back(ta.toStdString());
        context.print(json);
    } else {
        context.out << "demo ready: TAM " << setup.value().tamId << "\n  SPs: " << setup.value().serviceProviders.join(QStringLiteral(", "))
                    << "\n  TAs: " << setup.value().tas.join(QStringLiteral(", ")) << "\n  devices' material: " << setup.value().directory
                    << "\nnext: teepctl serve, then teep-devsim --tam http://127.0.0.1:" << kDefaultPort << "/tam --demo-dir " << setup.value().directory
                    << Qt::endl;
    }
    return kExitOk;
}

} // namespace teepctl
