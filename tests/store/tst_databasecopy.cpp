// teepctl db copy: a working TAM's SQLite file moved into a new database (PostgreSQL in the _pg
// run, another SQLite file otherwise), checked, and served from there; and what is refused.
#include "store/auditlog.h"
#include "store/database.h"
#include "store/databasecopy.h"
#include "store/keystore.h"
#include "store/sql.h"
#include "tam/tamcredentials.h"
#include "tam/tamservice.h"
#include "tamfixture.h"
#include "tempdir.h"
#include "transport/tamserver.h"

#include <QTest>

using namespace teep;

namespace {
qint64 count(const store::Database &db, const QString &table)
{
    return test::rowCount(db.connection(), table);
}
} // namespace

class TestDatabaseCopy : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void aWorkingTamMovesAndServesFromTheCopy();
    void aTargetThatIsNotEmptyIsRefused();
    void cancellingCopiesNothing();
    void anUnknownTableIsRefused();

private:
    test::TamFixture m_source;
    test::TempDir m_targets;
};

void TestDatabaseCopy::initTestCase()
{
    m_source.sqliteFile = true;
    const Status ready = m_source.setUp();
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    // A history in every kind of table: TEEP and OTrP devices provisioned, sessions, messages,
    // attestation results, installations, SDs.
    for (const sim::DeviceOutcome &outcome : m_source.runDevices({QStringLiteral("teep-a"), QStringLiteral("teep-b")}, sim::SimProfile::Teep))
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    for (const sim::DeviceOutcome &outcome : m_source.runDevices({QStringLiteral("otrp-a")}, sim::SimProfile::Otrp))
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    m_source.server.reset(); // the source's server stops before its database is moved
}

void TestDatabaseCopy::aWorkingTamMovesAndServesFromTheCopy()
{
    auto target = store::Database::open(m_targets.database(QStringLiteral("moved")));
    QVERIFY(target.ok());
    const store::Database &source = *m_source.db;
    const auto copied = store::copyDatabase(source, *target.value(), SystemClock::instance(), QStringLiteral("tester"));
    QVERIFY2(copied.ok(), qPrintable(copied.ok() ? QString() : copied.error().toString()));
    QVERIFY(copied.value().rows > 100);
    for (const store::CopiedTable &table : copied.value().tables) {
        const qint64 expected = count(source, table.name);
        QCOMPARE(table.rows, expected);
        // One more audit entry on the target: the copy itself.
        QCOMPARE(count(*target.value(), table.name), table.name == QLatin1String("audit_log") ? expected + 1 : expected);
    }
    for (const QString &table : {QStringLiteral("devices"), QStringLiteral("installations"), QStringLiteral("session_messages"),
                                 QStringLiteral("attestation_results"), QStringLiteral("security_domains")})
        QVERIFY2(count(*target.value(), table) > 0, qPrintable(table));
    const store::AuditVerification chain = store::AuditLog::verify(target.value()->connection());
    QVERIFY2(chain.ok, qPrintable(chain.message));
    QCOMPARE(chain.entries, count(source, QStringLiteral("audit_log")) + 1);
    QCOMPARE(test::rowCount(target.value()->connection(), QStringLiteral("audit_log")), chain.entries);
    // The same bytes: a TA's signed manifest and a device's agent key.
    const auto manifest = [](const store::Database &db) {
        auto row = store::run(db.connection(), QStringLiteral("SELECT manifest FROM ta_versions ORDER BY id LIMIT 1"));
        return row && row.value().next() ? row.value().value(0).toByteArray() : QByteArray();
    };
    QVERIFY(!manifest(source).isEmpty());
    QCOMPARE(manifest(*target.value()), manifest(source));

    // A TAM on the copy: the devices it knew check in and have nothing to do; a new one is
    // provisioned (new rows get ids after the copied ones).
    store::KeyStore keys(target.value()->connection());
    const auto credentials = tam::loadActiveTam(target.value()->connection(), keys);
    QVERIFY2(credentials.ok(), qPrintable(credentials.ok() ? QString() : credentials.error().toString()));
    tam::TamService service(target.value()->connection(), credentials.value(), SystemClock::instance());
    transport::TamServer server(service, transport::ServerOptions());
    const auto started = server.start();
    QVERIFY(started.ok());
    m_source.uri = started.value();
    const qint64 sessionsBefore = count(*target.value(), QStringLiteral("sessions"));
    const QList<sim::DeviceOutcome> again = m_source.runDevices({QStringLiteral("teep-a"), QStringLiteral("teep-new")}, sim::SimProfile::Teep);
    for (const sim::DeviceOutcome &outcome : again)
        QVERIFY2(outcome.ok, qPrintable(outcome.device + QStringLiteral(": ") + outcome.detail));
    QCOMPARE(again.at(0).device, QStringLiteral("teep-a"));
    QCOMPARE(again.at(0).installed, again.at(1).installed); // the known one kept its TAs, the new one got the same
    QCOMPARE(count(*target.value(), QStringLiteral("sessions")), sessionsBefore + 2);
    QVERIFY(store::AuditLog::verify(target.value()->connection()).ok);
}

void TestDatabaseCopy::aTargetThatIsNotEmptyIsRefused()
{
    auto target = store::Database::open(m_targets.database(QStringLiteral("used")));
    QVERIFY(target.ok());
    QVERIFY(store::run(target.value()->connection(), QStringLiteral("INSERT INTO settings (key, value) VALUES ('line', '3')")).ok());
    const auto refused = store::copyDatabase(*m_source.db, *target.value(), SystemClock::instance(), QStringLiteral("tester"));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.copy"));
    QVERIFY2(refused.error().message.contains(QStringLiteral("not empty (settings has 1 rows)")), qPrintable(refused.error().message));
    QCOMPARE(count(*target.value(), QStringLiteral("devices")), 0);
    QCOMPARE(count(*target.value(), QStringLiteral("settings")), 1);
}

void TestDatabaseCopy::cancellingCopiesNothing()
{
    auto target = store::Database::open(m_targets.database(QStringLiteral("cancelled")));
    QVERIFY(target.ok());
    QStringList seen;
    const auto cancelled = store::copyDatabase(*m_source.db, *target.value(), SystemClock::instance(), QStringLiteral("tester"),
                                               [&](const QString &table, qint64) {
                                                   seen << table;
                                                   return table != QLatin1String("devices"); // the operator cancels there
                                               });
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.error().code, QStringLiteral("operation.cancelled"));
    QVERIFY(seen.contains(QStringLiteral("private_keys")));
    for (const QString &table : {QStringLiteral("private_keys"), QStringLiteral("tam_identities"), QStringLiteral("devices"), QStringLiteral("audit_log")})
        QCOMPARE(count(*target.value(), table), 0);
    // ... and the same target takes the whole copy afterwards.
    QVERIFY(store::copyDatabase(*m_source.db, *target.value(), SystemClock::instance(), QStringLiteral("tester")).ok());
    QCOMPARE(count(*target.value(), QStringLiteral("devices")), count(*m_source.db, QStringLiteral("devices")));
}

void TestDatabaseCopy::anUnknownTableIsRefused()
{
    // A table no migration of ours made (another program's, or a step the copy was not taught):
    // nothing is left behind silently.
    test::TempDir dir;
    auto source = store::Database::open(dir.path(QStringLiteral("odd.db")));
    QVERIFY(source.ok());
    QVERIFY(store::run(source.value()->connection(), QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")).ok());
    auto target = store::Database::open(m_targets.database(QStringLiteral("odd-target")));
    QVERIFY(target.ok());
    const auto refused = store::copyDatabase(*source.value(), *target.value(), SystemClock::instance(), QStringLiteral("tester"));
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(QStringLiteral("does not know (notes)")), qPrintable(refused.error().message));
    QCOMPARE(count(*target.value(), QStringLiteral("audit_log")), 0);
}

QTEST_GUILESS_MAIN(TestDatabaseCopy)
#include "tst_databasecopy.moc"
