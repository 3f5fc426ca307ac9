#include "processrun.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>

namespace teep::test {

ToolRun runProgram(const QString &program, const QStringList &arguments, const QByteArray &input,
                   QProcessEnvironment environment)
{
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForStarted())
        return {};
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return {-1, process.readAllStandardOutput(), process.readAllStandardError()};
    }
    const int code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return {code, process.readAllStandardOutput(), process.readAllStandardError()};
}

QByteArray serveFirstLine(const QString &teepctl, const QString &database, const QStringList &arguments)
{
    QProcess server;
    server.setProgram(teepctl);
    server.setArguments(QStringList{QStringLiteral("--database"), database, QStringLiteral("serve")} + arguments);
    server.start();
    if (!server.waitForStarted(10000))
        return {};
    QDeadlineTimer deadline(10000);
    while (!server.canReadLine() && !deadline.hasExpired() && server.state() == QProcess::Running)
        server.waitForReadyRead(100);
    const QByteArray line = server.readLine();
    server.terminate();
    server.waitForFinished(10000);
    return line + server.readAllStandardError();
}

QVariant sqliteScalar(const QString &database, const QString &sql)
{
    QVariant value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
        db.setDatabaseName(database);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                value = query.value(0);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("probe"));
    return value;
}

} // namespace teep::test
