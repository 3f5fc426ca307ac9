// Honest devices while a hostile network attacks the TAM (#21): full TEEP sessions per second
// against `teepctl serve` (teep-devsim, rounds of fresh devices), first alone, then while this
// process floods it with empty POSTs (sessions nobody finishes), holds slowloris connections (a
// byte a second of a header that never ends) and streams oversized bodies (250 MB announced).
// Prints both rates, their ratio (target: at least 80% kept), what the attack sent and what
// became of it, and the server's peak resident memory (target: under 200 MB). Asserts nothing.
//   bench_soak TEEPCTL TEEP_DEVSIM [SECONDS [FLOODERS,SLOWLORIS,OVERSIZED]]   (default 8,300,4)
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

#include <cstdio>
#include <unistd.h>
#include <memory>
#include <vector>

namespace {

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

// The process's CPU time (user + system) in seconds, from /proc (Linux).
double cpuSeconds(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    // The command may hold spaces: the fields that follow start after its closing parenthesis.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    return (fields[11].toDouble() + fields[12].toDouble()) / double(sysconf(_SC_CLK_TCK));
}

// What the attack did, counted as it happened.
struct AttackCounts
{
    qint64 floodRequests = 0;
    qint64 floodAnswered = 0;
    qint64 slowConnections = 0;
    qint64 slowClosedByServer = 0;
    qint64 oversizedBodies = 0;
    qint64 oversizedBytesSent = 0;
    qint64 refusedStatuses = 0; // 408, 413, 431, 503 seen
};

// Attackers on one event loop: each keeps its connection busy in its own way and reconnects
// when the server closes it.
class Attack : public QObject
{
public:
    Attack(quint16 port, AttackCounts &counts) : m_port(port), m_counts(counts) {}

    void start(int flooders, int slowloris, int oversized)
    {
        for (int i = 0; i < flooders; ++i)
            flood();
        for (int i = 0; i < slowloris; ++i)
            slow();
        for (int i = 0; i < oversized; ++i)
            oversize();
        connect(&m_tick, &QTimer::timeout, this, [this] {
            for (QTcpSocket *socket : std::as_const(m_slow)) {
                if (socket->state() == QAbstractSocket::ConnectedState)
                    socket->write("x");
            }
        });
        m_tick.start(1000);
    }

    void stop()
    {
        m_stopped = true;
        m_tick.stop();
        for (const auto &socket : m_sockets)
            socket->abort();
    }

private:
    QTcpSocket *connection()
    {
        m_sockets.push_back(std::make_unique<QTcpSocket>());
        QTcpSocket *socket = m_sockets.back().get();
        socket->connectToHost(QStringLiteral("127.0.0.1"), m_port);
        return socket;
    }

    void countRefusal(const QByteArray &answer)
    {
        for (const char *status : {"HTTP/1.1 408", "HTTP/1.1 413", "HTTP/1.1 431", "HTTP/1.1 503"}) {
            if (answer.contains(status))
                ++m_counts.refusedStatuses;
        }
    }

    void flood()
    {
        QTcpSocket *socket = connection();
        auto send = [this, socket] {
            ++m_counts.floodRequests;
            socket->write("POST /tam HTTP/1.1\r\nHost: tam\r\nAccept: application/teep+cbor\r\n\r\n");
        };
        connect(socket, &QTcpSocket::connected, this, send);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, send] {
            const QByteArray answer = socket->readAll();
            countRefusal(answer);
            m_counts.floodAnswered += answer.count("HTTP/1.1 ");
            if (!m_stopped)
                send();
        });
        connect(socket, &QTcpSocket::disconnected, this, [this] {
            if (!m_stopped)
                QTimer::singleShot(10, this, [this] { flood(); });
        });
    }

    void slow()
    {
        QTcpSocket *socket = connection();
        m_slow.append(socket);
        ++m_counts.slowConnections;
        connect(socket, &QTcpSocket::connected, this, [socket] { socket->write("POST /tam HTTP/1.1\r\nX-Slow: "); });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { countRefusal(socket->readAll()); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_slow.removeOne(socket);
            ++m_counts.slowClosedByServer;
            if (!m_stopped)
                QTimer::singleShot(10, this, [this] { slow(); });
        });
    }

    void oversize()
    {
        QTcpSocket *socket = connection();
        ++m_counts.oversizedBodies;
        const QByteArray chunk(64 * 1024, 'x');
        connect(socket, &QTcpSocket::connected, this, [socket, chunk] {
            socket->write("POST /tam HTTP/1.1\r\nContent-Type: application/teep+cbor\r\nContent-Length: 262144000\r\n\r\n");
            socket->write(chunk);
        });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket, chunk](qint64 written) {
            m_counts.oversizedBytesSent += written;
            if (!m_stopped && socket->bytesToWrite() < chunk.size())
                socket->write(chunk);
        });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { countRefusal(socket->readAll()); });
        connect(socket, &QTcpSocket::disconnected, this, [this] {
            if (!m_stopped)
                QTimer::singleShot(10, this, [this] { oversize(); });
        });
    }

    quint16 m_port;
    AttackCounts &m_counts;
    std::vector<std::unique_ptr<QTcpSocket>> m_sockets;
    QList<QTcpSocket *> m_slow;
    QTimer m_tick;
    bool m_stopped = false;
};

// Rounds of `devices` fresh simulated devices for `seconds`; returns sessions completed per second.
struct Honest
{
    int sessions = 0;
    int failed = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? sessions / seconds : 0; }
};

Honest runHonest(const QString &devsim, const QString &uri, const QString &demo, int devices, double seconds, const QString &prefix)
{
    Honest honest;
    QElapsedTimer timer;
    timer.start();
    for (int round = 0; timer.elapsed() < seconds * 1000; ++round) {
        QProcess sim;
        sim.start(devsim, {QStringLiteral("--tam"), uri, QStringLiteral("--demo-dir"), demo, QStringLiteral("--devices"), QString::number(devices),
                           QStringLiteral("--profile"), QStringLiteral("teep"), QStringLiteral("--name-prefix"),
                           QStringLiteral("%1%2").arg(prefix).arg(round), QStringLiteral("--json")});
        while (sim.state() != QProcess::NotRunning) {
            sim.waitForFinished(20);
            QCoreApplication::processEvents(); // the attack runs on this loop
        }
        const QJsonObject summary = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        honest.failed += summary.value(QStringLiteral("failed")).toInt(devices);
        honest.sessions += devices - summary.value(QStringLiteral("failed")).toInt(devices);
    }
    honest.seconds = timer.elapsed() / 1000.0;
    return honest;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_soak TEEPCTL TEEP_DEVSIM [SECONDS [FLOODERS,SLOWLORIS,OVERSIZED]]\n");
        return 64;
    }
    const QString teepctl = QString::fromLocal8Bit(argv[1]);
    const QString devsim = QString::fromLocal8Bit(argv[2]);
    const double seconds = argc > 3 ? QString::fromLocal8Bit(argv[3]).toDouble() : 10.0;
    constexpr int kDevicesPerRound = 20;

    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("soak.db"));
    const QString demo = dir.filePath(QStringLiteral("demo"));
    QProcess init;
    init.start(teepctl, {QStringLiteral("--database"), db, QStringLiteral("demo"), QStringLiteral("init"), QStringLiteral("--out"), demo});
    if (!init.waitForFinished(60000) || init.exitCode() != 0) {
        std::fprintf(stderr, "demo init failed: %s\n", init.readAllStandardError().constData());
        return 2;
    }
    QProcess server;
    server.start(teepctl, {QStringLiteral("--database"), db, QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    server.waitForReadyRead(10000);
    const QString uri = QString::fromUtf8(server.readLine()).section(QLatin1Char(' '), 2, 2).trimmed();
    if (!uri.startsWith(QLatin1String("http://"))) {
        std::fprintf(stderr, "teepctl serve did not start: %s\n", server.readAllStandardError().constData());
        return 2;
    }
    QObject::connect(&server, &QProcess::readyReadStandardOutput, &server, [&server] { server.readAllStandardOutput(); });
    QObject::connect(&server, &QProcess::readyReadStandardError, &server, [&server] { server.readAllStandardError(); });

    const double cpuStart = cpuSeconds(server.processId());
    const Honest alone = runHonest(devsim, uri, demo, kDevicesPerRound, seconds, QStringLiteral("calm"));
    const qint64 calmPeak = peakRssKb(server.processId());
    const double cpuCalm = cpuSeconds(server.processId());

    AttackCounts counts;
    Attack attack(quint16(QUrl(uri).port()), counts);
    const QStringList mix = (argc > 4 ? QString::fromLocal8Bit(argv[4]) : QStringLiteral("8,300,4")).split(QLatin1Char(','));
    attack.start(mix.value(0).toInt(), mix.value(1).toInt(), mix.value(2).toInt());
    const Honest attacked = runHonest(devsim, uri, demo, kDevicesPerRound, seconds, QStringLiteral("storm"));
    const qint64 peak = peakRssKb(server.processId());
    const double cpuStorm = cpuSeconds(server.processId());
    attack.stop();
    server.kill();
    server.waitForFinished();

    std::printf("\nsoak: TEEP devices in rounds of %d against teepctl serve, %.0f s each phase\n", kDevicesPerRound, seconds);
    std::printf("  alone:          %d sessions in %.1f s = %.1f sessions/s (%d failed)\n", alone.sessions, alone.seconds, alone.rate(), alone.failed);
    std::printf("  under attack:   %d sessions in %.1f s = %.1f sessions/s (%d failed)\n", attacked.sessions, attacked.seconds, attacked.rate(),
                attacked.failed);
    std::printf("  kept: %.0f%% of the honest rate (target >= 80%%; the attackers share this machine's cores)\n",
                alone.rate() > 0 ? 100.0 * attacked.rate() / alone.rate() : 0.0);
    std::printf("  attack: %lld empty POSTs (%lld answered), %lld slowloris connections (%lld closed by the server), %lld oversized bodies "
                "(%.1f MB sent in all), %lld refusals (408/413/431/503)\n",
                counts.floodRequests, counts.floodAnswered, counts.slowConnections, counts.slowClosedByServer, counts.oversizedBodies,
                counts.oversizedBytesSent / 1048576.0, counts.refusedStatuses);
    std::printf("  TAM CPU: %.0f%% of a core alone (%.2f ms a session), %.0f%% under attack; the attack took %.0f%% of a core from it "
                "(the rest of the loss is this machine's cores shared by the devices, the attackers and the TAM)\n",
                100.0 * (cpuCalm - cpuStart) / alone.seconds, 1000.0 * (cpuCalm - cpuStart) / qMax(1, alone.sessions),
                100.0 * (cpuStorm - cpuCalm) / attacked.seconds,
                100.0 * ((cpuStorm - cpuCalm) / attacked.seconds - (cpuCalm - cpuStart) / alone.seconds * attacked.rate() / qMax(0.001, alone.rate())));
    std::printf("  TAM peak resident memory %.1f MB (%.1f MB before the attack; target < 200 MB)\n", peak / 1024.0, calmPeak / 1024.0);
    return 0;
}
