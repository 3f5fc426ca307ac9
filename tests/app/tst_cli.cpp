// The programs as a user or a script runs them: real processes, real files.
#include "processrun.h"
#include "tempdir.h"
#include "store/migrations.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

using teep::test::readAll;
using teep::test::TempDir;
using teep::test::writeAll;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &arguments)
{
    const teep::test::ToolRun result = teep::test::runProgram(program, arguments);
    return {result.exitCode, QString::fromUtf8(result.out), QString::fromUtf8(result.err)};
}

const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QString kConsole = QStringLiteral(TEEP_CONSOLE_PATH);

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void teepctlVersionAndHelp();
    void teepctlUsageErrors();
    void teepctlCreatesAndDescribesDatabase();
    void teepctlRefusesForeignFileUntouched();
    void consoleVersionAndHelp();
    void consoleStartsOnFreshDatabase();
};

void TestCli::teepctlVersionAndHelp()
{
    const Run version = run(kTeepctl, {QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), QStringLiteral("teepctl 0.1.0"));

    const Run help = run(kTeepctl, {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains(QStringLiteral("--database <path or URI>")));
    for (const QString &command : {QStringLiteral("db info|migrate"), QStringLiteral("tam generate|import|csr"),
                                   QStringLiteral("anchors list|import|show|export|remove"),
                                   QStringLiteral("sp add|add-cert"), QStringLiteral("audit verify|list")})
        QVERIFY2(help.out.contains(command), qPrintable(command));
    QVERIFY(help.out.contains(QStringLiteral("never from the command line")));
}

void TestCli::teepctlUsageErrors()
{
    const Run none = run(kTeepctl, {});
    QCOMPARE(none.exitCode, 64);
    QVERIFY(none.err.contains(QStringLiteral("no command given")));

    const Run unknown = run(kTeepctl, {QStringLiteral("frobnicate")});
    QCOMPARE(unknown.exitCode, 64);
    QVERIFY(unknown.err.contains(QStringLiteral("unknown command 'frobnicate'")));

    const Run badSub = run(kTeepctl, {QStringLiteral("db"), QStringLiteral("drop")});
    QCOMPARE(badSub.exitCode, 64);
}

void TestCli::teepctlCreatesAndDescribesDatabase()
{
    TempDir dir;
    const QString path = dir.path(QStringLiteral("factory/line1.db"));
    const Run migrate = run(kTeepctl, {QStringLiteral("--database"), path, QStringLiteral("db"),
                                       QStringLiteral("migrate")});
    QCOMPARE(migrate.exitCode, 0);
    QCOMPARE(migrate.out.trimmed(), QStringLiteral("database at schema version %1").arg(teep::store::latestSchemaVersion()));

    const Run info = run(kTeepctl, {QStringLiteral("--database"), path, QStringLiteral("--json"),
                                    QStringLiteral("db"), QStringLiteral("info")});
    QCOMPARE(info.exitCode, 0);
    QJsonParseError error;
    const QJsonObject json = QJsonDocument::fromJson(info.out.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(json.value(QStringLiteral("schema_version")).toInt(), teep::store::latestSchemaVersion());
    QCOMPARE(json.value(QStringLiteral("journal_mode")).toString(), QStringLiteral("wal"));
    QVERIFY(json.value(QStringLiteral("path")).toString().endsWith(QStringLiteral("factory/line1.db")));
    QCOMPARE(json.value(QStringLiteral("rows")).toObject().value(QStringLiteral("devices")).toInt(-1), 0);
}

void TestCli::teepctlRefusesForeignFileUntouched()
{
    TempDir dir;
    const QString path = dir.path(QStringLiteral("photo.jpg"));
    const QByteArray bytes = QByteArray::fromHex("ffd8ffe000104a464946000101") + QByteArray(300, 'x');
    writeAll(path, bytes);
    const Run info = run(kTeepctl, {QStringLiteral("--database"), path, QStringLiteral("db"),
                                    QStringLiteral("info")});
    QCOMPARE(info.exitCode, 2);
    QVERIFY(info.err.contains(QStringLiteral("is not an SQLite database")));
    QVERIFY(info.out.isEmpty());
    QCOMPARE(readAll(path), bytes);
}

void TestCli::consoleVersionAndHelp()
{
    const Run version = run(kConsole, {QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), QStringLiteral("teep-console 0.1.0"));
    const Run help = run(kConsole, {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains(QStringLiteral("--database <path or URI>")));
}

void TestCli::consoleStartsOnFreshDatabase()
{
    TempDir dir;
    const QString path = dir.path(QStringLiteral("fresh.db"));
    QProcess console;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path(QStringLiteral("config")));
    console.setProcessEnvironment(env);
    console.start(kConsole, {QStringLiteral("--database"), path});
    QVERIFY(console.waitForStarted());
    // The database is created before the window shows; the console then keeps running.
    QTRY_VERIFY_WITH_TIMEOUT(readAll(path).startsWith("SQLite format 3"), 20000);
    QTest::qWait(1000);
    QCOMPARE(console.state(), QProcess::Running);
    console.terminate();
    QVERIFY(console.waitForFinished(10000));

    const Run info = run(kTeepctl, {QStringLiteral("--database"), path, QStringLiteral("--json"),
                                    QStringLiteral("db"), QStringLiteral("info")});
    QCOMPARE(info.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(info.out.toUtf8()).object().value(QStringLiteral("schema_version")).toInt(), teep::store::latestSchemaVersion());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
