// Two `teepctl serve` processes on one PostgreSQL database; every device's POSTs alternate
// between them (TEEP and OTrP), and one server is killed mid-batch: the devices go on with the
// survivor, their sessions where they were, nothing committed is lost, every device converges
// (a second run of each line finds nothing to do) and the audit chain verifies. (The _pg run only: an SQLite file is one machine's.)
#include "processrun.h"
#include "store/database.h"
#include "store/sql.h"
#include "tempdir.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QTest>

#include <tuple>

using teep::test::ToolRun;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QString kDevsim = QStringLiteral(TEEP_DEVSIM_PATH);
} // namespace

class TestSharedServe : public QObject
{
    Q_OBJECT

private slots:
    void devicesAlternateBetweenServersAndOneIsKilled();

private:
    QString startServer(QProcess &server);
    qint64 scalar(const QString &sql);

    QString m_database;
    std::unique_ptr<teep::store::Database> m_probe;
};

QString TestSharedServe::startServer(QProcess &server)
{
    server.setProgram(kTeepctl);
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its warnings in the test's log
    server.setArguments({QStringLiteral("--database"), m_database, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--idle-seconds"), QStringLiteral("5")});
    server.start();
    if (!server.waitForStarted(10000))
        return {};
    QDeadlineTimer deadline(20000);
    while (!server.canReadLine() && !deadline.hasExpired())
        server.waitForReadyRead(100);
    const QString line = QString::fromUtf8(server.readLine()).trimmed();
    return line.startsWith(QLatin1String("listening on ")) ? line.section(QLatin1Char(' '), 2, 2) : QString();
}

qint64 TestSharedServe::scalar(const QString &sql)
{
    auto row = teep::store::run(m_probe->connection(), sql);
    return row && row.value().next() ? row.value().value(0).toLongLong() : -1;
}

void TestSharedServe::devicesAlternateBetweenServersAndOneIsKilled()
{
    if (!teep::test::onPostgres())
        QSKIP("several servers share a PostgreSQL database (the _pg run)");
    teep::test::TempDir dir;
    m_database = dir.database(QStringLiteral("shared"));
    const QString demo = dir.path(QStringLiteral("demo"));
    const ToolRun init = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_database, QStringLiteral("demo"), QStringLiteral("init"),
                                                           QStringLiteral("--out"), demo});
    QVERIFY2(init.exitCode == 0, init.err.constData());
    auto probe = teep::store::Database::open(m_database);
    QVERIFY(probe.ok());
    m_probe = std::move(probe).value();

    QProcess first;
    QProcess second;
    const QString firstUri = startServer(first);
    const QString secondUri = startServer(second);
    QVERIFY2(!firstUri.isEmpty() && !secondUri.isEmpty(), first.readAllStandardError() + second.readAllStandardError());
    QVERIFY(firstUri != secondUri);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_servers")), 2); // the second start left the first alone

    // Every device's POSTs alternate between the two servers (a load balancer without session
    // affinity): each message of a session is taken by the other server than the one before.
    // Line a speaks TEEP, line b OTrP.
    const auto batch = [&](const QString &prefix, const QString &profile, const QStringList &servers) {
        QStringList arguments;
        for (const QString &server : servers)
            arguments << QStringLiteral("--tam") << server;
        return arguments + QStringList{QStringLiteral("--demo-dir"), demo, QStringLiteral("--devices"), QStringLiteral("12"), QStringLiteral("--name-prefix"), prefix,
                                       QStringLiteral("--profile"), profile, QStringLiteral("--state-dir"), dir.path(QStringLiteral("state-") + prefix),
                                       QStringLiteral("--fault"), QStringLiteral("slow"), QStringLiteral("--slow-ms"), QStringLiteral("40")};
    };
    QProcess lineA;
    QProcess lineB;
    lineA.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    lineB.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    lineA.start(kDevsim, batch(QStringLiteral("a"), QStringLiteral("teep"), {firstUri, secondUri}));
    lineB.start(kDevsim, batch(QStringLiteral("b"), QStringLiteral("otrp"), {firstUri, secondUri}));
    QVERIFY(lineA.waitForStarted() && lineB.waitForStarted());
    // Both servers at work, sessions half-way (OTrP devices have installed one of their two TAs),
    // then the first is killed outright.
    QTRY_VERIFY_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN tees t ON t.id = i.tee_id JOIN devices d ON d.id = t.device_id "
                                                   "WHERE i.state = 'installed' AND d.name LIKE 'b-%'")) >= 4,
                             30000);
    first.kill();
    QVERIFY(first.waitForFinished(10000));
    QCOMPARE(first.exitStatus(), QProcess::CrashExit);
    QStringList openAtKill;
    {
        auto open = teep::store::run(m_probe->connection(), QStringLiteral("SELECT id FROM sessions WHERE state = 'open'"));
        QVERIFY(open);
        while (open.value().next())
            openAtKill << open.value().value(0).toString();
    }
    QVERIFY(!openAtKill.isEmpty());
    const qint64 atKill = scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'"));
    QVERIFY2(atKill < 48, "the kill came too late to test anything");

    // The devices go on with the survivor, their sessions where they were: the state of each open
    // session is in the database, not in the dead server's memory. The only device that may fail
    // is one whose answer died with the server after its batch committed (the kill follows a
    // commit, when the installations appear): its retry on the survivor names a session that
    // already ended (HTTP 400, nothing recorded), and its next session finds nothing to do.
    for (QProcess *line : {&lineA, &lineB})
        QVERIFY(line->state() == QProcess::NotRunning || line->waitForFinished(90000));
    int lostAnswers = 0;
    for (QProcess *line : {&lineA, &lineB}) {
        const QList<QByteArray> lines = line->readAllStandardOutput().split('\n');
        for (const QByteArray &device : lines) {
            if (!device.contains("FAILED"))
                continue;
            QVERIFY2(device.contains("HTTP 400"), device.constData());
            ++lostAnswers;
        }
    }
    // Sessions that were open when the server died (all began on it) were completed by the survivor.
    const qint64 continued = scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'completed' AND id IN (%1)").arg(openAtKill.join(QLatin1Char(','))));
    qInfo("%lld of %lld session(s) open at the kill completed on the survivor; %d device(s) lost an answer with the killed server", continued,
          qint64(openAtKill.size()), lostAnswers);
    QVERIFY(continued > 0);
    for (const auto &[line, prefix, profile] : {std::tuple{&lineA, QStringLiteral("a"), QStringLiteral("teep")}, std::tuple{&lineB, QStringLiteral("b"), QStringLiteral("otrp")}}) {
        line->start(kDevsim, batch(prefix, profile, {secondUri}));
        QVERIFY(line->waitForFinished(60000));
        const QByteArray summary = line->readAllStandardOutput();
        QVERIFY2(line->exitCode() == 0 && summary.contains("12 of 12 devices completed"), summary.constData());
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")), 24);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")), 48);
    // Nothing was cut off: no session ended as interrupted, none is left open, none is left saved.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE outcome LIKE '%interrupted%'")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM open_sessions")), 0);
    {
        auto failed = teep::store::run(m_probe->connection(), QStringLiteral("SELECT id, profile, outcome FROM sessions WHERE state = 'failed'"));
        QVERIFY(failed);
        while (failed.value().next())
            qWarning("failed session %s (%s): %s", qPrintable(failed.value().value(0).toString()), qPrintable(failed.value().value(1).toString()),
                     qPrintable(failed.value().value(2).toString()));
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'failed'")), 0);
    QTRY_COMPARE_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_servers")), 1, 30000);
    const ToolRun audit = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_database, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(audit.exitCode == 0, audit.out + audit.err);
    second.terminate();
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_servers")), 0); // a clean stop leaves
    m_probe.reset();
}

QTEST_GUILESS_MAIN(TestSharedServe)
#include "tst_sharedserve.moc"
