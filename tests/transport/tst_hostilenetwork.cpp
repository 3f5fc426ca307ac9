// What a hostile network did to the TAM (#21, finding 3), replayed on 127.0.0.1 against the real
// HTTP front end, each bounded in time and size: oversized bodies (declared and chunked), an
// endless header, a slow header, idle and TLS-silent connections, a negative chunk size, a flood of
// idle connections from the devices' own address, the descriptor limit, and TLS suites without
// forward secrecy or with CBC.
#include "crypto/certbuilder.h"
#include "crypto/key.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "store/sql.h"
#include "tam/tamcredentials.h"
#include "tamfixture.h"
#include "transport/tamserver.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QSslCipher>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>

#include <sys/resource.h>

#include <memory>
#include <vector>

using namespace teep;
using namespace teep::transport;

namespace {

// A TAM that answers every start with "ok" and every message with the end of the session.
class AnsweringTam : public TamEndpoint
{
public:
    bool supports(Profile) const override { return true; }
    Result<QByteArray> start(Profile, const QString &) override
    {
        ++started;
        return QByteArray("ok");
    }
    Result<std::optional<QByteArray>> process(Profile, const QByteArray &body, const QString &) override
    {
        lastBodySize = body.size();
        return std::optional<QByteArray>();
    }
    Status makeDurable() override { return {}; }

    int started = 0;
    qsizetype lastBodySize = -1;
};

const QByteArray kStart = "POST /tam HTTP/1.1\r\nHost: x\r\nAccept: application/teep+cbor\r\n\r\n";

// The process's peak resident memory in KiB (Linux).
qint64 peakRssKib()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Feeds `next()` into the socket while the server reads (one thread: never block on the client),
// until an answer arrives, the connection ends, or `maxBytes` went out. Returns what came back.
struct Exchange
{
    QByteArray received;
    qint64 sent = 0;
    bool disconnected = false;
    qint64 elapsedMs = 0;
};

Exchange pushUntilAnswered(QTcpSocket &socket, const std::function<QByteArray()> &next, qint64 maxBytes, int maxMs = 10000)
{
    Exchange exchange;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < maxMs) {
        if (socket.state() != QAbstractSocket::ConnectedState) {
            exchange.disconnected = true;
            break;
        }
        if (exchange.sent < maxBytes && socket.bytesToWrite() < 256 * 1024) {
            const QByteArray chunk = next();
            exchange.sent += socket.write(chunk);
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        exchange.received += socket.readAll();
        if (exchange.received.contains("\r\n\r\n"))
            break;
    }
    exchange.elapsedMs = timer.elapsed();
    return exchange;
}

// Waits (serving the event loop) until the socket is disconnected; false after maxMs.
bool waitForClose(QTcpSocket &socket, int maxMs)
{
    QElapsedTimer timer;
    timer.start();
    while (socket.state() != QAbstractSocket::UnconnectedState && timer.elapsed() < maxMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        socket.readAll();
    }
    return socket.state() == QAbstractSocket::UnconnectedState;
}

// HTTPS with a self-signed certificate for localhost on a fresh key (a null key on failure).
ServerOptions httpsOptions(crypto::KeyAlgorithm algorithm)
{
    ServerOptions options;
    const auto key = crypto::Key::generate(algorithm);
    if (!key)
        return options;
    crypto::CertificateSpec spec;
    spec.commonName = QStringLiteral("localhost");
    spec.profile = crypto::CertificateProfile::TlsServer;
    spec.dnsNames = {QStringLiteral("localhost")};
    const auto certificate = crypto::issueCertificate(spec, key.value(), key.value());
    const auto der = crypto::plainPrivateKey(key.value());
    if (!certificate || !der)
        return options;
    options.tlsCertificate = QSslCertificate(certificate.value().pem());
    options.tlsKey = QSslKey(crypto::pemEncode(der.value().bytes(), "PRIVATE KEY"), algorithm == crypto::KeyAlgorithm::P256 ? QSsl::Ec : QSsl::Rsa,
                             QSsl::Pem);
    return options;
}

int statusOf(const QByteArray &answer)
{
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}

std::unique_ptr<QTcpSocket> connectTo(quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    QSignalSpy connected(socket.get(), &QTcpSocket::connected);
    if (socket->state() != QAbstractSocket::ConnectedState && !connected.wait(5000))
        return nullptr;
    return socket;
}

} // namespace

class TestHostileNetwork : public QObject
{
    Q_OBJECT

private slots:
    void aHundredMegabytesAreRefusedOnTheirHeader();
    void anEndlessChunkedBodyStopsAtTheLimit();
    void anEndlessHeaderIsCut();
    void aSlowHeaderTimesOut();
    void aNegativeChunkSizeIsRefusedNotHung();
    void idleConnectionsAreClosed();
    void aSilentTlsClientIsClosed();
    void aFloodOfIdleConnectionsLeavesRoomForDevices();
    void aFloodOfEmptyPostsLocksNoDeviceOut();
    void aStoppingServerClosesOnlyItsOwnSessions();
    void failedSessionsArePurgedAfterTheirRetention();
    void theDescriptorLimitIsRaised();
    void tlsOffersOnlyForwardSecrecyAndAead();
};

void TestHostileNetwork::aHundredMegabytesAreRefusedOnTheirHeader()
{
    AnsweringTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    const qint64 peakBefore = peakRssKib();
    auto socket = connectTo(server.port());
    QVERIFY(socket);
    bool headerSent = false;
    const Exchange exchange = pushUntilAnswered(
        *socket,
        [&headerSent] {
            if (!std::exchange(headerSent, true))
                return QByteArray("POST /tam HTTP/1.1\r\nContent-Type: application/teep+cbor\r\nContent-Length: 104857600\r\n\r\n");
            return QByteArray(64 * 1024, 'x');
        },
        100 * 1024 * 1024);
    QCOMPARE(statusOf(exchange.received), 413);
    QVERIFY2(exchange.received.contains("Connection: close"), exchange.received.constData());
    QCOMPARE(tam.lastBodySize, qsizetype(-1)); // the TAM never saw it
    // The answer came while the body was still being sent, and nothing near 100 MB was held.
    QVERIFY2(exchange.sent < 50 * 1024 * 1024, qPrintable(QString::number(exchange.sent)));
    QVERIFY2(peakRssKib() - peakBefore < 40 * 1024, qPrintable(QStringLiteral("peak grew by %1 KiB").arg(peakRssKib() - peakBefore)));
}

void TestHostileNetwork::anEndlessChunkedBodyStopsAtTheLimit()
{
    AnsweringTam tam;
    ServerOptions options;
    options.http.maxBodyBytes = 1024 * 1024;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto socket = connectTo(server.port());
    QVERIFY(socket);
    bool headerSent = false;
    const QByteArray chunk = "10000\r\n" + QByteArray(0x10000, 'x') + "\r\n";
    const Exchange exchange = pushUntilAnswered(
        *socket,
        [&] {
            if (!std::exchange(headerSent, true))
                return QByteArray("POST /tam HTTP/1.1\r\nContent-Type: application/teep+cbor\r\nTransfer-Encoding: chunked\r\n\r\n");
            return chunk;
        },
        200 * 1024 * 1024);
    QCOMPARE(statusOf(exchange.received), 413);
    QVERIFY2(exchange.sent < 50 * 1024 * 1024, qPrintable(QString::number(exchange.sent)));
    QCOMPARE(tam.lastBodySize, qsizetype(-1));
    // The connection ends after the refusal: what follows cannot be told from a next request.
    QVERIFY(waitForClose(*socket, 5000));
}

void TestHostileNetwork::anEndlessHeaderIsCut()
{
    AnsweringTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto socket = connectTo(server.port());
    QVERIFY(socket);
    bool started = false;
    const Exchange exchange = pushUntilAnswered(
        *socket,
        [&started] { return std::exchange(started, true) ? QByteArray(1024, 'a') : QByteArray("POST /tam HTTP/1.1\r\nX-Endless: "); }, 600 * 1024 * 1024);
    QCOMPARE(statusOf(exchange.received), 431);
    QVERIFY(waitForClose(*socket, 5000));
}

void TestHostileNetwork::aSlowHeaderTimesOut()
{
    AnsweringTam tam;
    ServerOptions options;
    options.timeouts.headerMs = 400;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto socket = connectTo(server.port());
    QVERIFY(socket);
    socket->write("POST /tam HTTP/1.1\r\n");
    // One byte every 50 ms: each arrives well within any per-byte timeout, the header never ends.
    QElapsedTimer timer;
    timer.start();
    QByteArray received;
    while (timer.elapsed() < 5000 && socket->state() == QAbstractSocket::ConnectedState && !received.contains("\r\n\r\n")) {
        socket->write("X");
        QTest::qWait(50);
        received += socket->readAll();
    }
    QCOMPARE(statusOf(received), 408);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(waitForClose(*socket, 3000));
    QCOMPARE(tam.started, 0);
}

void TestHostileNetwork::aNegativeChunkSizeIsRefusedNotHung()
{
    AnsweringTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto socket = connectTo(server.port());
    QVERIFY(socket);
    socket->write("POST /tam HTTP/1.1\r\nContent-Type: application/teep+cbor\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n");
    const Exchange exchange = pushUntilAnswered(*socket, [] { return QByteArray(); }, 0, 3000);
    QCOMPARE(statusOf(exchange.received), 400);
    QVERIFY2(exchange.received.contains("chunk size"), exchange.received.constData());
    QVERIFY(waitForClose(*socket, 3000));
}

void TestHostileNetwork::idleConnectionsAreClosed()
{
    AnsweringTam tam;
    ServerOptions options;
    options.timeouts.idleMs = 300;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    // Silent from the start, and silent after an answer (keep-alive): both are closed.
    auto silent = connectTo(server.port());
    auto kept = connectTo(server.port());
    QVERIFY(silent && kept);
    kept->write(kStart);
    const Exchange answered = pushUntilAnswered(*kept, [] { return QByteArray(); }, 0, 3000);
    QCOMPARE(statusOf(answered.received), 200);
    QVERIFY(waitForClose(*silent, 3000));
    QVERIFY(waitForClose(*kept, 3000));
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, 3000);
}

void TestHostileNetwork::aSilentTlsClientIsClosed()
{
    AnsweringTam tam;
    ServerOptions options = httpsOptions(crypto::KeyAlgorithm::P256);
    QVERIFY(!options.tlsKey.isNull());
    options.timeouts.idleMs = 300;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    // 50 connections that never send a ClientHello: each is closed at the idle deadline.
    std::vector<std::unique_ptr<QTcpSocket>> silent;
    for (int i = 0; i < 50; ++i) {
        silent.push_back(connectTo(server.port()));
        QVERIFY(silent.back());
    }
    QElapsedTimer timer;
    timer.start();
    for (auto &socket : silent)
        QVERIFY(waitForClose(*socket, 3000));
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
}

void TestHostileNetwork::aFloodOfIdleConnectionsLeavesRoomForDevices()
{
    // The real TAM, its devices on the same address as the flood (a line behind one NAT).
    ServerOptions options;
    options.connections.maxConnections = 40;
    options.connections.maxPerPeer = 40;
    test::TamFixture fixture;
    const Status ready = fixture.setUp(2, options);
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    std::vector<std::unique_ptr<QTcpSocket>> flood;
    for (int i = 0; i < 200; ++i) {
        flood.push_back(connectTo(fixture.server->port()));
        QVERIFY(flood.back());
        flood.back()->write(i % 2 ? QByteArray("POST /tam HTTP/1.1\r\nX-Slow: ") : QByteArray()); // half of them mid-header
    }
    QTest::qWait(100);
    QVERIFY2(fixture.server->openConnections() <= 40, qPrintable(QString::number(fixture.server->openConnections())));
    const QList<sim::DeviceOutcome> outcomes =
        fixture.runDevices({QStringLiteral("nat-1"), QStringLiteral("nat-2"), QStringLiteral("nat-3")}, sim::SimProfile::Teep);
    QCOMPARE(outcomes.size(), 3);
    for (const sim::DeviceOutcome &outcome : outcomes)
        QVERIFY2(outcome.ok, qPrintable(outcome.device + QStringLiteral(": ") + outcome.detail));
    // The oldest idle connections gave way: most of the flood is closed.
    int open = 0;
    for (auto &socket : flood) {
        socket->readAll();
        open += socket->state() == QAbstractSocket::ConnectedState ? 1 : 0;
    }
    QVERIFY2(open <= 40, qPrintable(QString::number(open)));
}

void TestHostileNetwork::aFloodOfEmptyPostsLocksNoDeviceOut()
{
    // Finding 2: 1,000 empty POSTs used to fill the session table (per profile) and lock every
    // device out with 503 for a minute, leaving their rows behind. The fixture allows 100 open
    // sessions, shared by both profiles; the flood is three times that, on both profiles.
    test::TamFixture fixture;
    const Status ready = fixture.setUp(2);
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    int answered = 0;
    for (int i = 0; i < 300; ++i) {
        auto socket = connectTo(fixture.server->port());
        QVERIFY(socket);
        socket->write(i % 2 ? kStart : QByteArray("POST /tam HTTP/1.1\r\nAccept: application/otrp+json\r\n\r\n"));
        const Exchange exchange = pushUntilAnswered(*socket, [] { return QByteArray(); }, 0, 3000);
        answered += statusOf(exchange.received) == 200 ? 1 : 0;
    }
    QCOMPARE(answered, 300); // each newcomer displaced the oldest unanswered session
    QCOMPARE(fixture.service->openSessions(), 100);
    const QList<sim::DeviceOutcome> during =
        fixture.runDevices({QStringLiteral("line-1"), QStringLiteral("line-2")}, sim::SimProfile::Teep);
    for (const sim::DeviceOutcome &outcome : during)
        QVERIFY2(outcome.ok, qPrintable(outcome.device + QStringLiteral(": ") + outcome.detail));
    const QList<sim::DeviceOutcome> otrp = fixture.runDevices({QStringLiteral("line-3")}, sim::SimProfile::Otrp);
    QVERIFY2(otrp.value(0).ok, qPrintable(otrp.value(0).detail));
    // Nothing of the flood outlives it: once its sessions expire unanswered, their rows go.
    QTest::qWait(2300);
    fixture.runDevices({QStringLiteral("line-4")}, sim::SimProfile::Teep);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE device_id IS NULL")).toInt(), 0);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions")).toInt(), 4);
}

void TestHostileNetwork::aStoppingServerClosesOnlyItsOwnSessions()
{
    // Two TAM processes on one file (finding 7): the one that stops closes its sessions only (on
    // PostgreSQL, none: any server continues them).
    test::TamFixture fixture;
    const Status ready = fixture.setUp(60);
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    const auto credentials = tam::loadActiveTam(fixture.db->connection(), *fixture.keys);
    QVERIFY(credentials.ok());
    tam::TamService second(fixture.db->connection(), credentials.value(), SystemClock::instance());
    const ServerOptions options;
    TamServer secondServer(second, options);
    const Result<QString> secondUri = secondServer.start();
    QVERIFY(secondUri.ok());
    // A device of each answers its QueryRequest and goes away before the Update is answered: each
    // session has its row and stays open.
    sim::SimFaults goesAway;
    goesAway.disconnectAfter = 2;
    QVERIFY(!fixture.runDevices({QStringLiteral("line-1")}, sim::SimProfile::Teep, goesAway).value(0).ok);
    const QString firstUri = fixture.uri;
    fixture.uri = secondUri.value();
    QVERIFY(!fixture.runDevices({QStringLiteral("line-2")}, sim::SimProfile::Teep, goesAway).value(0).ok);
    fixture.uri = firstUri;
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 2);

    const Result<int> interrupted = second.interruptOpenSessions();
    QVERIFY(interrupted.ok());
    const QString ofDevice = QStringLiteral("SELECT s.state FROM sessions s JOIN devices d ON d.id = s.device_id WHERE d.name = ?");
    if (test::onPostgres()) {
        // On a shared database the sessions' state is in the database, no server's own: the one
        // that stops leaves both for whichever server the devices reach next, and both count them.
        QCOMPARE(interrupted.value(), 0);
        QCOMPARE(fixture.scalar(ofDevice, {QStringLiteral("line-1")}).toString(), QStringLiteral("open"));
        QCOMPARE(fixture.scalar(ofDevice, {QStringLiteral("line-2")}).toString(), QStringLiteral("open"));
        QCOMPARE(fixture.service->openSessions(), 2);
        QCOMPARE(second.openSessions(), 2);
        return;
    }
    QCOMPARE(interrupted.value(), 1);
    QCOMPARE(fixture.scalar(ofDevice, {QStringLiteral("line-1")}).toString(), QStringLiteral("open"));
    QCOMPARE(fixture.scalar(ofDevice, {QStringLiteral("line-2")}).toString(), QStringLiteral("failed"));
    QCOMPARE(fixture.service->openSessions(), 1);
}

void TestHostileNetwork::failedSessionsArePurgedAfterTheirRetention()
{
    test::TamFixture fixture;
    const Status ready = fixture.setUp(60);
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto add = [&fixture](const QString &state, const QDateTime &ended) {
        return store::run(fixture.db->connection(),
                          QStringLiteral("INSERT INTO sessions (profile, peer_address, state, outcome, started_at, ended_at) VALUES ('teep', 'p', ?, 'o', ?, ?)"),
                          {state, store::isoUtc(ended), store::isoUtc(ended)})
            .ok();
    };
    QVERIFY(add(QStringLiteral("failed"), now.addDays(-40)));
    QVERIFY(add(QStringLiteral("failed"), now.addDays(-10)));
    QVERIFY(add(QStringLiteral("completed"), now.addDays(-400)));
    QVERIFY(store::run(fixture.db->connection(), QStringLiteral("INSERT INTO session_messages (session_id, seq, direction, media_type, body, at) "
                                                                "SELECT id, 1, 'to-device', 'application/teep+cbor', ?, started_at FROM sessions"),
                       {QByteArray(1, '\0')})
                .ok());
    // A TAM that starts purges what is past the retention (30 days by default), and says so in the audit log.
    const auto credentials = tam::loadActiveTam(fixture.db->connection(), *fixture.keys);
    QVERIFY(credentials.ok());
    tam::TamService restarted(fixture.db->connection(), credentials.value(), SystemClock::instance());
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions")).toInt(), 2);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages")).toInt(), 2);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'completed'")).toInt(), 1);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'sessions.purged'")).toInt(), 1);

    // Failed sessions of no known device (whoever holds a token makes one) are also bounded in
    // number: beyond the newest N, they go whatever their age; a known device's are not counted.
    for (int i = 1; i <= 5; ++i)
        QVERIFY(add(QStringLiteral("failed"), now.addSecs(-i)));
    QVERIFY(store::run(fixture.db->connection(), QStringLiteral("INSERT INTO devices (name, identity_source, created_at) VALUES ('known', 'registered', 'x')")).ok());
    QVERIFY(store::run(fixture.db->connection(), QStringLiteral("UPDATE sessions SET device_id = (SELECT MIN(id) FROM devices) WHERE ended_at = ?"),
                       {store::isoUtc(now.addSecs(-5))})
                .ok());
    tam::EngineLimits limits;
    limits.keepUnknownFailed = 2;
    tam::TamService bounded(fixture.db->connection(), credentials.value(), SystemClock::instance(), limits);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'failed' AND device_id IS NULL")).toInt(), 2);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT MIN(ended_at) FROM sessions WHERE state = 'failed' AND device_id IS NULL")).toString(),
             store::isoUtc(now.addSecs(-2)));
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE device_id IS NOT NULL")).toInt(), 1);
    QCOMPARE(fixture.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'sessions.purged'")).toInt(), 2);
}

void TestHostileNetwork::theDescriptorLimitIsRaised()
{
    rlimit limit{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max <= 256)
        QSKIP("the hard descriptor limit is too low to lower the soft one");
    rlimit lowered = limit;
    lowered.rlim_cur = 256;
    QCOMPARE(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    AnsweringTam tam;
    ServerOptions options;
    options.connections.maxConnections = 1 << 30;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    rlimit now{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &now), 0);
    QVERIFY(now.rlim_cur > 256);
    QVERIFY(now.rlim_cur == limit.rlim_max || limit.rlim_max == RLIM_INFINITY);
}

void TestHostileNetwork::tlsOffersOnlyForwardSecrecyAndAead()
{
    // An RSA key, where OpenSSL would otherwise also offer static-RSA and CBC suites.
    AnsweringTam tam;
    const ServerOptions options = httpsOptions(crypto::KeyAlgorithm::Rsa2048);
    QVERIFY(!options.tlsKey.isNull());
    TamServer server(tam, options);
    QVERIFY(server.start().ok());

    auto handshake = [&server](QSsl::SslProtocol protocol, const QString &cipher) -> QString {
        QSslSocket client;
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setProtocol(protocol);
        if (!cipher.isEmpty())
            configuration.setCiphers({QSslCipher(cipher)});
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
        client.setSslConfiguration(configuration);
        QSignalSpy encrypted(&client, &QSslSocket::encrypted);
        QSignalSpy failed(&client, &QSslSocket::errorOccurred);
        client.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QElapsedTimer timer;
        timer.start();
        while (encrypted.isEmpty() && failed.isEmpty() && timer.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        return encrypted.isEmpty() ? QString() : client.sessionCipher().name();
    };
    QVERIFY(!handshake(QSsl::TlsV1_3, {}).isEmpty());
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256")), QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256"));
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("ECDHE-RSA-CHACHA20-POLY1305")), QStringLiteral("ECDHE-RSA-CHACHA20-POLY1305"));
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("AES128-GCM-SHA256")), QString());    // static RSA: no forward secrecy
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("AES256-SHA")), QString());           // static RSA, CBC-SHA1
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("ECDHE-RSA-AES128-SHA")), QString()); // CBC-SHA1
    QCOMPARE(handshake(QSsl::TlsV1_2, QStringLiteral("ECDHE-RSA-AES256-SHA384")), QString()); // CBC
}

QTEST_GUILESS_MAIN(TestHostileNetwork)
#include "tst_hostilenetwork.moc"
