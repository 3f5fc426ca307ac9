// FleetQueries::devices page by page and filtered in the database, as the fleet view loads it.
#include "store/database.h"
#include "store/sql.h"
#include "tam/devicecontacts.h"
#include "tam/fleetqueries.h"
#include "tempdir.h"

#include <QTest>

using namespace teep;

class TestFleetPaging : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void pagesCoverEveryDeviceOnce();
    void filterMatchesNameSerialGroupAndEscapes();
    void aFewMatchesAreFoundByTheirFragmentsAndPaged();
    void detailsOfAPage();
    void attestationChecksReadBackTyped();

private:
    // Every page of the devices `filter` matches, `limit` at a time: the pages' sizes; the ids in `seen`.
    QList<int> pageThrough(const QString &filter, int limit, QList<qint64> &seen) const
    {
        const tam::FleetQueries fleet(m_db->connection());
        QList<int> sizes;
        tam::DevicePage page{filter, {}, 0, limit};
        for (;;) {
            const auto devices = fleet.devices(page);
            if (!devices)
                return {};
            sizes << int(devices.value().size());
            for (const tam::DeviceSummary &device : devices.value())
                seen << device.id;
            if (devices.value().size() < page.limit)
                return sizes;
            page.afterName = devices.value().last().name;
            page.afterId = devices.value().last().id;
        }
    }

    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
};

void TestFleetPaging::init()
{
    m_dir = std::make_unique<test::TempDir>();
    auto opened = store::Database::open(m_dir->database(QStringLiteral("fleet.db")));
    QVERIFY(opened.ok());
    m_db = std::move(opened).value();
    QSqlDatabase db = m_db->connection();
    QVERIFY(db.transaction());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO device_groups (id, name) VALUES (1, 'line_7')")).ok());
    for (int i = 0; i < 450; ++i) {
        // Two devices share each name from 400 on: the page boundary must not skip or repeat them.
        const QString name = i < 400 ? QStringLiteral("dev-%1").arg(i, 3, 10, QLatin1Char('0')) : QStringLiteral("twin-%1").arg(i / 2);
        QVERIFY(store::run(db, QStringLiteral("INSERT INTO devices (name, serial, group_id, identity_source, created_at) VALUES (?, ?, ?, 'registered', 'now')"),
                           {name, QStringLiteral("SN%1").arg(i), i % 10 == 0 ? QVariant(1) : QVariant(QMetaType(QMetaType::LongLong))})
                    .ok());
    }
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO devices (name, serial, identity_source, created_at) VALUES ('100%_sure', 'X', 'registered', 'now')")).ok());
    QVERIFY(db.commit());
}

void TestFleetPaging::pagesCoverEveryDeviceOnce()
{
    QList<qint64> seen;
    const QList<int> sizes = pageThrough({}, 200, seen);
    QCOMPARE(sizes, (QList<int>{200, 200, 51}));
    QCOMPARE(seen.size(), 451);
    QCOMPARE(QSet<qint64>(seen.cbegin(), seen.cend()).size(), 451);
}

void TestFleetPaging::filterMatchesNameSerialGroupAndEscapes()
{
    const tam::FleetQueries fleet(m_db->connection());
    auto count = [&](const QString &filter) { return int(fleet.devices(tam::DevicePage{filter, {}, 0, 10000}).value().size()); };
    QCOMPARE(count(QStringLiteral("dev-01")), 10);   // dev-010 .. dev-019
    QCOMPARE(count(QStringLiteral("DEV-01")), 10);   // case-insensitive
    QCOMPARE(count(QStringLiteral("SN449")), 1);     // serial
    QCOMPARE(count(QStringLiteral("line_7")), 45);   // group
    QCOMPARE(count(QStringLiteral("%")), 1);         // a literal percent sign, not "anything"
    QCOMPARE(count(QStringLiteral("0%_")), 1);
    QCOMPARE(count(QStringLiteral("_")), 46);        // a literal underscore: line_7's devices and 100%_sure
    QCOMPARE(count(QStringLiteral("nothing")), 0);
}

void TestFleetPaging::aFewMatchesAreFoundByTheirFragmentsAndPaged()
{
    // A filter few devices match is answered from the trigram index (SQLite) or pg_trgm
    // (PostgreSQL): the same devices as a walk by name, kept up to date by the database itself.
    const tam::FleetQueries fleet(m_db->connection());
    auto names = [&](const QString &filter) {
        QStringList found;
        for (const tam::DeviceSummary &device : fleet.devices(tam::DevicePage{filter, {}, 0, 10000}).value())
            found << device.name;
        return found;
    };
    // Twins share names: paged 20 at a time, every one once.
    QList<qint64> seen;
    QCOMPARE(pageThrough(QStringLiteral("TWIN-"), 20, seen), (QList<int>{20, 20, 10}));
    QCOMPARE(QSet<qint64>(seen.cbegin(), seen.cend()).size(), 50);

    // Renamed, re-serialled and deleted devices: the index follows.
    QSqlDatabase db = m_db->connection();
    QVERIFY(store::run(db, QStringLiteral("UPDATE devices SET name = 'renamed-xyz' WHERE name = 'dev-123'")).ok());
    QVERIFY(store::run(db, QStringLiteral("UPDATE devices SET serial = 'QRS-998877' WHERE name = 'dev-124'")).ok());
    QVERIFY(store::run(db, QStringLiteral("DELETE FROM devices WHERE name = 'dev-125'")).ok());
    QCOMPARE(names(QStringLiteral("dev-12")), (QStringList{QStringLiteral("dev-120"), QStringLiteral("dev-121"), QStringLiteral("dev-122"),
                                                            QStringLiteral("dev-124"), QStringLiteral("dev-126"), QStringLiteral("dev-127"),
                                                            QStringLiteral("dev-128"), QStringLiteral("dev-129")}));
    QCOMPARE(names(QStringLiteral("AMED-x")), (QStringList{QStringLiteral("renamed-xyz")}));
    QCOMPARE(names(QStringLiteral("s-9988")), (QStringList{QStringLiteral("dev-124")}));
    QCOMPARE(names(QStringLiteral("SN125")), QStringList());
    // A name does not run on into its serial: "123" + "SN" is not a device.
    QCOMPARE(names(QStringLiteral("xyzSN")), QStringList());
    // Quotes and the index's own syntax are text like any other.
    QCOMPARE(names(QStringLiteral("\"dev\" OR x")), QStringList());
    QCOMPARE(names(QStringLiteral("dev-1* NEAR")), QStringList());
}

void TestFleetPaging::detailsOfAPage()
{
    QSqlDatabase db = m_db->connection();
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO service_providers (id, spid, name, created_at) VALUES (1, 'acme', 'ACME', 'now')")).ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO trusted_apps (id, sp_id, name, component_id, created_at) VALUES (1, 1, 'wallet', ?, 'now'), (2, 1, 'notes', ?, 'now')"),
                       {QByteArray(1, '\x01'), QByteArray(1, '\x02')})
                .ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO ta_versions (id, ta_id, sequence_number, binary_data, binary_sha256, binary_size, created_at) "
                                          "VALUES (1, 1, 2, ?, '00', 1, 'now'), (2, 2, 1, ?, '00', 1, 'now')"),
                       {QByteArray(1, '\0'), QByteArray(1, '\0')})
                .ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO tees (id, device_id, tee_name, protocol) VALUES (1, 1, 'primary', 'otrp'), (2, 1, 'second', 'otrp'), (3, 2, 'teep', 'teep')")).ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO security_domains (id, tee_id, sp_id, name, state, created_at) VALUES (1, 1, 1, 'acme', 'created', 'now')")).ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, security_domain_id, state, updated_at) VALUES "
                                          "(1, 1, 1, 'installed', 'now'), (3, 1, NULL, 'installed', 'now'), (3, 2, NULL, 'installed', 'now'), (2, 2, NULL, 'failed', 'now')")).ok());
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO attestation_results (tee_id, tier, checks_json, verified_at) VALUES (1, 'warning', '[]', 'a'), (1, 'affirming', '[]', 'b')")).ok());
    const tam::FleetQueries fleet(db);
    const auto page = fleet.devices(tam::DevicePage{QStringLiteral("dev-00"), {}, 0, 3});
    QVERIFY(page.ok());
    QCOMPARE(page.value().size(), 3);
    const tam::DeviceSummary &first = page.value().at(0);
    QCOMPARE(first.tees.size(), 2);
    QCOMPARE(first.tees.at(0).name, QStringLiteral("primary"));
    QCOMPARE(first.tees.at(0).lastTier, QStringLiteral("affirming")); // the newest result
    QCOMPARE(first.tees.at(0).sds.size(), 1);
    QCOMPARE(first.tees.at(0).sds.at(0).first, QStringLiteral("acme"));
    QCOMPARE(first.tees.at(0).sds.at(0).second, QStringList{QStringLiteral("wallet v2")});
    QVERIFY(first.tees.at(1).sds.isEmpty()); // a failed installation is not installed
    const tam::DeviceSummary &second = page.value().at(1);
    QCOMPARE(second.tees.size(), 1);
    QCOMPARE(second.tees.at(0).sds.size(), 1);
    QCOMPARE(second.tees.at(0).sds.at(0).first, QString()); // TEEP: TAs outside SDs
    QCOMPARE(second.tees.at(0).sds.at(0).second, (QStringList{QStringLiteral("notes v1"), QStringLiteral("wallet v2")}));
    QVERIFY(page.value().at(2).tees.isEmpty());
}

// What the TAM recorded comes back as the checks it made; a stored value that is not what the TAM
// writes reads as a failed check, never as a pass or as nothing.
void TestFleetPaging::attestationChecksReadBackTyped()
{
    QSqlDatabase db = m_db->connection();
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO tees (id, device_id, tee_name, protocol) VALUES (1, 1, 'primary', 'teep'), (2, 2, 'primary', 'teep')")).ok());
    tam::DeviceContacts fleet(db, SystemClock::instance(), QStringLiteral("test"));
    using attestation::Outcome;
    const QList<attestation::Check> made{{QStringLiteral("nonce"), Outcome::Pass, QStringLiteral("eat_nonce equals the challenge")},
                                         {QStringLiteral("message form"), Outcome::Warn, QStringLiteral("compatibility profile: \"quotes\", ünïcode")},
                                         {QStringLiteral("cnf"), Outcome::Fail, QString()}};
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO sessions (id, tee_id, profile, state, started_at) VALUES (7, 1, 'teep', 'open', 'now')")).ok());
    const Status saved = fleet.recordAttestation(1, 7, tam::Tier::Contraindicated, made);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message));
    QVERIFY(store::run(db, QStringLiteral("INSERT INTO attestation_results (tee_id, tier, checks_json, verified_at) VALUES (2, 'affirming', ?, 'now')"),
                       {QStringLiteral(R"([{"name": "nonce", "outcome": "passed", "detail": ""}])")}).ok());

    const auto results = tam::FleetQueries(db).latestAttestations();
    QVERIFY(results.ok());
    QCOMPARE(results.value().size(), 2);
    const tam::AttestationRecord &edited = results.value().at(0); // newest first
    const tam::AttestationRecord &recorded = results.value().at(1);
    QCOMPARE(recorded.sessionId, 7);
    QCOMPARE(recorded.checks.size(), made.size());
    for (int i = 0; i < made.size(); ++i) {
        QCOMPARE(recorded.checks.at(i).name, made.at(i).name);
        QCOMPARE(recorded.checks.at(i).outcome, made.at(i).outcome);
        QCOMPARE(recorded.checks.at(i).detail, made.at(i).detail);
    }
    QCOMPARE(edited.checks.size(), 1);
    QCOMPARE(edited.checks.first().outcome, Outcome::Fail);
    QVERIFY2(edited.checks.first().detail.contains(QStringLiteral("cannot be read")), qPrintable(edited.checks.first().detail));
}

QTEST_MAIN(TestFleetPaging)
#include "tst_fleetpaging.moc"
