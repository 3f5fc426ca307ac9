#include "tempdir.h"

#include "store/sql.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUrl>

namespace teep::test {

namespace {

// The test server's URI (postgresql://teep@127.0.0.1:PORT/postgres), read once.
QString serverUri()
{
    static const QString uri = [] {
        const QString file = qEnvironmentVariable("TEEP_TEST_POSTGRES");
        const QString text = QString::fromUtf8(readAll(file)).trimmed();
        if (text.isEmpty())
            qFatal("TEEP_TEST_POSTGRES names %s, which holds no server URI: is the postgres fixture (tests/support/postgres.sh) running?",
                   qPrintable(file));
        return text;
    }();
    return uri;
}

// Runs one statement on the server's maintenance database (CREATE/DROP DATABASE).
void administer(const QString &sql)
{
    static QAtomicInteger<int> counter;
    const QString name = QStringLiteral("teep-test-admin-%1").arg(counter.fetchAndAddRelaxed(1));
    {
        const QUrl url(serverUri());
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setUserName(url.userName());
        db.setDatabaseName(url.path().mid(1));
        if (!db.open())
            qFatal("cannot reach the test PostgreSQL server %s: %s", qPrintable(serverUri()), qPrintable(db.lastError().text()));
        QSqlQuery query(db);
        if (!query.exec(sql))
            qFatal("%s failed: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace

bool onPostgres()
{
    return qEnvironmentVariableIsSet("TEEP_TEST_POSTGRES");
}

TempDir::TempDir()
{
    if (!m_dir.isValid())
        qFatal("cannot create a temporary folder: %s", qPrintable(m_dir.errorString()));
}

TempDir::~TempDir()
{
    // WITH (FORCE): a connection the test left open (a server process it killed) does not keep
    // the database.
    for (const QString &database : std::as_const(m_postgresDatabases))
        administer(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(database));
}

QString TempDir::database(const QString &name)
{
    if (!onPostgres())
        return path(name);
    auto found = m_postgresDatabases.constFind(name);
    if (found == m_postgresDatabases.constEnd()) {
        const QString database =
            QStringLiteral("teep_test_%1").arg(QRandomGenerator::system()->generate64() & 0xffffffffffffULL, 12, 16, QLatin1Char('0'));
        administer(QStringLiteral("CREATE DATABASE %1").arg(database));
        found = m_postgresDatabases.insert(name, database);
    }
    QString uri = serverUri();
    return uri.left(uri.lastIndexOf(QLatin1Char('/')) + 1) + found.value();
}

QString TempDir::path(const QString &name) const
{
    return m_dir.filePath(name);
}

qint64 rowCount(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

namespace {
bool isPostgres(const QSqlDatabase &db)
{
    return store::engineOf(db) == store::Engine::Postgres;
}
} // namespace

bool refuseInserts(const QSqlDatabase &db, const QString &table, const QString &message)
{
    QSqlQuery query(db);
    if (!isPostgres(db))
        return query.exec(QStringLiteral("CREATE TRIGGER refuse_%1 BEFORE INSERT ON %1 BEGIN SELECT RAISE(ABORT, '%2'); END").arg(table, message));
    return query.exec(QStringLiteral("CREATE FUNCTION refuse_%1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%2'; END $$")
                          .arg(table, message)) &&
           query.exec(QStringLiteral("CREATE TRIGGER refuse_%1 BEFORE INSERT ON %1 FOR EACH ROW EXECUTE FUNCTION refuse_%1()").arg(table));
}

bool allowInserts(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    return query.exec(isPostgres(db) ? QStringLiteral("DROP TRIGGER refuse_%1 ON %1").arg(table) : QStringLiteral("DROP TRIGGER refuse_%1").arg(table));
}

bool dropAuditProtection(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (isPostgres(db))
        return query.exec(QStringLiteral("DROP TRIGGER audit_log_no_change ON audit_log"));
    return query.exec(QStringLiteral("DROP TRIGGER audit_log_no_update")) && query.exec(QStringLiteral("DROP TRIGGER audit_log_no_delete"));
}

bool postgresExec(const QString &uri, const QString &sql)
{
    const QUrl url(uri);
    bool done = false;
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("raw"));
        raw.setHostName(url.host());
        raw.setPort(url.port());
        raw.setUserName(url.userName());
        raw.setDatabaseName(url.path().mid(1));
        done = raw.open() && QSqlQuery(raw).exec(sql);
        raw.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    return done;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    // As the programs make theirs: its owner's alone (a passphrase file may be refused otherwise).
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace teep::test
