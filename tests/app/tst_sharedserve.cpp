// Two `teepctl serve` processes on one PostgreSQL database, each with its own devices; one is
// killed mid-batch: the other's devices are not disturbed, it closes the dead one's sessions,
// the cut-off devices then complete on it, nothing committed is lost and the audit chain
// verifies. (The _pg run only: an SQLite file is one machine's.)
#include "processrun.h"
#include "store/database.h"
#include "store/sql.h"
#include "tempdir.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QTest>

using teep::test::ToolRun;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QString kDevsim = QStringLiteral(TEEP_DEVSIM_PATH);
} // namespace

class TestSharedServe : public QObject
{
    Q_OBJECT

private slots:
    void twoServersOneDatabaseOneIsKilled();

private:
    QString startServer(QProcess &server);
    qint64 scalar(const QString &sql);

    QString m_database;
    std::unique_ptr<teep::store::Database> m_probe;
};

QString TestSharedServe::startServer(QProcess &server)
{
    server.setProgram(kTeepctl);
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

void TestSharedServe::twoServersOneDatabaseOneIsKilled()
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

    const auto batch = [&](const QString &prefix) {
        return QStringList{QStringLiteral("--demo-dir"), demo, QStringLiteral("--devices"), QStringLiteral("12"), QStringLiteral("--name-prefix"), prefix,
                           QStringLiteral("--state-dir"), dir.path(QStringLiteral("state-") + prefix), QStringLiteral("--fault"), QStringLiteral("slow"),
                           QStringLiteral("--slow-ms"), QStringLiteral("40")};
    };
    QProcess lineA;
    QProcess lineB;
    lineA.start(kDevsim, QStringList{QStringLiteral("--tam"), firstUri} + batch(QStringLiteral("a")));
    lineB.start(kDevsim, QStringList{QStringLiteral("--tam"), secondUri} + batch(QStringLiteral("b")));
    QVERIFY(lineA.waitForStarted() && lineB.waitForStarted());
    // Both servers at work, then the first is killed outright.
    QTRY_VERIFY_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM installations i JOIN tees t ON t.id = i.tee_id JOIN devices d ON d.id = t.device_id "
                                                   "WHERE i.state = 'installed' AND d.name LIKE 'a-%'")) >= 4,
                             30000);
    first.kill();
    QVERIFY(first.waitForFinished(10000));
    QCOMPARE(first.exitStatus(), QProcess::CrashExit);

    // The second server's devices never noticed.
    QVERIFY(lineB.waitForFinished(60000));
    const QByteArray summaryB = lineB.readAllStandardOutput();
    QVERIFY2(lineB.exitCode() == 0, summaryB.constData());
    QVERIFY(summaryB.contains("12 of 12 devices completed"));
    QVERIFY(lineA.waitForFinished(60000));
    QCOMPARE(lineA.exitCode(), 1); // cut off, and they say so
    const qint64 committed = scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'"));
    QVERIFY2(committed < 48, "the kill came too late to test anything");

    // The survivor closes what the dead server left open (its process is gone), audited.
    QTRY_COMPARE_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")), 0, 30000);
    QVERIFY(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE outcome LIKE '%interrupted: its TAM server stopped%'")) > 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_servers")), 1);

    // The cut-off line finishes on the survivor; the fleet converges.
    lineA.start(kDevsim, QStringList{QStringLiteral("--tam"), secondUri} + batch(QStringLiteral("a")).mid(0, 8));
    QVERIFY(lineA.waitForFinished(60000));
    const QByteArray summaryA = lineA.readAllStandardOutput();
    QVERIFY2(lineA.exitCode() == 0, summaryA.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")), 24);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")), 48);
    const ToolRun audit = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_database, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(audit.exitCode == 0, audit.out + audit.err);
    second.terminate();
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_servers")), 0); // a clean stop leaves
    m_probe.reset();
}

QTEST_GUILESS_MAIN(TestSharedServe)
#include "tst_sharedserve.moc"
