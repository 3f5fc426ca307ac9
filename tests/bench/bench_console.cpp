// The console at scale: a database with N devices (one TEE each, 10 installation records per TEE,
// an attestation result and a session each). Measures, in a process that did not build the
// database: opening the console to an interactive fleet view, a filter keystroke (first page of
// matches), scrolling (fetchMore of a page), and the peak resident memory.
//   bench_console [DEVICES]   (default 100000, i.e. 1,000,000 installation records)
// With TEEP_BENCH_POSTGRES=postgresql://user@host:port/postgres, the same again on that server.
#include "devices/devicespage.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "prompts.h"
#include "store/database.h"
#include "store/sql.h"
#include "benchpostgres.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextStream>
#include <QUrl>
#include <QSqlError>
#include <QSqlQuery>

#include <cstdio>

using namespace teep;

namespace {

qint64 statusKb(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Fills the database with set-based INSERTs in one transaction (a series of N rows made by the
// engine itself: a recursive CTE on SQLite, generate_series on PostgreSQL): a fixture, not the
// TAM's own writes, built in seconds even for a million devices.
int build(const QString &path, int devices)
{
    auto opened = store::Database::open(path);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().toString()));
        return 2;
    }
    QSqlDatabase db = opened.value()->connection();
    const bool postgres = opened.value()->engine() == store::Engine::Postgres;
    db.transaction();
    auto exec = [&](const QString &sql, const QVariantList &binds = {}) {
        if (const auto done = store::run(db, sql, binds); !done)
            qFatal("%s: %s", qPrintable(sql), qPrintable(done.error().message));
    };
    // "INSERT ... SELECT <columns of i> FROM <the series 1..devices as i>".
    auto forEach = [&](const QString &insert, const QString &columns, const QString &extraFrom = {}) {
        const QString from = extraFrom.isEmpty() ? QString() : QStringLiteral(", ") + extraFrom;
        exec(postgres ? QStringLiteral("%1 SELECT %2 FROM generate_series(1, %3) AS n(i)%4").arg(insert, columns).arg(devices).arg(from)
                      : QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %3) %1 SELECT %2 FROM n%4")
                            .arg(insert, columns)
                            .arg(devices)
                            .arg(from));
    };
    const QString now = QStringLiteral("'2026-11-23T12:00:00.000Z'");
    exec(QStringLiteral("INSERT INTO service_providers (id, spid, name, created_at) VALUES (1, 'acme', 'ACME', %1)").arg(now));
    exec(QStringLiteral("INSERT INTO device_groups (id, name) VALUES (1, 'line-1'), (2, 'line-2')"));
    for (int ta = 1; ta <= 10; ++ta) {
        exec(QStringLiteral("INSERT INTO trusted_apps (id, sp_id, name, component_id, created_at) VALUES (?, 1, ?, ?, %1)").arg(now),
             {ta, QStringLiteral("ta-%1").arg(ta), QByteArray::number(ta)});
        exec(QStringLiteral("INSERT INTO ta_versions (id, ta_id, sequence_number, binary_data, binary_sha256, binary_size, created_at) "
                            "VALUES (?, ?, 1, ?, '00', 1, %1)").arg(now),
             {ta, ta, QByteArray(1, '\0')});
    }
    const QString name = postgres ? QStringLiteral("'dev-' || lpad(i::text, greatest(6, length(i::text)), '0')") : QStringLiteral("printf('dev-%06d', i)");
    const QString serial = postgres ? QStringLiteral("'SN' || (i::bigint * 7919)::text") : QStringLiteral("'SN' || (i * 7919)");
    forEach(QStringLiteral("INSERT INTO devices (id, name, serial, group_id, identity_source, last_contact_at, created_at)"),
            QStringLiteral("i, %1, %2, 1 + i % 2, 'attested', %3, %3").arg(name, serial, now));
    forEach(QStringLiteral("INSERT INTO tees (id, device_id, tee_name, protocol)"), QStringLiteral("i, i, 'teep', 'teep'"));
    forEach(QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, state, updated_at)"), QStringLiteral("i, v.id, 'installed', %1").arg(now),
            QStringLiteral("ta_versions v"));
    forEach(QStringLiteral("INSERT INTO attestation_results (tee_id, tier, checks_json, verified_at)"), QStringLiteral("i, 'affirming', '[]', %1").arg(now));
    forEach(QStringLiteral("INSERT INTO sessions (device_id, tee_id, profile, peer_address, state, started_at)"),
            QStringLiteral("i, i, 'teep', '127.0.0.1', 'completed', %1").arg(now));
    if (!db.commit())
        qFatal("commit failed: %s", qPrintable(db.lastError().text()));
    if (postgres)
        exec(QStringLiteral("ANALYZE devices, device_groups, tees, installations, attestation_results, sessions")); // as autovacuum would soon
    return 0;
}

class SilentPrompts final : public ui::Prompts
{
public:
    bool confirm(QWidget *, const QString &, const QString &) override { return false; }
    void error(QWidget *, const QString &, const QString &text) override { std::fprintf(stderr, "error: %s\n", qPrintable(text)); }
    std::optional<crypto::Secret> passphrase(QWidget *, const QString &, bool) override { return std::nullopt; }
    QStringList openFiles(QWidget *, const QString &, const QString &) override { return {}; }
    QString saveFile(QWidget *, const QString &, const QString &, const QString &) override { return {}; }
    std::optional<QString> text(QWidget *, const QString &, const QString &) override { return std::nullopt; }
};

} // namespace

int main(int argc, char *argv[])
{
    if (argc == 4 && qstrcmp(argv[1], "--build") == 0) {
        QCoreApplication app(argc, argv);
        return build(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toInt());
    }
    // `--postgres URI DEVICES`: the same on a PostgreSQL server, in a process of its own (its
    // own peak memory).
    const bool onPostgres = argc == 4 && qstrcmp(argv[1], "--postgres") == 0;
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console-bench")); // fresh window settings
    const int devices = onPostgres ? QByteArray(argv[3]).toInt() : argc > 1 ? QByteArray(argv[1]).toInt() : 100000;
    QTemporaryDir dir;
    const QString path = onPostgres ? bench::createPostgresDatabase(QString::fromLocal8Bit(argv[2]), QStringLiteral("bench_console"))
                                    : dir.filePath(QStringLiteral("fleet.db"));
    QElapsedTimer timer;
    timer.start();
    const int built = QProcess::execute(QCoreApplication::applicationFilePath(), {QStringLiteral("--build"), path, QString::number(devices)});
    if (built != 0)
        return 2;
    const qint64 buildMs = timer.elapsed();
    QTextStream out(stdout);

    // Open: the database, the main window, its first view, all events processed.
    timer.restart();
    auto opened = store::Database::open(path);
    if (!opened)
        return 2;
    double mebibytes = QFileInfo(path).size() / 1048576.0;
    if (onPostgres) {
        auto size = store::run(opened.value()->connection(), QStringLiteral("SELECT pg_database_size(current_database())"));
        mebibytes = size && size.value().next() ? size.value().value(0).toLongLong() / 1048576.0 : 0;
    }
    SilentPrompts prompts;
    ui::MainWindow window(std::move(opened).value(), &prompts);
    window.resize(1280, 800);
    window.show();
    QCoreApplication::processEvents();
    const qint64 openMs = timer.elapsed();
    out << "console at scale on " << (onPostgres ? "PostgreSQL" : "SQLite") << ": " << devices << " devices, " << qint64(devices) * 10
        << " installation records, " << devices << " sessions (" << QString::number(mebibytes, 'f', 0) << " MiB database, built in " << buildMs << " ms)\n";
    ui::DevicesPage *page = window.devicesPage();
    ui::FleetModel *model = page->model();
    out << "  open to an interactive fleet view: " << openMs << " ms (target < 1500), " << model->rowCount() << " devices loaded\n";

    auto *filter = page->findChild<QLineEdit *>(QStringLiteral("devices-filter"));
    qint64 worst = 0;
    for (const QString &text : {QStringLiteral("d"), QStringLiteral("dev-0"), QStringLiteral("dev-09"), QStringLiteral("dev-0999"),
                                QStringLiteral("dev-099999"), QStringLiteral("SN7919"), QStringLiteral("line-2"), QStringLiteral("no-such-device"),
                                QStringLiteral("zz"), QString()}) {
        timer.restart();
        filter->setText(text);
        QCoreApplication::processEvents();
        const qint64 ms = timer.elapsed();
        worst = qMax(worst, ms);
        out << "  filter \"" << text << "\": " << ms << " ms, " << model->rowCount() << " shown\n";
    }
    out << "  worst filter keystroke: " << worst << " ms (target < 100)\n";

    timer.restart();
    for (int i = 0; i < 20; ++i)
        model->fetchMore({});
    QCoreApplication::processEvents();
    out << "  scrolling: 20 pages of " << ui::FleetModel::kPageSize << " devices in " << timer.elapsed() << " ms (" << model->rowCount() << " loaded)\n";
    const qint64 peak = statusKb("VmHWM:");
    out << "  peak resident memory: " << QString::number(peak / 1024.0, 'f', 0) << " MiB (target < 400), now "
        << QString::number(statusKb("VmRSS:") / 1024.0, 'f', 0) << " MiB\n";
    out << "  ratios to target: open " << QString::number(openMs / 1500.0, 'f', 2) << ", filter " << QString::number(worst / 100.0, 'f', 2) << ", memory "
        << QString::number(peak / 1024.0 / 400.0, 'f', 2) << "\n";
    out.flush();
    const QString postgres = qEnvironmentVariable("TEEP_BENCH_POSTGRES");
    if (!onPostgres && !postgres.isEmpty())
        return QProcess::execute(QCoreApplication::applicationFilePath(), {QStringLiteral("--postgres"), postgres, QString::number(devices)});
    return 0;
}
