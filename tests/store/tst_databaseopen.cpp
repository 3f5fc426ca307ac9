// Opening a database by its location: locations that name nothing usable, a PostgreSQL server's
// problems said clearly, several openers at once migrating once, and other writers' changes seen.
#include "store/database.h"
#include "store/migrations.h"
#include "store/sql.h"
#include "tempdir.h"

#include <QFile>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>
#include <QThread>
#include <QUrl>

#include <atomic>

using teep::store::Database;
using teep::test::onPostgres;
using teep::test::postgresExec;
using teep::test::readAll;
using teep::test::TempDir;
using teep::test::writeAll;

namespace {

QVariant scalar(const Database &db, const QString &sql)
{
    QSqlQuery query(db.connection());
    return query.exec(sql) && query.next() ? query.value(0) : QVariant();
}

} // namespace

class TestDatabaseOpen : public QObject
{
    Q_OBJECT

private slots:
    void badLocationsAreRefused();
    void postgresServerProblemsAreClear();
    void concurrentOpensMigrateOnce();
    void dataVersionMovesWithOtherWriters();
};

// Locations that name no usable database are refused before anything connects or writes.
void TestDatabaseOpen::badLocationsAreRefused()
{
    struct Case
    {
        QString location;
        QString says;
    };
    const QList<Case> cases{
        {QStringLiteral("postgresql://teep:secret@127.0.0.1:5432/fleet"), QStringLiteral("~/.pgpass")},
        {QStringLiteral("postgresql://teep@127.0.0.1:5432/fleet?password=secret"), QStringLiteral("PGPASSWORD")},
        {QStringLiteral("postgresql://teep@127.0.0.1:5432/fleet?options=-csearch_path%3Devil"), QStringLiteral("\"options\"")},
        {QStringLiteral("postgresql://teep@127.0.0.1:5432/"), QStringLiteral("names no database")},
        {QStringLiteral("postgresql:///fleet"), QStringLiteral("names no host")},
        {QStringLiteral("postgresql://teep@127.0.0.1:5432/fleet?sslmode=require;host=evil"), QStringLiteral("semicolon")},
        {QString(), QStringLiteral("no database")},
    };
    for (const Case &bad : cases) {
        auto refused = Database::open(bad.location);
        QVERIFY2(!refused.ok(), qPrintable(bad.location));
        QCOMPARE(refused.error().code, QStringLiteral("store.location"));
        QVERIFY2(refused.error().toString().contains(bad.says), qPrintable(refused.error().toString()));
        QVERIFY2(!refused.error().toString().contains(QStringLiteral("secret")), qPrintable(refused.error().toString()));
    }
}

// An unreachable server, a wrong password, a database that does not exist: the server's reason,
// with the URI (never a password) to say which.
void TestDatabaseOpen::postgresServerProblemsAreClear()
{
    if (!onPostgres())
        QSKIP("needs the test PostgreSQL server");
    TempDir dir;
    const QString uri = dir.database(QStringLiteral("teep.db"));
    const QUrl url(uri);
    // A port nothing listens on: the server's port + 1 would be a guess, a port we just closed is not.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 closed = probe.serverPort();
    probe.close();
    const QString unreachable = QStringLiteral("postgresql://teep@127.0.0.1:%1/fleet?connect_timeout=2").arg(closed);
    auto refused = Database::open(unreachable);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.open"));
    QCOMPARE(refused.error().where, unreachable);
    QVERIFY2(refused.error().message.contains(QStringLiteral("Connection refused")), qPrintable(refused.error().message));

    const QString wrongPassword = QStringLiteral("postgresql://teep_password@%1:%2%3").arg(url.host()).arg(url.port()).arg(url.path());
    qputenv("PGPASSWORD", "wrong-password");
    refused = Database::open(wrongPassword);
    qunsetenv("PGPASSWORD");
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.open"));
    QVERIFY2(refused.error().message.contains(QStringLiteral("password authentication failed")), qPrintable(refused.error().message));
    QVERIFY(!refused.error().toString().contains(QStringLiteral("wrong-password")));

    // The right password from a password file, as libpq reads it (?passfile=, or PGPASSFILE).
    QVERIFY(postgresExec(uri, QStringLiteral("GRANT ALL ON SCHEMA public TO teep_password")));
    const QString passfile = dir.path(QStringLiteral("pgpass"));
    writeAll(passfile, QStringLiteral("%1:%2:*:teep_password:right-password\n").arg(url.host()).arg(url.port()).toUtf8());
    auto opened = Database::open(wrongPassword + QStringLiteral("?passfile=") + passfile);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    QCOMPARE(opened.value()->schemaVersion(), teep::store::latestSchemaVersion());

    const QString missing = QStringLiteral("postgresql://teep@%1:%2/no_such_database").arg(url.host()).arg(url.port());
    refused = Database::open(missing);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(QStringLiteral("does not exist")), qPrintable(refused.error().message));
}

// Two servers started at once on a new database: both open it, the schema is migrated once.
void TestDatabaseOpen::concurrentOpensMigrateOnce()
{
    if (!onPostgres())
        QSKIP("SQLite's file lock is tested by the busy tests; this is about PostgreSQL's advisory lock");
    TempDir dir;
    const QString uri = dir.database(QStringLiteral("teep.db"));
    constexpr int kServers = 4;
    std::atomic<int> opened{0};
    QStringList errors;
    QMutex errorsLock;
    QList<QThread *> threads;
    for (int i = 0; i < kServers; ++i) {
        threads << QThread::create([&] {
            auto db = Database::open(uri);
            if (db.ok()) {
                ++opened;
            } else {
                QMutexLocker locker(&errorsLock);
                errors << db.error().toString();
            }
        });
        threads.last()->start();
    }
    for (QThread *thread : threads) {
        thread->wait();
        delete thread;
    }
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(opened.load(), kServers);
    auto db = Database::open(uri);
    QVERIFY(db.ok());
    QCOMPARE(scalar(*db.value(), QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), teep::store::latestSchemaVersion());
}

// What tells a console that another program changed the data.
void TestDatabaseOpen::dataVersionMovesWithOtherWriters()
{
    TempDir dir;
    const QString location = dir.database(QStringLiteral("teep.db"));
    auto viewer = Database::open(location);
    auto writer = Database::open(location);
    QVERIFY(viewer.ok() && writer.ok());
    const auto before = viewer.value()->dataVersion();
    QVERIFY(before.ok());
    QCOMPARE(viewer.value()->dataVersion().value(), before.value()); // nothing happened: it stays
    int told = 0;
    QObject context;
    QCOMPARE(viewer.value()->onChangesElsewhere(&context, [&told] { ++told; }), onPostgres()); // SQLite: polling only
    QVERIFY(teep::store::run(writer.value()->connection(), QStringLiteral("INSERT INTO settings (key, value) VALUES ('k', 'v')")).ok());
    if (onPostgres()) {
        QTRY_VERIFY(told > 0); // the viewer's console hears of it without polling
        QVERIFY(teep::store::run(viewer.value()->connection(), QStringLiteral("INSERT INTO settings (key, value) VALUES ('own', 'v')")).ok());
        const int beforeOwn = told;
        QTest::qWait(200);
        QCOMPARE(told, beforeOwn); // its own change is not news to it
    }
    const auto after = viewer.value()->dataVersion();
    QVERIFY(after.ok());
    QVERIFY2(after.value() != before.value(), qPrintable(QStringLiteral("%1 -> %2").arg(before.value()).arg(after.value())));
}

QTEST_GUILESS_MAIN(TestDatabaseOpen)
#include "tst_databaseopen.moc"
