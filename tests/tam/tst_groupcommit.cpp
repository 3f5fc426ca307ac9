// Group commit in the TEEP-over-HTTP server: answers wait for the commit of what the TAM recorded
// for them, many requests share one commit, and a failed commit turns the TAM's answers into 500
// while the HTTP-level answers stay what they were. Real HTTP on 127.0.0.1, raw sockets.
#include "transport/tamserver.h"

#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

using namespace teep;
using namespace teep::transport;

namespace {

// A TAM that numbers its answers and remembers which numbers are durable.
class CountingTam : public TamEndpoint
{
public:
    bool supports(Profile) const override { return true; }
    Result<QByteArray> start(Profile, const QString &) override
    {
        pending << ++last;
        return QByteArray::number(last);
    }
    Result<std::optional<QByteArray>> process(Profile, const QByteArray &body, const QString &) override
    {
        if (body == "done")
            return std::optional<QByteArray>();
        return Error{QStringLiteral("tam.bad-message"), QStringLiteral("no such session")};
    }
    Status makeDurable() override
    {
        ++commits;
        if (failCommits) {
            pending.clear();
            return Error{QStringLiteral("tam.store"), QStringLiteral("disk full")};
        }
        durable += pending;
        pending.clear();
        return {};
    }

    int last = 0;
    int commits = 0;
    bool failCommits = false;
    QSet<int> pending;
    QSet<int> durable;
};

// An empty POST: the device starts a session.
const QByteArray kStartRequest = "POST /tam HTTP/1.1\r\nHost: x\r\nAccept: application/teep+cbor\r\nContent-Length: 0\r\n\r\n";

struct Answer
{
    int status = 0;
    QByteArray head;
    QByteArray body;
};

// Reads one HTTP answer (status line, headers, Content-Length body) from a socket.
Answer readAnswer(QTcpSocket &socket)
{
    QByteArray data;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000) {
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QByteArray head = data.left(end);
            const qsizetype at = head.toLower().indexOf("content-length: ");
            const qsizetype length = at < 0 ? 0 : head.mid(at + 16).split('\r').first().toLongLong();
            if (data.size() >= end + 4 + length)
                return {head.split(' ').value(1).toInt(), head, data.mid(end + 4, length)};
        }
        if (!socket.waitForReadyRead(100))
            QCoreApplication::processEvents();
        data += socket.readAll();
    }
    return {};
}

} // namespace

class TestGroupCommit : public QObject
{
    Q_OBJECT

private slots:
    void answersWaitForOneSharedCommit();
    void aFailedCommitTurnsTamAnswersInto500();
    void withoutGroupCommitEachAnswerHasItsOwnCommit();
    void theEndOfASessionIs204WithoutContentLength();
    void afterStopNoConnectionIsTaken();

private:
    std::vector<std::unique_ptr<QTcpSocket>> connectAndSend(quint16 port, const QList<QByteArray> &requests);
};

std::vector<std::unique_ptr<QTcpSocket>> TestGroupCommit::connectAndSend(quint16 port, const QList<QByteArray> &requests)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < requests.size(); ++i) {
        sockets.push_back(std::make_unique<QTcpSocket>());
        sockets.back()->connectToHost(QHostAddress::LocalHost, port);
        if (!sockets.back()->waitForConnected(5000))
            return {};
    }
    // Let the server accept them all, then send every request before it can answer any.
    QTest::qWait(50);
    for (size_t i = 0; i < sockets.size(); ++i) {
        sockets[i]->write(requests[qsizetype(i)]);
        sockets[i]->flush();
    }
    return sockets;
}

void TestGroupCommit::answersWaitForOneSharedCommit()
{
    CountingTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    const QList<QByteArray> requests(16, kStartRequest);
    auto sockets = connectAndSend(server.port(), requests);
    QCOMPARE(int(sockets.size()), 16);

    QSet<int> seen;
    for (auto &socket : sockets) {
        const Answer answer = readAnswer(*socket);
        QCOMPARE(answer.status, 200);
        const int number = answer.body.toInt();
        // What the device reads is already durable.
        QVERIFY2(tam.durable.contains(number), answer.body.constData());
        seen << number;
    }
    QCOMPARE(seen.size(), 16);
    // The sixteen round trips shared commits instead of paying one each.
    QVERIFY2(tam.commits < 16, qPrintable(QString::number(tam.commits)));
    QVERIFY(tam.commits >= 1);
}

void TestGroupCommit::aFailedCommitTurnsTamAnswersInto500()
{
    CountingTam tam;
    tam.failCommits = true;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    const QList<QByteArray> requests{
        kStartRequest,
        "GET /tam HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /tam HTTP/1.1\r\nHost: x\r\nContent-Type: application/teep+cbor\r\nContent-Length: 3\r\n\r\nabc",
    };
    auto sockets = connectAndSend(server.port(), requests);
    QCOMPARE(int(sockets.size()), 3);

    const Answer started = readAnswer(*sockets[0]);
    QCOMPARE(started.status, 500);
    QVERIFY2(started.body.contains("could not save"), started.body.constData());
    // HTTP-level refusals do not depend on the TAM's records.
    QCOMPARE(readAnswer(*sockets[1]).status, 405);
    // The engine's own refusal is replaced as well: the device learns the TAM failed.
    QCOMPARE(readAnswer(*sockets[2]).status, 500);
    QVERIFY(tam.durable.isEmpty());
}

void TestGroupCommit::withoutGroupCommitEachAnswerHasItsOwnCommit()
{
    CountingTam tam;
    ServerOptions options;
    options.groupCommit = false; // as the console runs it
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto sockets = connectAndSend(server.port(), QList<QByteArray>(8, kStartRequest));
    QCOMPARE(int(sockets.size()), 8);
    for (auto &socket : sockets) {
        const Answer answer = readAnswer(*socket);
        QCOMPARE(answer.status, 200);
        QVERIFY(tam.durable.contains(answer.body.toInt()));
    }
    QCOMPARE(tam.commits, 8);
}

void TestGroupCommit::theEndOfASessionIs204WithoutContentLength()
{
    CountingTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto sockets = connectAndSend(server.port(), {"POST /tam HTTP/1.1\r\nHost: x\r\nContent-Type: application/teep+cbor\r\nContent-Length: 4\r\n\r\ndone"});
    QCOMPARE(int(sockets.size()), 1);
    const Answer done = readAnswer(*sockets[0]);
    QCOMPARE(done.status, 204);
    // RFC 9110 8.6; the security headers are still there.
    QVERIFY2(!done.head.toLower().contains("content-length"), done.head.constData());
    QVERIFY(done.head.contains("X-Content-Type-Options: nosniff"));
    QVERIFY(!done.head.toLower().contains("cache-control"));
}

void TestGroupCommit::afterStopNoConnectionIsTaken()
{
    CountingTam tam;
    const ServerOptions options;
    TamServer server(tam, options);
    QVERIFY(server.start().ok());
    auto sockets = connectAndSend(server.port(), {kStartRequest});
    QCOMPARE(int(sockets.size()), 1);
    QCOMPARE(readAnswer(*sockets[0]).status, 200);

    server.stop();
    QTcpSocket late;
    late.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(!late.waitForConnected(2000));
    QCOMPARE(late.error(), QAbstractSocket::ConnectionRefusedError);
    // A connection already open is not cut: its next request is still answered.
    sockets[0]->write(kStartRequest);
    sockets[0]->flush();
    const Answer again = readAnswer(*sockets[0]);
    QCOMPARE(again.status, 200);
    QVERIFY(tam.durable.contains(again.body.toInt()));
}

QTEST_GUILESS_MAIN(TestGroupCommit)
#include "tst_groupcommit.moc"
