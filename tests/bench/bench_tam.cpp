// Full attested provisioning sessions per second (OTrP and TEEP) against `teepctl serve`, with N simulated
// devices (teep-devsim), next to the crypto bound measured in the same run: OpenSSL's P-256
// sign, verify, key generation and ECDH rates times what one session makes the TAM do. Also the
// TAM's peak resident memory. Prints figures and ratios; asserts nothing (see README).
//   bench_tam TEEPCTL TEEP_DEVSIM [DEVICES]
#include "crypto/certbuilder.h"
#include "crypto/key.h"
#include "crypto/openssl.h"
#include "store/database.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "benchpostgres.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlError>
#include <QTemporaryDir>
#include <QUrl>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <unistd.h>
#include <functional>
#include <memory>
#include <vector>

using namespace teep;

namespace {

// `teepctl serve` on `database`; its TAM URI (empty when it did not start).
QString startServe(QProcess &server, const QString &teepctl, const QString &database, int maxSessions)
{
    server.start(teepctl, {QStringLiteral("--database"), database, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--max-sessions"), QString::number(maxSessions)});
    server.waitForReadyRead(20000);
    QObject::connect(&server, &QProcess::readyReadStandardOutput, &server, [&server] { server.readAllStandardOutput(); });
    return QString::fromUtf8(server.readLine()).section(QLatin1Char(' '), 2, 2).trimmed();
}

// HAProxy (the README's factory layout) in front of `uris`, each request to the least busy server;
// its front's TAM URI, or empty when there is no haproxy on this machine or it did not start.
QString startBalancer(QProcess &balancer, const QTemporaryDir &dir, const QStringList &uris)
{
    const QString haproxy = QFile::exists(QStringLiteral("/usr/sbin/haproxy")) ? QStringLiteral("/usr/sbin/haproxy") : QStringLiteral("haproxy");
    QTcpServer probe; // a free port for the front
    if (!probe.listen(QHostAddress::LocalHost))
        return {};
    const quint16 port = probe.serverPort();
    probe.close();
    QString config = QStringLiteral("global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n"
                                    "    timeout server 60s\n    retries 2\n    option redispatch\nfrontend teep\n    bind 127.0.0.1:%1\n"
                                    "    default_backend tams\nbackend tams\n    balance leastconn\n    retry-on conn-failure\n")
                         .arg(port);
    for (int i = 0; i < uris.size(); ++i) {
        const QUrl url(uris.at(i));
        config += QStringLiteral("    server tam%1 %2:%3\n").arg(i).arg(url.host()).arg(url.port());
    }
    QFile file(dir.filePath(QStringLiteral("haproxy.cfg")));
    if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
        return {};
    file.close();
    balancer.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), file.fileName()});
    if (!balancer.waitForStarted(5000))
        return {};
    for (int attempt = 0; attempt < 100; ++attempt) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (socket.waitForConnected(100))
            return QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(QUrl(uris.first()).path());
        QThread::msleep(50);
    }
    return {};
}

// TEEP sessions per second on a PostgreSQL database with `servers` TAM processes behind HAProxy
// (each request to the least busy server, no session affinity), or, without haproxy on the
// machine, every device's POSTs spread over all of them in turn by the devices themselves.
// `how` says which.
double postgresRate(const QString &teepctl, const QString &devsim, const QString &server, int servers, int devices, QString &how)
{
    QTemporaryDir dir;
    const QString database = bench::createPostgresDatabase(server, QStringLiteral("bench_tam_%1").arg(servers));
    QProcess demo;
    demo.start(teepctl, {QStringLiteral("--database"), database, QStringLiteral("demo"), QStringLiteral("init"), QStringLiteral("--out"), dir.filePath(QStringLiteral("demo"))});
    if (!demo.waitForFinished(60000) || demo.exitCode() != 0) {
        std::fprintf(stderr, "demo init on PostgreSQL failed: %s\n", demo.readAllStandardError().constData());
        std::exit(2);
    }
    std::vector<std::unique_ptr<QProcess>> tams;
    std::vector<std::unique_ptr<QProcess>> lines;
    QStringList uris;
    QElapsedTimer clock;
    for (int i = 0; i < servers; ++i) {
        tams.push_back(std::make_unique<QProcess>());
        const QString uri = startServe(*tams.back(), teepctl, database, devices + 10);
        if (uri.isEmpty()) {
            std::fprintf(stderr, "teepctl serve on PostgreSQL did not start: %s\n", tams.back()->readAllStandardError().constData());
            std::exit(2);
        }
        uris << uri;
    }
    QProcess balancer;
    const QString front = startBalancer(balancer, dir, uris);
    how = front.isEmpty() ? QStringLiteral("each device's POSTs to the servers in turn (no haproxy here)")
                          : QStringLiteral("through HAProxy, each request to the least busy server");
    // Two lines of devices (two devsim processes, as two factory lines), each to the front, or
    // each to every server in turn starting at its own.
    const int lineCount = 2;
    for (int i = 0; i < lineCount; ++i) {
        QStringList arguments;
        if (!front.isEmpty()) {
            arguments << QStringLiteral("--tam") << front;
        } else {
            for (int k = 0; k < servers; ++k)
                arguments << QStringLiteral("--tam") << uris.at((i + k) % servers);
        }
        lines.push_back(std::make_unique<QProcess>());
        lines.back()->setProgram(devsim);
        lines.back()->setArguments(arguments + QStringList{QStringLiteral("--demo-dir"), dir.filePath(QStringLiteral("demo")), QStringLiteral("--devices"),
                                                           QString::number(devices / lineCount), QStringLiteral("--name-prefix"), QStringLiteral("line%1").arg(i),
                                                           QStringLiteral("--profile"), QStringLiteral("teep"), QStringLiteral("--json")});
    }
    clock.start();
    for (auto &line : lines)
        line->start();
    for (auto &line : lines) {
        while (line->state() != QProcess::NotRunning) {
            line->waitForFinished(50);
            QCoreApplication::processEvents();
        }
        const QJsonObject summary = QJsonDocument::fromJson(line->readAllStandardOutput()).object();
        if (summary.value(QStringLiteral("failed")).toInt(-1) != 0) {
            std::fprintf(stderr, "a line of the PostgreSQL run failed: %s\n", line->readAllStandardError().constData());
            std::exit(2);
        }
    }
    const double seconds = clock.elapsed() / 1000.0;
    if (balancer.state() != QProcess::NotRunning) {
        balancer.terminate();
        balancer.waitForFinished(5000);
    }
    for (auto &tam : tams) {
        tam->terminate();
        tam->waitForFinished(10000);
    }
    return (devices / lineCount) * lineCount / seconds;
}

// The best of three timed runs: the bound is what the core can do, not what a noisy moment allowed.
double opsPerSecond(const std::function<void()> &operation, qint64 budgetMs = 300)
{
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        QElapsedTimer timer;
        qint64 runs = 0;
        timer.start();
        while (timer.elapsed() < budgetMs) {
            for (int i = 0; i < 8; ++i)
                operation();
            runs += 8;
        }
        best = std::max(best, double(runs) * 1000.0 / double(timer.elapsed()));
    }
    return best;
}

QByteArray sign(const crypto::Key &key, const QByteArray &message)
{
    crypto::MdCtxPtr context(EVP_MD_CTX_new());
    size_t length = 0;
    EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get());
    EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()));
    QByteArray signature(qsizetype(length), '\0');
    EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()));
    signature.resize(qsizetype(length));
    return signature;
}

bool verify(const crypto::Key &key, const QByteArray &message, const QByteArray &signature)
{
    crypto::MdCtxPtr context(EVP_MD_CTX_new());
    EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get());
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.constData()), size_t(signature.size()),
                            reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size())) == 1;
}

void derive(const crypto::Key &mine, const crypto::Key &peer)
{
    // As the TAM does it: the peer's point checked to be on the curve (enough for P-256), no
    // second full check inside the derivation.
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(EVP_PKEY_CTX_new(peer.get(), nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY_public_check_quick(check.get());
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(EVP_PKEY_CTX_new(mine.get(), nullptr), EVP_PKEY_CTX_free);
    unsigned char secret[64];
    size_t length = sizeof secret;
    EVP_PKEY_derive_init(context.get());
    EVP_PKEY_derive_set_peer_ex(context.get(), peer.get(), 0);
    EVP_PKEY_derive(context.get(), secret, &length);
}

// OpenSSL's parse of a certificate, without the TAM's cache of parsed certificates (a device's
// first session parses its attestation certificate). On OpenSSL 3.0 this builds a decoder context
// for the public key each time (openssl/openssl#19119; cached from 3.2, openssl/openssl#21426).
bool parseCertificate(const QByteArray &der)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(der.constData());
    X509 *parsed = d2i_X509(nullptr, &bytes, long(der.size()));
    X509_free(parsed);
    return parsed != nullptr;
}

// Rows per table of a database file, read after the TAM is gone: what a run wrote is the difference.
QMap<QString, qint64> rowCounts(const QString &path)
{
    QMap<QString, qint64> counts;
    const QString connection = QStringLiteral("bench-rows");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery tables(db);
            QStringList names;
            tables.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"));
            while (tables.next())
                names << tables.value(0).toString();
            for (const QString &table : std::as_const(names)) {
                QSqlQuery count(db);
                if (count.exec(QStringLiteral("SELECT COUNT(*) FROM \"%1\"").arg(table)) && count.next())
                    counts[table] = count.value(0).toLongLong();
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return counts;
}

qint64 rowsAdded(const QMap<QString, qint64> &before, const QMap<QString, qint64> &after)
{
    qint64 added = 0;
    for (auto it = after.cbegin(); it != after.cend(); ++it)
        added += std::max<qint64>(0, it.value() - before.value(it.key()));
    return added;
}

qint64 peakRssKb(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// CPU seconds a process has used so far: in its own code and libraries (user), and in the kernel
// on its behalf (system: sockets, file writes, fsync).
struct CpuTime
{
    double user = -1;
    double system = -1;
    double total() const { return user + system; }
};

CpuTime cpuTime(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return {};
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() <= 13)
        return {};
    const double tick = double(sysconf(_SC_CLK_TCK));
    return {double(fields[11].toLongLong()) / tick, double(fields[12].toLongLong()) / tick};
}

struct CheckIns
{
    double rate = 0;        // check-ins per second, wall clock
    double cpuPerCheckIn = 0; // the TAM's CPU seconds per check-in
};

// Check-ins of known devices with nothing to install, the steady state of a fleet: `devices`
// TEEP devices are provisioned once, then each checks in `rounds` times (a session: QueryRequest
// with attestation, QueryResponse with evidence, nothing to do).
CheckIns checkInRate(const QString &teepctl, const QString &devsim, const QString &database, int devices, int rounds)
{
    QTemporaryDir dir;
    const QString demoDir = dir.filePath(QStringLiteral("demo"));
    QProcess demo;
    demo.start(teepctl, {QStringLiteral("--database"), database, QStringLiteral("demo"), QStringLiteral("init"), QStringLiteral("--out"), demoDir});
    if (!demo.waitForFinished(60000) || demo.exitCode() != 0) {
        std::fprintf(stderr, "demo init failed: %s\n", demo.readAllStandardError().constData());
        std::exit(2);
    }
    QProcess server;
    const QString uri = startServe(server, teepctl, database, devices + 10);
    if (uri.isEmpty()) {
        std::fprintf(stderr, "teepctl serve did not start: %s\n", server.readAllStandardError().constData());
        std::exit(2);
    }
    const auto run = [&] {
        QProcess sim;
        sim.start(devsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), demoDir, QStringLiteral("--devices"), QString::number(devices),
                           QStringLiteral("--profile"), QStringLiteral("teep"), QStringLiteral("--state-dir"), dir.filePath(QStringLiteral("state")),
                           QStringLiteral("--json")});
        while (sim.state() != QProcess::NotRunning) {
            sim.waitForFinished(50);
            QCoreApplication::processEvents();
        }
        const QJsonObject summary = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        if (summary.value(QStringLiteral("failed")).toInt(-1) != 0) {
            std::fprintf(stderr, "a check-in run failed: %s\n", sim.readAllStandardError().constData());
            std::exit(2);
        }
        return summary.value(QStringLiteral("seconds")).toDouble();
    };
    run(); // provisioned: from now on each session finds nothing to do
    const CpuTime before = cpuTime(server.processId());
    double seconds = 0;
    for (int round = 0; round < rounds; ++round)
        seconds += run();
    const CpuTime after = cpuTime(server.processId());
    server.terminate();
    server.waitForFinished(10000);
    const int checkIns = devices * rounds;
    return {checkIns / seconds, (after.total() - before.total()) / checkIns};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures and the store's log lines in the order they happen
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_tam TEEPCTL TEEP_DEVSIM [DEVICES]\n"
                             "  with TEEP_BENCH_POSTGRES=postgresql://user@host:port/postgres also on that server, with 1 and 2 TAM processes\n");
        return 64;
    }
    const QString teepctl = QString::fromLocal8Bit(argv[1]);
    const QString devsim = QString::fromLocal8Bit(argv[2]);
    const int devices = argc > 3 ? QByteArray(argv[3]).toInt() : 1000;

    // The crypto bound: what one session costs the TAM, per profile.
    const crypto::Key key = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const crypto::Key peer = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const QByteArray message(600, 'm');
    const QByteArray signature = sign(key, message);
    const double signs = opsPerSecond([&] { sign(key, message); });
    const double verifies = opsPerSecond([&] { verify(key, message, signature); });
    const double keygens = opsPerSecond([] {
        if (!crypto::Key::generate(crypto::KeyAlgorithm::P256))
            qFatal("key generation failed");
    });
    const double derives = opsPerSecond([&] { derive(key, peer); });
    std::printf("OpenSSL P-256 on this machine, one core: sign %.0f/s, verify %.0f/s, keygen %.0f/s, ECDH %.0f/s\n", signs, verifies, keygens, derives);

    // What a session costs besides its cryptography, at its cheapest: parsing the device's
    // certificates, and one statement per row the session adds (a prepared INSERT through QtSql
    // into a real file, WAL, synchronous=FULL, inside a transaction, as the TAM writes).
    QTemporaryDir floorDir;
    crypto::CertificateSpec spec;
    spec.commonName = QStringLiteral("bench TEE");
    spec.profile = crypto::CertificateProfile::TeeAttestation;
    const crypto::Certificate certificate = crypto::issueCertificate(spec, key, key).value();
    const double certificateParses = opsPerSecond([&] { parseCertificate(certificate.der()); });
    double statements = 0;
    {
        auto opened = store::Database::open(floorDir.filePath(QStringLiteral("floor.db")));
        if (!opened) {
            std::fprintf(stderr, "cannot open a database: %s\n", qPrintable(opened.error().toString()));
            return 2;
        }
        const QSqlDatabase db = opened.value()->connection();
        (void)store::run(db, QStringLiteral("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, at TEXT NOT NULL, what TEXT NOT NULL, body BLOB)"));
        store::Transaction transaction(db); // never committed: the rows are rolled back
        const QString at = store::isoUtc(QDateTime::currentDateTimeUtc());
        const QByteArray body(200, 'b');
        statements = opsPerSecond([&] {
            (void)store::run(db, QStringLiteral("INSERT INTO bench_rows (at, what, body) VALUES (?, ?, ?)"), {at, QStringLiteral("ta.installed"), body});
        });
    }
    std::printf("Besides cryptography, on this machine: a P-256 certificate parse (d2i_X509) %.0f/s (%.0f us), a row written through "
                "QtSql %.0f/s (%.1f us)\n", certificateParses, 1e6 / certificateParses, statements, 1e6 / statements);
    struct Profile
    {
        const char *name;
        const char *what;
        double secondsPerSession;
        int certificates; // certificates of the device that a first session must parse
    };
    // OTrP (GetDeviceState, 2 CreateSD, 2 InstallTA): signs: 5 requests. Verifies: the TEE's
    // answer, its certificate chain, the firmware signature and its chain, 4 command answers, 2 SP
    // signatures over the TAs. JWE out (ephemeral key + ECDH): 2 CreateSD and 2 InstallTA contents,
    // 2 TA keys. JWE in (ECDH): edsi and 4 answers.
    // TEEP (QueryRequest, Update with 2 manifests): signs: 2. Verifies: the attestation
    // certificate chain, the EAT signature, the QueryResponse, the Success. (The SP-signed
    // manifests were verified when published; the anchors' self-signatures once per process.)
    const Profile profiles[] = {
        {"otrp", "attested and given 2 SDs and 2 TAs", 5 / signs + 10 / verifies + 6 * (1 / keygens + 1 / derives) + 5 / derives, 2}, // TEE and TFW
        {"teep", "attested (EAT) and given 2 TAs (SUIT)", 2 / signs + 4 / verifies, 1}, // the attestation certificate
    };

    for (const Profile &profile : profiles) {
        const double bound = 1.0 / profile.secondsPerSession;
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("bench.db"));
        QProcess demo;
        demo.start(teepctl, {QStringLiteral("--database"), db, QStringLiteral("demo"), QStringLiteral("init"), QStringLiteral("--out"), dir.filePath(QStringLiteral("demo"))});
        if (!demo.waitForFinished(60000) || demo.exitCode() != 0) {
            std::fprintf(stderr, "demo init failed: %s\n", demo.readAllStandardError().constData());
            return 2;
        }
        const QMap<QString, qint64> rowsBefore = rowCounts(db);
        QProcess server;
        server.start(teepctl, {QStringLiteral("--database"), db, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                               QStringLiteral("--max-sessions"), QString::number(devices + 10)});
        server.waitForReadyRead(10000);
        const QString uri = QString::fromUtf8(server.readLine()).section(QLatin1Char(' '), 2, 2).trimmed();
        const qint64 idleRss = peakRssKb(server.processId());
        const CpuTime idleCpu = cpuTime(server.processId()); // start-up: opening the database, loading keys
        QProcess sim;
        sim.start(devsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), dir.filePath(QStringLiteral("demo")), QStringLiteral("--devices"),
                           QString::number(devices), QStringLiteral("--profile"), QLatin1String(profile.name), QStringLiteral("--json")});
        // Drain the TAM's per-session lines as they come, so it never blocks on a full pipe.
        QObject::connect(&server, &QProcess::readyReadStandardOutput, &server, [&server] { server.readAllStandardOutput(); });
        while (sim.state() != QProcess::NotRunning) {
            sim.waitForFinished(50);
            QCoreApplication::processEvents();
        }
        const QJsonObject summary = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        const qint64 peak = peakRssKb(server.processId());
        const CpuTime endCpu = cpuTime(server.processId());
        const double tamCpu = endCpu.total() - idleCpu.total();
        const double kernelCpu = endCpu.system - idleCpu.system;
        server.kill();
        server.waitForFinished();
        const double seconds = summary.value(QStringLiteral("seconds")).toDouble();
        const int failed = summary.value(QStringLiteral("failed")).toInt(-1);
        if (seconds <= 0 || failed != 0) {
            std::fprintf(stderr, "the %s run failed (%d devices failed): %s\n", profile.name, failed, sim.readAllStandardError().constData());
            return 2;
        }
        const double rate = devices / seconds;
        std::printf("\n%s: %d devices, each %s over HTTP: %.2f s, %.0f sessions/s\n", profile.name, devices, profile.what, seconds, rate);
        std::printf("  crypto bound %.0f sessions/s; ratio %.0f%% (target >= 50%%); durable writes: no answer leaves before its records are\n"
                    "  fsynced (SQLite WAL, synchronous=FULL; the answers of one event-loop pass share one commit)\n", bound,
                    100.0 * rate / bound);
        std::printf("  TAM CPU %.2f s (%.0f%% of one core during the run); per session %.2f ms, of which the crypto bound is %.2f ms and the\n"
                    "  kernel's work for the TAM (sockets, database writes, fsync) %.2f ms\n",
                    tamCpu, 100.0 * tamCpu / seconds, 1000.0 * tamCpu / devices, 1000.0 * profile.secondsPerSession, 1000.0 * kernelCpu / devices);
        // The simulated devices share this machine's cores and do crypto of their own, so the
        // wall-clock rate understates what the TAM can do; its CPU per session gives its capacity.
        std::printf("  TAM capacity on one core: %.0f sessions per CPU-second; ratio %.0f%% of the crypto bound\n", devices / tamCpu,
                    100.0 * (devices / tamCpu) / bound);
        std::printf("  TAM peak resident memory %.1f MB (%.1f MB idle)\n", peak / 1024.0, idleRss / 1024.0);
        // The floor: what a session would cost if it did nothing but its cryptography, parse the
        // device's certificates and write each of its rows with one statement (no HTTP, no
        // CBOR/JSON, no reads, no fsync). The target is reachable only if this leaves room. Then
        // the same with the kernel's work as measured (the HTTP exchanges and durable writes the
        // target itself asks for).
        const double rowsPerSession = double(rowsAdded(rowsBefore, rowCounts(db))) / devices;
        const double floorSeconds = profile.certificates / certificateParses + rowsPerSession / statements;
        const double kernelSeconds = kernelCpu / devices;
        std::printf("  floor besides cryptography: %d certificate parse(s) %.2f ms + %.1f rows written %.2f ms = %.2f ms a session; "
                    "with nothing else the TAM would reach %.0f%% of the crypto bound, %.0f%% with the kernel's %.2f ms\n",
                    profile.certificates, 1000.0 * profile.certificates / certificateParses, rowsPerSession, 1000.0 * rowsPerSession / statements,
                    1000.0 * floorSeconds, 100.0 * profile.secondsPerSession / (profile.secondsPerSession + floorSeconds),
                    100.0 * profile.secondsPerSession / (profile.secondsPerSession + floorSeconds + kernelSeconds), 1000.0 * kernelSeconds);
    }

    // The steady state: check-ins of known devices with nothing to install. The TAM signs the
    // QueryRequest and verifies the attestation certificate's chain, the EAT and the
    // QueryResponse; the device's certificates were parsed in an earlier session.
    const QString postgres = qEnvironmentVariable("TEEP_BENCH_POSTGRES");
    {
        const double checkInBound = 1.0 / (1 / signs + 3 / verifies);
        const int rounds = 10;
        const int known = std::max(devices, 10);
        struct Backend
        {
            const char *name;
            QString database;
        };
        QTemporaryDir dir;
        QList<Backend> backends{{"SQLite", dir.filePath(QStringLiteral("checkins.db"))}};
        if (!postgres.isEmpty())
            backends << Backend{"PostgreSQL", bench::createPostgresDatabase(postgres, QStringLiteral("bench_tam_checkins"))};
        for (const Backend &backend : std::as_const(backends)) {
            const CheckIns measured = checkInRate(teepctl, devsim, backend.database, known, rounds);
            std::printf("\nteep check-ins on %s: %d known devices x %d rounds = %d check-ins with nothing to install: %.0f check-ins/s\n"
                        "  crypto bound %.0f check-ins/s on one core; ratio %.0f%% (aim >= 50%%); TAM CPU per check-in %.2f ms: capacity %.0f "
                        "check-ins per CPU-second, %.0f%% of the bound\n",
                        backend.name, known, rounds, known * rounds, measured.rate, checkInBound, 100.0 * measured.rate / checkInBound,
                        1000.0 * measured.cpuPerCheckIn, 1.0 / measured.cpuPerCheckIn, 100.0 / measured.cpuPerCheckIn / checkInBound);
        }
    }

    // The same TEEP run on a shared PostgreSQL database, with one TAM process and with two (every
    // device's POSTs spread over both): how far a second server goes.
    if (!postgres.isEmpty()) {
        const double teepBound = 1.0 / profiles[1].secondsPerSession;
        QString how;
        const double one = postgresRate(teepctl, devsim, postgres, 1, devices, how);
        const double two = postgresRate(teepctl, devsim, postgres, 2, devices, how);
        std::printf("\nteep on PostgreSQL (one database, %d devices, %s): 1 server %.0f sessions/s, 2 servers %.0f sessions/s; ratio 2/1 %.2f "
                    "(the goal is >= 1.8 where two cores are free for the servers; here %d core(s) serve the TAMs, the balancer, the devices and the database)\n"
                    "  crypto bound of one core %.0f sessions/s: 1 server at %.0f%% of it, 2 servers at %.0f%% of two cores' bound\n",
                    devices, qPrintable(how), one, two, two / one, int(sysconf(_SC_NPROCESSORS_ONLN)), teepBound, 100.0 * one / teepBound, 100.0 * two / (2 * teepBound));
    }
    return 0;
}
