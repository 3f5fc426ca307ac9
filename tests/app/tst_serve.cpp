// The headless TAM and the simulator as programs: teepctl demo init, teepctl serve, teep-devsim.
// Killing the TAM (SIGKILL) in the middle of a batch loses no committed state and leaves no
// corrupt row; after a restart the same devices complete. SIGTERM stops it cleanly.
#include "processrun.h"
#include "tempdir.h"

#include <QJsonArray>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QUdpSocket>

using teep::test::ToolRun;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QString kDevsim = QStringLiteral(TEEP_DEVSIM_PATH);
} // namespace

class TestServe : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void demoServeAndDevices();
    void killDuringBatchLosesNothing();
    void terminateStopsCleanly();
    void registeredDevicesOnly();
    void deployedAgentsAsTheReadmeSays();
    void approvalQueueFromTheCommandLine();
    void publishedVersionReachesBothProfiles();
    void usageErrors();
    void filesArePrivateAndBadStartsAreRefused();
    void anRsaTlsKeyInPkcs8Serves();

private:
    // Starts `teepctl serve` on a free port; returns its TAM URI.
    QString startServer(QProcess &server, const QStringList &extra = {});
    // Runs `teepctl --database DB serve ARGUMENTS` until its first line (or its end); stops it and
    // returns that line with what it said on stderr.
    QByteArray serveFirstLine(const QStringList &arguments);
    QVariant scalar(const QString &sql);

    std::unique_ptr<teep::test::TempDir> m_dir;
    QString m_db;
    QString m_demo;
};

void TestServe::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_db = m_dir->path(QStringLiteral("tam.db"));
    m_demo = m_dir->path(QStringLiteral("demo"));
    const ToolRun demo = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("demo"), QStringLiteral("init"),
                                                           QStringLiteral("--out"), m_demo});
    QVERIFY2(demo.exitCode == 0, demo.err.constData());
    QVERIFY(demo.out.contains("demo ready: TAM urn:uuid:"));
}

QString TestServe::startServer(QProcess &server, const QStringList &extra)
{
    server.setProgram(kTeepctl);
    server.setArguments(QStringList{QStringLiteral("--database"), m_db, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                    QStringLiteral("--idle-seconds"), QStringLiteral("5")} +
                        extra);
    server.start();
    if (!server.waitForStarted(10000))
        return {};
    QDeadlineTimer deadline(10000);
    while (!server.canReadLine() && !deadline.hasExpired())
        server.waitForReadyRead(100);
    const QString line = QString::fromUtf8(server.readLine()).trimmed();
    return line.startsWith(QLatin1String("listening on ")) ? line.section(QLatin1Char(' '), 2, 2) : QString();
}

QByteArray TestServe::serveFirstLine(const QStringList &arguments)
{
    return teep::test::serveFirstLine(kTeepctl, m_db, arguments);
}

QVariant TestServe::scalar(const QString &sql)
{
    return teep::test::sqliteScalar(m_db, sql);
}

void TestServe::demoServeAndDevices()
{
    QProcess server;
    const QString uri = startServer(server);
    QVERIFY2(uri.startsWith(QLatin1String("http://127.0.0.1:")), qPrintable(uri + QString::fromUtf8(server.readAllStandardError())));
#ifdef Q_OS_LINUX
    // Its memory holds the TAM's unlocked keys: it never writes a core file.
    QFile limits(QStringLiteral("/proc/%1/limits").arg(server.processId()));
    QVERIFY(limits.open(QIODevice::ReadOnly));
    QByteArray core;
    for (const QByteArray &line : limits.readAll().split('\n')) {
        if (line.startsWith("Max core file size"))
            core = line;
    }
    QVERIFY2(core.simplified().startsWith("Max core file size 0 0"), core.constData());
#endif
    ToolRun run = teep::test::runProgram(kDevsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--devices"),
                                                   QStringLiteral("4"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    const QJsonObject summary = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(summary.value(QStringLiteral("failed")).toInt(), 0);
    QCOMPARE(summary.value(QStringLiteral("results")).toArray().size(), 4);
    QCOMPARE(summary.value(QStringLiteral("results")).toArray().first().toObject().value(QStringLiteral("installed")).toArray().size(), 2);

    // A fault: the TAM refuses the device, the simulator says so, the fleet has no such device.
    run = teep::test::runProgram(kDevsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--fault"),
                                           QStringLiteral("untrusted-tee-ca"), QStringLiteral("--name-prefix"), QStringLiteral("rogue")});
    QVERIFY(run.out.contains("rogue-0001: ok after 2 messages"));
    QVERIFY(run.out.contains("TAs: none"));

    const ToolRun devices = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("devices"), QStringLiteral("list"),
                                                              QStringLiteral("--json")});
    QCOMPARE(devices.exitCode, 0);
    const QJsonArray fleet = QJsonDocument::fromJson(devices.out).array();
    QCOMPARE(fleet.size(), 4);
    QCOMPARE(fleet.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("sim-0001"));
    const QJsonObject tee = fleet.first().toObject().value(QStringLiteral("tees")).toArray().first().toObject();
    QCOMPARE(tee.value(QStringLiteral("attestation")).toString(), QStringLiteral("affirming"));
    QCOMPARE(tee.value(QStringLiteral("security_domains")).toArray().size(), 2);
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
    QVERIFY(server.readAllStandardOutput().contains("sim-0001: CreateSD"));
}

void TestServe::killDuringBatchLosesNothing()
{
    const QStringList batch = {QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--devices"), QStringLiteral("30"), QStringLiteral("--state-dir"),
                               m_dir->path(QStringLiteral("state")), QStringLiteral("--fault"), QStringLiteral("slow"), QStringLiteral("--slow-ms"),
                               QStringLiteral("40")};
    QProcess server;
    QString uri = startServer(server);
    QVERIFY(!uri.isEmpty());
    QProcess devsim;
    devsim.start(kDevsim, QStringList{QStringLiteral("--tam"), uri} + batch);
    QVERIFY(devsim.waitForStarted());
    // Let part of the batch commit, then kill the TAM outright.
    QTRY_VERIFY_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt() >= 6, 30000);
    server.kill();
    QVERIFY(server.waitForFinished(10000));
    QCOMPARE(server.exitStatus(), QProcess::CrashExit);
    QVERIFY(devsim.waitForFinished(60000));
    QCOMPARE(devsim.exitCode(), 1); // the devices cut off say so
    QVERIFY(devsim.readAllStandardOutput().contains("FAILED"));
    const int committed = scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt();
    QVERIFY2(committed < 60, "the kill came too late to test anything");

    // Nothing corrupt, the audit chain intact, what was committed still there.
    QCOMPARE(scalar(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
    QCOMPARE(scalar(QStringLiteral("PRAGMA foreign_key_check")), QVariant());
    ToolRun audit = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(audit.exitCode == 0, audit.out + audit.err);
    QVERIFY(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt() > 0);

    // Restarted, the TAM closes the interrupted sessions; the same devices then complete.
    uri = startServer(server);
    QVERIFY(!uri.isEmpty());
    QTRY_COMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 0);
    QVERIFY(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE outcome LIKE '%interrupted: its TAM server stopped%'")).toInt() > 0);
    devsim.start(kDevsim, QStringList{QStringLiteral("--tam"), uri} + batch.mid(0, 6));
    QVERIFY(devsim.waitForFinished(60000));
    const QByteArray summary = devsim.readAllStandardOutput();
    QVERIFY2(devsim.exitCode() == 0, summary.constData());
    QVERIFY(summary.contains("30 of 30 devices completed"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 30);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 60);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM security_domains")).toInt(), 60);
    audit = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify")});
    QCOMPARE(audit.exitCode, 0);
    server.terminate();
    server.waitForFinished(10000);
}

void TestServe::terminateStopsCleanly()
{
    // Its audit checkpoints (at start and at stop) go to a file and to a syslog collector.
    QUdpSocket collector;
    QVERIFY(collector.bind(QHostAddress::LocalHost, 0));
    const QString exported = m_dir->path(QStringLiteral("checkpoints.jsonl"));
    QProcess server;
    const QString uri = startServer(server, {QStringLiteral("--checkpoint-export"), exported, QStringLiteral("--checkpoint-syslog"),
                                             QStringLiteral("udp:127.0.0.1:%1").arg(collector.localPort())});
    QVERIFY(!uri.isEmpty());
    QProcess devsim;
    devsim.start(kDevsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--devices"), QStringLiteral("20"),
                           QStringLiteral("--fault"), QStringLiteral("slow"), QStringLiteral("--slow-ms"), QStringLiteral("40")});
    QVERIFY(devsim.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt() >= 4, 30000);
    server.terminate(); // SIGTERM, in the middle of the devices' sessions
    QVERIFY(server.waitForFinished(10000));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
    const QByteArray out = server.readAllStandardOutput();
    QVERIFY2(out.contains("stopped (SIGTERM): "), out.constData());
    QVERIFY(devsim.waitForFinished(60000));
    QCOMPARE(devsim.exitCode(), 1); // the devices cut off say so

    // No session is left open for the next start to find: those in progress are closed now, the
    // count printed is the count closed, and the audit chain records it.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 0);
    const int interrupted = scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE outcome LIKE '%interrupted: the TAM stopped%'")).toInt();
    QVERIFY(interrupted > 0);
    QVERIFY2(out.contains("stopped (SIGTERM): " + QByteArray::number(interrupted) + " session(s) in progress closed as interrupted"), out.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'session.interrupted'")).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
    const ToolRun audit = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(audit.exitCode == 0, audit.out + audit.err);

    QByteArray syslogLines;
    while (collector.hasPendingDatagrams()) {
        QByteArray datagram(int(collector.pendingDatagramSize()), '\0');
        collector.readDatagram(datagram.data(), datagram.size());
        // RFC 5424: <authpriv.notice>1 TIME HOST teep-tam PID audit-checkpoint - {...}
        QVERIFY2(datagram.startsWith("<85>1 ") && datagram.contains(" teep-tam ") && datagram.contains(" audit-checkpoint - {\"at\""), datagram.constData());
        syslogLines += datagram + '\n';
    }
    QCOMPARE(syslogLines.count('\n'), 2);
    QCOMPARE(teep::test::readAll(exported).count('\n'), 2);
    const QString syslogFile = m_dir->path(QStringLiteral("syslog.txt"));
    teep::test::writeAll(syslogFile, syslogLines);
    for (const QString &file : {exported, syslogFile}) {
        const ToolRun checked = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify"),
                                                                  QStringLiteral("--checkpoints"), file});
        QVERIFY2(checked.exitCode == 0 && checked.out.contains("2 signed checkpoint(s) and 2 exported vouch for entries 1 to "), checked.out + checked.err);
    }
}

void TestServe::registeredDevicesOnly()
{
    auto teepctl = [this](const QStringList &arguments) {
        return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db} + arguments);
    };
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("admission")}).out.trimmed(), QByteArray("admission: attested"));
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("admission"), QStringLiteral("registered")}).exitCode, 0);
    QProcess server;
    const QString uri = startServer(server);
    QVERIFY(!uri.isEmpty());
    const QStringList device = {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--state-dir"),
                                m_dir->path(QStringLiteral("state")), QStringLiteral("--name-prefix"), QStringLiteral("line")};
    // Trusted TEE certificate, but not on the factory list: refused, nothing installed.
    ToolRun run = teep::test::runProgram(kDevsim, device);
    QVERIFY(run.out.contains("TAs: none"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
    QVERIFY(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("no registered device")));

    // Registered into a group (its certificate from the factory), it is accepted and gets its TAs.
    ToolRun added = teepctl({QStringLiteral("devices"), QStringLiteral("add"), QStringLiteral("line-7 unit 1"), QStringLiteral("--tee-cert"),
                             m_dir->path(QStringLiteral("state/line-0001/primary/tee.pem")), QStringLiteral("--group"), QStringLiteral("line-7")});
    QVERIFY2(added.exitCode == 0, added.err.constData());
    run = teep::test::runProgram(kDevsim, device);
    QVERIFY2(run.exitCode == 0, run.out.constData());
    QVERIFY(run.out.contains("TAs: acme-wallet v2, globex-drm v1"));
    const QJsonArray fleet = QJsonDocument::fromJson(teepctl({QStringLiteral("devices"), QStringLiteral("list"), QStringLiteral("--json")}).out).array();
    QCOMPARE(fleet.size(), 1);
    QCOMPARE(fleet.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("line-7 unit 1"));
    QCOMPARE(fleet.first().toObject().value(QStringLiteral("identity")).toString(), QStringLiteral("registered"));
    QCOMPARE(fleet.first().toObject().value(QStringLiteral("group")).toString(), QStringLiteral("line-7"));
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("add"), QStringLiteral("again"), QStringLiteral("--tee-cert"),
                      m_dir->path(QStringLiteral("state/line-0001/primary/tee.pem"))})
                 .exitCode,
             2);
    server.terminate();
    server.waitForFinished(10000);
}

void TestServe::deployedAgentsAsTheReadmeSays()
{
    auto teepctl = [this](const QStringList &arguments) {
        return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db} + arguments);
    };
    const QStringList simulated = {QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--state-dir"), m_dir->path(QStringLiteral("state")),
                                   QStringLiteral("--profile"), QStringLiteral("teep"), QStringLiteral("--agent-profile"), QStringLiteral("deployed"),
                                   QStringLiteral("--devices"), QStringLiteral("3"), QStringLiteral("--name-prefix"), QStringLiteral("unit")};
    // The factory list: the devices' identities made, their agent keys listed; imported all or none.
    const QString list = m_dir->path(QStringLiteral("line-7.csv"));
    ToolRun run = teep::test::runProgram(kDevsim, simulated + QStringList{QStringLiteral("--tam"), QStringLiteral("http://127.0.0.1:1/tam"),
                                                                          QStringLiteral("--write-csv"), list, QStringLiteral("--csv-group"),
                                                                          QStringLiteral("line-7")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QByteArray csv = teep::test::readAll(list);
    QCOMPARE(csv.count('\n'), 4); // header and three devices
    teep::test::writeAll(m_dir->path(QStringLiteral("broken.csv")), csv + "unit-0004,missing.pem,line-7,compatible\n");
    run = teepctl({QStringLiteral("devices"), QStringLiteral("import"), m_dir->path(QStringLiteral("broken.csv"))});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("broken.csv: nothing registered") && run.err.contains("line 5: missing.pem: the key file cannot be read"), run.err.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
    run = teepctl({QStringLiteral("devices"), QStringLiteral("import"), list});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices WHERE compat_profile = 'compatible' AND identity_source = 'registered'")).toInt(), 3);
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("attestation-policy"), QStringLiteral("--group"), QStringLiteral("line-7"),
                      QStringLiteral("registered-key")})
                 .exitCode,
             0);

    // The listener's default suites (modern): the agents cannot verify it and say so; teep-devsim
    // fails them and says why.
    QProcess server;
    QString uri = startServer(server);
    QVERIFY(!uri.isEmpty());
    run = teep::test::runProgram(kDevsim, simulated + QStringList{QStringLiteral("--tam"), uri});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("unit-0001: FAILED") && run.out.contains("ERR_UNSUPPORTED_CIPHER_SUITES"), run.out.constData());
    server.terminate();
    QVERIFY(server.waitForFinished(10000));

    // Legacy suites: served, identified by their registered keys, every TA by URI under 1 KB.
    QCOMPARE(teepctl({QStringLiteral("tam"), QStringLiteral("suites"), QStringLiteral("legacy")}).exitCode, 0);
    uri = startServer(server);
    run = teep::test::runProgram(kDevsim, simulated + QStringList{QStringLiteral("--tam"), uri, QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.out.constData());
    QCOMPARE(QJsonDocument::fromJson(run.out).object().value(QStringLiteral("failed")).toInt(), 0);
    const QJsonArray fleet = QJsonDocument::fromJson(teepctl({QStringLiteral("devices"), QStringLiteral("list"), QStringLiteral("--json")}).out).array();
    QCOMPARE(fleet.size(), 3);
    for (const QJsonValue &device : fleet) {
        QVERIFY(device.toObject().value(QStringLiteral("last_outcome")).toString().startsWith(QStringLiteral("completed: ")));
        QCOMPARE(device.toObject().value(QStringLiteral("tees")).toArray().first().toObject().value(QStringLiteral("attestation")).toString(),
                 QStringLiteral("identified"));
    }
    QCOMPARE(scalar(QStringLiteral("SELECT MAX(LENGTH(body)) <= 1024 FROM session_messages m JOIN sessions s ON s.id = m.session_id "
                                   "WHERE m.direction = 'to-device' AND s.state = 'completed'")).toInt(), 1);
    QVERIFY(teepctl({QStringLiteral("devices"), QStringLiteral("list")}).out.contains("attestation: identified, not attested"));
    server.terminate();
    QVERIFY(server.waitForFinished(10000));

    // The line's provisioning record: one row per device with who registered it; a window that
    // ends before the run holds none; a time that is not one is a usage error.
    run = teepctl({QStringLiteral("devices"), QStringLiteral("report"), QStringLiteral("--group"), QStringLiteral("line-7")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QList<QByteArray> report = run.out.split('\n');
    QCOMPARE(report.size(), 5); // header, three devices, the rest after the last CRLF
    for (int i = 1; i <= 3; ++i) {
        QVERIFY2(report.at(i).startsWith("unit-000"), report.at(i).constData());
        QVERIFY2(report.at(i).contains(",line-7,registered,") && report.at(i).contains(",identified,") && report.at(i).contains("completed: "),
                 report.at(i).constData());
    }
    run = teepctl({QStringLiteral("devices"), QStringLiteral("report"), QStringLiteral("--until"), QStringLiteral("2020-01-01T00:00:00Z")});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out.count('\n'), 1); // the header alone
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("report"), QStringLiteral("--since"), QStringLiteral("yesterday")}).exitCode, 64);
}

void TestServe::approvalQueueFromTheCommandLine()
{
    QProcess server;
    const QString uri = startServer(server);
    QVERIFY2(uri.startsWith(QLatin1String("http://127.0.0.1:")), qPrintable(uri));
    const QStringList device = {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--profile"), QStringLiteral("teep"),
                                QStringLiteral("--state-dir"), m_dir->path(QStringLiteral("state")), QStringLiteral("--json")};
    auto installed = [](const ToolRun &run) {
        QStringList tas;
        for (const QJsonValue &ta : QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray().first().toObject().value(
                 QStringLiteral("installed")).toArray())
            tas << ta.toString();
        return tas;
    };
    // A client app that needs Globex's player (held by the demo's policy) and bundles ACME's notes (approved).
    ToolRun run = teep::test::runProgram(kDevsim, device + QStringList{QStringLiteral("--install-app"), QStringLiteral("media:globex-player,acme-notes"),
                                                                       QStringLiteral("--bundle"),
                                                                       QStringLiteral("acme-notes=") + m_demo + QStringLiteral("/ta-acme-notes-v1.bin")});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    QVERIFY2(installed(run).contains(QStringLiteral("acme-notes v1")), run.out);
    QVERIFY(!installed(run).contains(QStringLiteral("globex-player v1")));
    QCOMPARE(QJsonDocument::fromJson(run.out).object().value(QStringLiteral("results")).toArray().first().toObject().value(QStringLiteral("waiting_for")).toArray().first().toString(),
             QStringLiteral("globex-player"));

    ToolRun queue = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("requests"), QStringLiteral("list"),
                                                      QStringLiteral("--status"), QStringLiteral("pending"), QStringLiteral("--json")});
    QCOMPARE(queue.exitCode, 0);
    const QJsonArray pending = QJsonDocument::fromJson(queue.out).array();
    QCOMPARE(pending.size(), 1);
    const QJsonObject request = pending.first().toObject();
    QCOMPARE(request.value(QStringLiteral("taid")).toString(), QStringLiteral("globex-player"));
    QCOMPARE(request.value(QStringLiteral("device")).toString(), QStringLiteral("sim-0001"));
    QCOMPARE(request.value(QStringLiteral("signer")).toString(), QStringLiteral("Globex Media"));
    const ToolRun approve = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("requests"), QStringLiteral("approve"),
                                                              QString::number(request.value(QStringLiteral("id")).toInteger()), QStringLiteral("--reason"),
                                                              QStringLiteral("licensed")});
    QVERIFY2(approve.exitCode == 0, approve.err.constData());
    const ToolRun unknown = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("requests"), QStringLiteral("refuse"),
                                                              QStringLiteral("999")});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.err.contains("no request 999"));

    run = teep::test::runProgram(kDevsim, device);
    QVERIFY2(installed(run).contains(QStringLiteral("globex-player v1")), run.out);
    // The app removed: both TAs go (the operator assigned neither).
    run = teep::test::runProgram(kDevsim, device + QStringList{QStringLiteral("--remove-app"), QStringLiteral("media")});
    QCOMPARE(installed(run), (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    queue = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("requests"), QStringLiteral("list")});
    QCOMPARE(queue.out.count("withdrawn"), 2);
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
}

void TestServe::publishedVersionReachesBothProfiles()
{
    QFile binary(m_dir->path(QStringLiteral("wallet-3.bin")));
    QVERIFY(binary.open(QIODevice::WriteOnly));
    binary.write(QByteArray("ACME Wallet version 3\n").repeated(50));
    binary.close();
    const ToolRun published = teep::test::runProgram(
        kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("ta"), QStringLiteral("publish"), QStringLiteral("acme"), binary.fileName(),
                   QStringLiteral("--taid"), QStringLiteral("acme-wallet"), QStringLiteral("--ta-version"), QStringLiteral("3"), QStringLiteral("--key"),
                   m_demo + QStringLiteral("/sp-acme.key.pem"), QStringLiteral("--cert"), m_demo + QStringLiteral("/sp-acme.pem"), QStringLiteral("--json")});
    QVERIFY2(published.exitCode == 0, published.err.constData());
    QVERIFY(QJsonDocument::fromJson(published.out).object().value(QStringLiteral("suit_manifest_bytes")).toInt() > binary.size());
    // The wrong SP's key: refused, nothing added.
    const ToolRun foreign = teep::test::runProgram(
        kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("ta"), QStringLiteral("publish"), QStringLiteral("acme"), binary.fileName(),
                   QStringLiteral("--taid"), QStringLiteral("acme-wallet"), QStringLiteral("--ta-version"), QStringLiteral("4"), QStringLiteral("--key"),
                   m_demo + QStringLiteral("/sp-globex.key.pem"), QStringLiteral("--cert"), m_demo + QStringLiteral("/sp-globex.pem")});
    QCOMPARE(foreign.exitCode, 2);
    QCOMPARE(scalar(QStringLiteral("SELECT MAX(sequence_number) FROM ta_versions v JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = 'acme-wallet'")).toInt(), 3);
    const ToolRun list = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("ta"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(list.out).array().size(), 6); // the demo's five versions and this one

    QProcess server;
    const QString uri = startServer(server);
    QVERIFY(!uri.isEmpty());
    for (const QString &profile : {QStringLiteral("teep"), QStringLiteral("otrp")}) {
        const ToolRun run = teep::test::runProgram(kDevsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), m_demo, QStringLiteral("--profile"),
                                                             profile, QStringLiteral("--name-prefix"), profile});
        QVERIFY2(run.exitCode == 0 && run.out.contains("acme-wallet v3"), run.out + run.err);
    }
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
}

void TestServe::usageErrors()
{
    QCOMPARE(teep::test::runProgram(kDevsim, {}).exitCode, 64);
    QCOMPARE(teep::test::runProgram(kDevsim, {QStringLiteral("--tam"), QStringLiteral("ftp://x"), QStringLiteral("--demo-dir"), m_demo}).exitCode, 64);
    QCOMPARE(teep::test::runProgram(kDevsim, {QStringLiteral("--tam"), QStringLiteral("http://127.0.0.1:1/tam"), QStringLiteral("--demo-dir"),
                                              m_dir->path(QStringLiteral("nowhere"))})
                 .exitCode,
             2);
    QCOMPARE(teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("nonsense")})
                 .exitCode,
             64);
    const ToolRun again = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("demo"), QStringLiteral("init"),
                                                            QStringLiteral("--out"), m_demo});
    QCOMPARE(again.exitCode, 2);
    QVERIFY(again.err.contains("already holds a demo"));
}

void TestServe::filesArePrivateAndBadStartsAreRefused()
{
    // Whatever the umask this test runs under, what the programs made is their user's alone.
    const auto privateMode = [](const QString &path) {
        return (QFileInfo(path).permissions() & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther)) == 0;
    };
    QVERIFY2(privateMode(m_db), qPrintable(QString::number(QFileInfo(m_db).permissions(), 16)));
    QVERIFY(privateMode(m_db + QStringLiteral("-wal")) || !QFileInfo::exists(m_db + QStringLiteral("-wal")));
    const QFileInfoList demoFiles = QDir(m_demo).entryInfoList(QDir::Files);
    QVERIFY(!demoFiles.isEmpty());
    for (const QFileInfo &file : demoFiles)
        QVERIFY2(privateMode(file.filePath()), qPrintable(file.filePath()));

    // A passphrase file other users can read is refused, with what to do about it.
    const QString passphrase = m_dir->path(QStringLiteral("passphrase.txt"));
    QFile secret(passphrase);
    QVERIFY(secret.open(QIODevice::WriteOnly));
    secret.write("correct horse battery staple\n");
    secret.close();
    QVERIFY(QFile::setPermissions(passphrase, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    const ToolRun open = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_dir->path(QStringLiteral("other.db")), QStringLiteral("--passphrase"),
                                                           QStringLiteral("file:") + passphrase, QStringLiteral("tam"), QStringLiteral("generate")});
    QVERIFY(open.exitCode != 0);
    QVERIFY2(open.err.contains("other users may read or change it") && open.err.contains("chmod 600"), open.err.constData());

    // A zero-byte file is not silently a new database, and stays zero bytes.
    const QString empty = m_dir->path(QStringLiteral("empty.db"));
    QFile(empty).open(QIODevice::WriteOnly);
    const ToolRun onEmpty = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), empty, QStringLiteral("serve"), QStringLiteral("--listen"),
                                                              QStringLiteral("127.0.0.1:0")});
    QVERIFY(onEmpty.exitCode != 0);
    QVERIFY2(onEmpty.err.contains("is empty (0 bytes)"), onEmpty.err.constData());
    QCOMPARE(QFileInfo(empty).size(), 0);

    // A damaged database: the server does not start (it used to, then answered every device 500).
    const QString damaged = m_dir->path(QStringLiteral("damaged.db"));
    QVERIFY(QFile::copy(m_db, damaged));
    QFile bytes(damaged);
    QVERIFY(bytes.open(QIODevice::ReadWrite));
    QVERIFY(bytes.size() > 8 * 4096);
    // Each page's header (b-tree page type and cell count, or an overflow page's next-page number):
    // damage SQLite's check finds wherever the file's rows happen to lie. (Bytes in the middle of
    // a page can fall inside a value, which no check sees.)
    for (qint64 page = 2; page < bytes.size() / 4096; page += 3) {
        bytes.seek((page - 1) * 4096);
        bytes.write(QByteArray(16, '\xA5'));
    }
    bytes.close();
    const ToolRun onDamaged = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), damaged, QStringLiteral("serve"), QStringLiteral("--listen"),
                                                                QStringLiteral("127.0.0.1:0")});
    QVERIFY(onDamaged.exitCode != 0);
    QVERIFY2(!onDamaged.out.contains("listening on"), onDamaged.out.constData());
    QVERIFY2(onDamaged.err.contains("damaged") || onDamaged.err.contains("malformed") || onDamaged.err.contains("corrupt"), onDamaged.err.constData());
}

void TestServe::anRsaTlsKeyInPkcs8Serves()
{
    // `openssl req` writes RSA keys as PKCS#8 ("BEGIN PRIVATE KEY"): the key type comes from
    // what the key parses as, not from the word RSA in its label.
    const QString key = m_dir->path(QStringLiteral("tls.key"));
    const QString cert = m_dir->path(QStringLiteral("tls.pem"));
    const ToolRun made = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                                                                            QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"), key,
                                                                            QStringLiteral("-out"), cert, QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                                                                            QStringLiteral("-days"), QStringLiteral("2")});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    QFile pem(key);
    QVERIFY(pem.open(QIODevice::ReadOnly));
    QVERIFY(pem.readAll().startsWith("-----BEGIN PRIVATE KEY-----"));
    const QByteArray line = serveFirstLine({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--tls-cert"), cert,
                                            QStringLiteral("--tls-key"), key});
    QVERIFY2(line.startsWith("listening on https://127.0.0.1:"), line.constData());
}

QTEST_GUILESS_MAIN(TestServe)
#include "tst_serve.moc"
