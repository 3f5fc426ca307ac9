// The store: opening, creating, migrating, and refusing files that are not ours or too new.
#include "store/database.h"
#include "store/migrations.h"
#include "store/migrator.h"
#include "store/sql.h"
#include "tempdir.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QFileInfo>
#include <QSet>
#include <QTest>
#include <QMutex>
#include <QTcpServer>
#include <QThread>
#include <QUrl>

#include <atomic>

using teep::store::Database;
using teep::store::Migration;
using teep::store::MigrationList;
using teep::test::onPostgres;
using teep::test::postgresExec;
using teep::test::readAll;
using teep::test::TempDir;
using teep::test::writeAll;

namespace {

QVariant scalar(const Database &db, const QString &sql)
{
    QSqlQuery query(db.connection());
    if (!query.exec(sql) || !query.next())
        return {};
    return query.value(0);
}

bool postgres(const Database &db)
{
    return db.engine() == teep::store::Engine::Postgres;
}

QStringList tableNames(const Database &db)
{
    QStringList names;
    QSqlQuery query(db.connection());
    query.exec(postgres(db) ? QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                            : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    while (query.next())
        names << query.value(0).toString();
    return names;
}

bool hasIndex(const Database &db, const QString &name)
{
    return scalar(db, (postgres(db) ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname = '%1'")
                                    : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '%1'"))
                          .arg(name))
               .toInt() == 1;
}

// A PostgreSQL test database as it is, read through a connection of its own (never through
// Database::open, which is what is tested): its tables and the migrations it records.
QString postgresContents(const QString &uri)
{
    const QUrl url(uri);
    QString contents;
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("raw"));
        raw.setHostName(url.host());
        raw.setPort(url.port());
        raw.setUserName(url.userName());
        raw.setDatabaseName(url.path().mid(1));
        if (raw.open()) {
            QSqlQuery query(raw);
            query.exec(QStringLiteral("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"));
            if (query.next())
                contents = query.value(0).toString();
            if (query.exec(QStringLiteral("SELECT string_agg(version || ':' || description, ',' ORDER BY version) FROM schema_migrations")) &&
                query.next())
                contents += QLatin1Char('|') + query.value(0).toString();
            raw.close();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    return contents;
}

MigrationList firstMigrationOnly()
{
    return {teep::store::schemaMigrations().first()};
}

// What only an SQLite file has (its bytes, its journal files, its pragmas); the same promises on
// PostgreSQL have tests of their own.
#define SQLITE_ONLY()                                                                                                                      \
    if (onPostgres())                                                                                                                      \
    QSKIP("about an SQLite file; the PostgreSQL run checks the same promise its own way")

// Creates a valid, closed database at `path` with the full schema.
void createDatabase(const QString &path)
{
    auto db = Database::open(path);
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
}

} // namespace

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void freshDatabaseHasLatestSchemaAndSettings();
    void upgradeFromFirstVersionKeepsData();
    void reopeningAppliesNothing();
    void awkwardPathCharactersWork();
    void newerSchemaIsRefusedAndUntouched();
    void notSqliteFileIsRefusedAndUntouched();
    void corruptFileIsRefusedAndUntouched_data();
    void corruptFileIsRefusedAndUntouched();
    void foreignSqliteDatabaseIsRefused();
    void failingMigrationRollsBackEverything();
    void migrationNumberingMustBeContiguous();
    void directoryIsRefused();
    void emptyFileIsRefusedUntouched();
    void auditLogIsAppendOnly();
    void foreignKeysAreEnforced();
    void everyForeignKeyIsIndexed();
};

void TestMigrations::freshDatabaseHasLatestSchemaAndSettings()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("nested/folder/teep.db"));
    auto opened = Database::open(path);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    const Database &db = *opened.value();

    QCOMPARE(db.schemaVersion(), teep::store::latestSchemaVersion());
    QCOMPARE(db.schemaVersion(), 19);
    if (postgres(db)) {
        QCOMPARE(db.journalMode(), QStringLiteral("postgresql"));
        QCOMPARE(scalar(db, QStringLiteral("SHOW lock_timeout")).toString(), QStringLiteral("5s"));
        // Every table announces its changes to other consoles (migration 11); the servers' liveness
        // rows (migration 12) are not data.
        QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM pg_tables t WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'tam_servers', 'open_sessions') "
                                           "AND NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                                           "WHERE c.relname = t.tablename AND g.tgname = t.tablename || '_announce')"))
                     .toInt(),
                 0);
    } else {
        QVERIFY(QFile::exists(path));
        // Made private whatever the umask: the file and the folder made for it.
        QCOMPARE(QFileInfo(path).permissions() & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther), QFile::Permissions());
        QCOMPARE(QFileInfo(QFileInfo(path).path()).permissions() & (QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther),
                 QFile::Permissions());
        QCOMPARE(db.journalMode(), QStringLiteral("wal"));
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA busy_timeout")).toInt(), 5000);
    }

    const QStringList expected = {
        QStringLiteral("assignments"),
        QStringLiteral("attestation_results"), QStringLiteral("audit_checkpoints"), QStringLiteral("audit_log"),
        QStringLiteral("corim_imports"),       QStringLiteral("corim_measurements"),
        QStringLiteral("device_groups"),       QStringLiteral("devices"),
        QStringLiteral("installations"),       QStringLiteral("open_sessions"),       QStringLiteral("private_keys"),
        QStringLiteral("reference_values"),    QStringLiteral("request_policies"),
        QStringLiteral("schema_migrations"),
        QStringLiteral("security_domains"),    QStringLiteral("service_providers"),
        QStringLiteral("session_messages"),    QStringLiteral("sessions"),
        QStringLiteral("settings"),            QStringLiteral("sgx_collateral"),      QStringLiteral("sp_certificates"),
        QStringLiteral("ta_requests"),         QStringLiteral("ta_versions"),         QStringLiteral("tam_identities"),
        QStringLiteral("tam_servers"),
        QStringLiteral("tees"),                QStringLiteral("trust_anchors"),
        QStringLiteral("trusted_apps"),
    };
    QStringList tables = tableNames(db);
    if (!postgres(db)) {
        // The fleet filter's trigram index (FTS5): its table and the shadow tables SQLite keeps for it.
        for (const char *search : {"device_search", "device_search_config", "device_search_content", "device_search_data", "device_search_docsize",
                                   "device_search_idx"})
            QVERIFY2(tables.removeOne(QLatin1String(search)), search);
    }
    QCOMPARE(tables, expected);
    QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), teep::store::latestSchemaVersion());
}

void TestMigrations::upgradeFromFirstVersionKeepsData()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    {
        auto v1 = Database::open(path, firstMigrationOnly());
        QVERIFY(v1.ok());
        QCOMPARE(v1.value()->schemaVersion(), 1);
        QVERIFY(!hasIndex(*v1.value(), QStringLiteral("devices_by_group")));
        QSqlQuery insert(v1.value()->connection());
        QVERIFY(insert.exec(QStringLiteral(
            "INSERT INTO devices (name, serial, identity_source, created_at) "
            "VALUES ('line-1 unit 7', 'SN-0007', 'registered', '2026-11-23T10:00:00.000Z')")));
    }
    auto latest = Database::open(path);
    QVERIFY2(latest.ok(), qPrintable(latest.ok() ? QString() : latest.error().toString()));
    QCOMPARE(latest.value()->schemaVersion(), teep::store::latestSchemaVersion());
    QVERIFY(hasIndex(*latest.value(), QStringLiteral("devices_by_group")));
    QCOMPARE(scalar(*latest.value(), QStringLiteral("SELECT serial FROM devices")).toString(),
             QStringLiteral("SN-0007"));
}

void TestMigrations::reopeningAppliesNothing()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    createDatabase(path);
    auto again = Database::open(path);
    QVERIFY(again.ok());
    QCOMPARE(again.value()->schemaVersion(), teep::store::latestSchemaVersion());
    QCOMPARE(scalar(*again.value(), QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), teep::store::latestSchemaVersion());
}

void TestMigrations::awkwardPathCharactersWork()
{
    SQLITE_ONLY();
    TempDir dir;
    // Spaces, '#', '?', '%' and non-ASCII: the inspection connection passes the path as a URI.
    const QString path = dir.path(QStringLiteral("line 1 #2?%20 prüf/teep db.sqlite"));
    createDatabase(path);
    auto again = Database::open(path);
    QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error().toString()));
    QCOMPARE(again.value()->path(), path);
    QCOMPARE(again.value()->schemaVersion(), teep::store::latestSchemaVersion());
}

void TestMigrations::newerSchemaIsRefusedAndUntouched()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    MigrationList future = teep::store::schemaMigrations();
    const int next = teep::store::latestSchemaVersion() + 1;
    future.append(Migration{next, QStringLiteral("a step from the future"),
                            {QStringLiteral("CREATE TABLE from_the_future (id INTEGER)")}});
    {
        auto newer = Database::open(path, future);
        QVERIFY(newer.ok());
        QCOMPARE(newer.value()->schemaVersion(), next);
    }
    const QByteArray before = onPostgres() ? postgresContents(path).toUtf8() : readAll(path);
    QVERIFY(!before.isEmpty());

    auto refused = Database::open(path);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.schema-newer"));
    QVERIFY(refused.error().message.contains(QStringLiteral("schema version %1").arg(next)));
    QCOMPARE(refused.error().where, path);
    if (onPostgres()) {
        QCOMPARE(postgresContents(path).toUtf8(), before);
        return;
    }
    QCOMPARE(readAll(path), before);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
}

void TestMigrations::notSqliteFileIsRefusedAndUntouched()
{
    SQLITE_ONLY();
    TempDir dir;
    const QString path = dir.path(QStringLiteral("notes.txt"));
    const QByteArray text = "These are not the tables you are looking for.\n";
    writeAll(path, text);

    auto refused = Database::open(path);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.not-sqlite"));
    QVERIFY(refused.error().toString().contains(path));
    QCOMPARE(readAll(path), text);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
}

void TestMigrations::corruptFileIsRefusedAndUntouched_data()
{
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("truncate");
    // Page 1 holds sqlite_master: garbage over it breaks the schema.
    QTest::newRow("schema page overwritten") << 100 << 3900 << false;
    // The header's page size field (bytes 16-17) set to an invalid value.
    QTest::newRow("bad page size in header") << 16 << 2 << false;
    // Only the first 60 bytes survive: a header and nothing else.
    QTest::newRow("truncated after header") << 60 << 0 << true;
}

void TestMigrations::corruptFileIsRefusedAndUntouched()
{
    SQLITE_ONLY();
    QFETCH(int, offset);
    QFETCH(int, length);
    QFETCH(bool, truncate);
    TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    createDatabase(path);
    QByteArray bytes = readAll(path);
    QVERIFY(bytes.size() > 4096);
    if (truncate) {
        bytes.truncate(offset);
    } else {
        for (int i = 0; i < length; ++i)
            bytes[offset + i] = static_cast<char>(0xA5 ^ (i * 31));
    }
    writeAll(path, bytes);

    auto refused = Database::open(path);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().code == QStringLiteral("store.corrupt") ||
                 refused.error().code == QStringLiteral("store.unreadable"),
             qPrintable(refused.error().toString()));
    QVERIFY(refused.error().message.contains(QStringLiteral("left untouched")));
    QCOMPARE(readAll(path), bytes);
}

void TestMigrations::foreignSqliteDatabaseIsRefused()
{
    TempDir dir;
    if (onPostgres()) {
        const QString uri = dir.database(QStringLiteral("other"));
        QVERIFY(postgresExec(uri, QStringLiteral("CREATE TABLE recipes (name TEXT)")));
        const QString before = postgresContents(uri);
        auto refused = Database::open(uri);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("store.foreign-database"));
        QVERIFY(refused.error().message.contains(QStringLiteral("recipes")));
        QCOMPARE(postgresContents(uri), before); // no schema_migrations, nothing else
        return;
    }
    const QString path = dir.path(QStringLiteral("other.sqlite"));
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("other"));
        other.setDatabaseName(path);
        QVERIFY(other.open());
        QSqlQuery(other).exec(QStringLiteral("CREATE TABLE recipes (name TEXT)"));
        other.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("other"));
    const QByteArray before = readAll(path);

    auto refused = Database::open(path);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.foreign-database"));
    QVERIFY(refused.error().message.contains(QStringLiteral("recipes")));
    QCOMPARE(readAll(path), before);
}

void TestMigrations::failingMigrationRollsBackEverything()
{
    TempDir dir;
    const QString path = dir.database(QStringLiteral("teep.db"));
    {
        auto v1 = Database::open(path, firstMigrationOnly());
        QVERIFY(v1.ok());
    }
    MigrationList broken = firstMigrationOnly();
    broken.append(Migration{2, QStringLiteral("good then bad"),
                            {QStringLiteral("CREATE TABLE half_done (id INTEGER)"),
                             QStringLiteral("ALTER TABLE devices ADD COLUMN serial TEXT")}});
    broken.append(Migration{3, QStringLiteral("never reached"),
                            {QStringLiteral("CREATE TABLE never (id INTEGER)")}});
    auto failed = Database::open(path, broken);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().code, QStringLiteral("store.migration-failed"));
    QVERIFY2(failed.error().message.contains(QStringLiteral("migration 2 (good then bad) failed at statement 2")),
             qPrintable(failed.error().message));
    QVERIFY(failed.error().message.contains(onPostgres() ? QStringLiteral("already exists") : QStringLiteral("duplicate column")));

    auto v1again = Database::open(path, firstMigrationOnly());
    QVERIFY(v1again.ok());
    QCOMPARE(v1again.value()->schemaVersion(), 1);
    QVERIFY(!tableNames(*v1again.value()).contains(QStringLiteral("half_done")));
    QVERIFY(!tableNames(*v1again.value()).contains(QStringLiteral("never")));
}

void TestMigrations::migrationNumberingMustBeContiguous()
{
    TempDir dir;
    MigrationList gap = firstMigrationOnly();
    gap.append(Migration{3, QStringLiteral("skips 2"), {QStringLiteral("SELECT 1")}});
    auto refused = Database::open(dir.database(QStringLiteral("teep.db")), gap);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.migration-numbering"));
}

void TestMigrations::directoryIsRefused()
{
    SQLITE_ONLY();
    TempDir dir;
    auto refused = Database::open(dir.path(QString()));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("store.not-a-file"));
}

void TestMigrations::emptyFileIsRefusedUntouched()
{
    SQLITE_ONLY();
    // What a crash or a full disk leaves is not silently a new (empty) TAM.
    TempDir dir;
    const QString path = dir.database(QStringLiteral("empty.db"));
    writeAll(path, QByteArray());
    auto opened = Database::open(path);
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().code, QStringLiteral("store.empty"));
    QCOMPARE(QFileInfo(path).size(), 0);
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
}

void TestMigrations::auditLogIsAppendOnly()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    QSqlQuery query(opened.value()->connection());
    QVERIFY(teep::store::run(opened.value()->connection(),
                             QStringLiteral("INSERT INTO audit_log (at, actor, action, entry_hash) "
                                            "VALUES ('2026-11-23T10:00:00.000Z', 'operator', 'tam.identity.created', ?)"),
                             {QByteArray(1, '\0')})
                .ok());
    QVERIFY(!query.exec(QStringLiteral("UPDATE audit_log SET actor = 'someone else'")));
    QVERIFY(query.lastError().text().contains(QStringLiteral("append-only")));
    QVERIFY(!query.exec(QStringLiteral("DELETE FROM audit_log")));
    if (postgres(*opened.value())) {
        QVERIFY(!query.exec(QStringLiteral("TRUNCATE audit_log")));
        QVERIFY(query.lastError().text().contains(QStringLiteral("append-only")));
    }
    QCOMPARE(scalar(*opened.value(), QStringLiteral("SELECT actor FROM audit_log")).toString(),
             QStringLiteral("operator"));
}

void TestMigrations::foreignKeysAreEnforced()
{
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    QSqlQuery query(opened.value()->connection());
    QVERIFY(!query.exec(QStringLiteral(
        "INSERT INTO tees (device_id, tee_name, protocol) VALUES (999, 'tee0', 'teep')")));
    QCOMPARE(teep::store::errorCode(query.driver()->dbmsType(), query.lastError()), QStringLiteral("store.foreign-key"));
    QVERIFY(!query.exec(QStringLiteral(
        "INSERT INTO devices (name, identity_source, created_at) VALUES ('x', 'guessed', 'now')")));
}

// Deleting or re-keying a parent row looks up its children by the foreign key; without an index
// whose first column is that key, SQLite reads the whole child table for every parent deleted (a
// flood's unanswered sessions spent half the TAM's time reading attestation evidence that way).
void TestMigrations::everyForeignKeyIsIndexed()
{
    SQLITE_ONLY(); // one schema for both engines: SQLite's catalog is the one read here
    TempDir dir;
    auto opened = Database::open(dir.database(QStringLiteral("teep.db")));
    QVERIFY(opened.ok());
    const QSqlDatabase db = opened.value()->connection();
    QStringList unindexed;
    int checked = 0;
    for (const QString &table : tableNames(*opened.value())) {
        QSet<QString> leading; // the first column of each index of the table (a primary key too)
        QSqlQuery indexes(db);
        QVERIFY(indexes.exec(QStringLiteral("SELECT name FROM pragma_index_list('%1')").arg(table)));
        while (indexes.next()) {
            QSqlQuery first(db);
            QVERIFY(first.exec(QStringLiteral("SELECT name FROM pragma_index_info('%1') WHERE seqno = 0").arg(indexes.value(0).toString())));
            if (first.next())
                leading << first.value(0).toString();
        }
        QSqlQuery keys(db);
        QVERIFY(keys.exec(QStringLiteral("SELECT \"from\", \"table\" FROM pragma_foreign_key_list('%1') WHERE seq = 0").arg(table)));
        while (keys.next()) {
            ++checked;
            const QString column = keys.value(0).toString();
            QSqlQuery pk(db);
            QVERIFY(pk.exec(QStringLiteral("SELECT pk FROM pragma_table_info('%1') WHERE name = '%2'").arg(table, column)) && pk.next());
            if (!leading.contains(column) && pk.value(0).toInt() != 1)
                unindexed << QStringLiteral("%1.%2 (references %3)").arg(table, column, keys.value(1).toString());
        }
    }
    QVERIFY(checked >= 10);
    QVERIFY2(unindexed.isEmpty(), qPrintable(unindexed.join(QStringLiteral(", "))));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
