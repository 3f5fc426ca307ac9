// The console at scale: a database with N devices (one TEE each, 10 installation records per TEE,
// an attestation result and a session each). Measures, in a process that did not build the
// database: opening the console to an interactive fleet view, a filter keystroke (first page of
// matches), scrolling (fetchMore of a page), and the peak resident memory.
//   bench_console [DEVICES]   (default 100000, i.e. 1,000,000 installation records)
#include "devices/devicespage.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "prompts.h"
#include "store/database.h"
#include "store/sql.h"

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

// Fills the database with plain INSERTs in one transaction: a fixture, not the TAM's own writes.
int build(const QString &path, int devices)
{
    auto opened = store::Database::open(path);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().toString()));
        return 2;
    }
    QSqlDatabase db = opened.value()->connection();
    db.transaction();
    auto exec = [&](const QString &sql, const QVariantList &binds = {}) {
        if (const auto done = store::run(db, sql, binds); !done)
            qFatal("%s: %s", qPrintable(sql), qPrintable(done.error().message));
    };
    const QString now = QStringLiteral("2026-11-23T12:00:00.000Z");
    exec(QStringLiteral("INSERT INTO service_providers (id, spid, name, created_at) VALUES (1, 'acme', 'ACME', ?)"), {now});
    exec(QStringLiteral("INSERT INTO device_groups (id, name) VALUES (1, 'line-1'), (2, 'line-2')"));
    for (int ta = 1; ta <= 10; ++ta) {
        exec(QStringLiteral("INSERT INTO trusted_apps (id, sp_id, name, component_id, created_at) VALUES (?, 1, ?, ?, ?)"),
             {ta, QStringLiteral("ta-%1").arg(ta), QByteArray::number(ta), now});
        exec(QStringLiteral("INSERT INTO ta_versions (id, ta_id, sequence_number, binary_data, binary_sha256, binary_size, created_at) "
                            "VALUES (?, ?, 1, x'00', '00', 1, ?)"),
             {ta, ta, now});
    }
    QSqlQuery device(db), tee(db), installation(db), attestation(db), session(db);
    device.prepare(QStringLiteral("INSERT INTO devices (id, name, serial, group_id, identity_source, last_contact_at, created_at) VALUES (?, ?, ?, ?, 'attested', ?, ?)"));
    tee.prepare(QStringLiteral("INSERT INTO tees (id, device_id, tee_name, protocol) VALUES (?, ?, 'teep', 'teep')"));
    installation.prepare(QStringLiteral("INSERT INTO installations (tee_id, ta_version_id, state, updated_at) VALUES (?, ?, 'installed', ?)"));
    attestation.prepare(QStringLiteral("INSERT INTO attestation_results (tee_id, tier, checks_json, verified_at) VALUES (?, 'affirming', '[]', ?)"));
    session.prepare(QStringLiteral("INSERT INTO sessions (device_id, tee_id, profile, peer_address, state, started_at) VALUES (?, ?, 'teep', '127.0.0.1', 'completed', ?)"));
    for (int i = 1; i <= devices; ++i) {
        device.addBindValue(i);
        device.addBindValue(QStringLiteral("dev-%1").arg(i, 6, 10, QLatin1Char('0')));
        device.addBindValue(QStringLiteral("SN%1").arg(i * 7919));
        device.addBindValue(1 + i % 2);
        device.addBindValue(now);
        device.addBindValue(now);
        tee.addBindValue(i);
        tee.addBindValue(i);
        if (!device.exec() || !tee.exec())
            qFatal("insert failed");
        for (int ta = 1; ta <= 10; ++ta) {
            installation.addBindValue(i);
            installation.addBindValue(ta);
            installation.addBindValue(now);
            if (!installation.exec())
                qFatal("insert failed");
        }
        attestation.addBindValue(i);
        attestation.addBindValue(now);
        session.addBindValue(i);
        session.addBindValue(i);
        session.addBindValue(now);
        if (!attestation.exec() || !session.exec())
            qFatal("insert failed");
    }
    db.commit();
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
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console-bench")); // fresh window settings
    const int devices = argc > 1 ? QByteArray(argv[1]).toInt() : 100000;
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("fleet.db"));
    QElapsedTimer timer;
    timer.start();
    const int built = QProcess::execute(QCoreApplication::applicationFilePath(), {QStringLiteral("--build"), path, QString::number(devices)});
    if (built != 0)
        return 2;
    QTextStream out(stdout);
    out << "console at scale: " << devices << " devices, " << devices * 10 << " installation records, " << devices << " sessions ("
        << QString::number(QFileInfo(path).size() / 1048576.0, 'f', 0) << " MiB database, built in " << timer.elapsed() << " ms)\n";

    // Open: the database, the main window, its first view, all events processed.
    timer.restart();
    auto opened = store::Database::open(path);
    if (!opened)
        return 2;
    SilentPrompts prompts;
    ui::MainWindow window(std::move(opened).value(), &prompts);
    window.resize(1280, 800);
    window.show();
    QCoreApplication::processEvents();
    const qint64 openMs = timer.elapsed();
    ui::DevicesPage *page = window.devicesPage();
    ui::FleetModel *model = page->model();
    out << "  open to an interactive fleet view: " << openMs << " ms (target < 1500), " << model->rowCount() << " devices loaded\n";

    auto *filter = page->findChild<QLineEdit *>(QStringLiteral("devices-filter"));
    qint64 worst = 0;
    for (const QString &text : {QStringLiteral("d"), QStringLiteral("dev-0"), QStringLiteral("dev-09"), QStringLiteral("dev-0999"),
                                QStringLiteral("dev-099999"), QStringLiteral("line-2"), QStringLiteral("no-such-device"), QString()}) {
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
    return 0;
}
