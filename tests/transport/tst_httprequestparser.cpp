// The bounded HTTP/1.1 request reader: what it takes, what it refuses with which status, and that
// a limit stops it while the bytes are still coming (it never reads past a refusal). Each case is
// fed whole and then one byte at a time: the verdict must not depend on how TCP cut the stream.
#include "transport/httprequestparser.h"

#include <QTest>

using namespace teep::transport;

namespace {
struct Verdict
{
    bool complete = false;
    int status = 0; // of a refusal
    HttpRequest request;
    qsizetype used = 0;
};

Verdict parse(const QByteArray &input, HttpLimits limits, bool byteByByte)
{
    HttpRequestParser parser(limits);
    Verdict verdict;
    if (byteByByte) {
        for (qsizetype i = 0; i < input.size() && !parser.complete() && !parser.refused(); ++i)
            verdict.used += parser.feed(QByteArrayView(input).sliced(i, 1));
    } else {
        verdict.used = parser.feed(input);
    }
    verdict.complete = parser.complete();
    verdict.status = parser.refused() ? parser.refusal().status : 0;
    if (verdict.complete)
        verdict.request = parser.take();
    return verdict;
}

HttpLimits smallLimits()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 256;
    limits.maxHeaderFields = 8;
    limits.maxBodyBytes = 100;
    return limits;
}
} // namespace

class TestHttpRequestParser : public QObject
{
    Q_OBJECT

private slots:
    void verdicts_data();
    void verdicts();
    void pipelinedRequestsAreReadOneAtATime();
    void aLimitStopsTheReadingAtOnce();
    void expectContinueIsAnnouncedAfterTheHeaders();
};

void TestHttpRequestParser::verdicts_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status"); // 0: a complete request
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");

    const QByteArray post = "POST /tam HTTP/1.1\r\nHost: x\r\n";
    QTest::newRow("empty POST") << post + "Accept: application/teep+cbor\r\n\r\n" << 0 << QByteArray() << true;
    QTest::newRow("Content-Length body") << post + "Content-Length: 5\r\n\r\nhello" << 0 << QByteArray("hello") << true;
    QTest::newRow("chunked, extension and trailer") << post + "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nT: 1\r\n\r\n" << 0
                                                    << QByteArray("hello") << true;
    QTest::newRow("leading CRLF ignored") << "\r\n" + post + "\r\n" << 0 << QByteArray() << true;
    QTest::newRow("Connection: close") << post + "Connection: close\r\n\r\n" << 0 << QByteArray() << false;
    QTest::newRow("HTTP/1.0 closes") << QByteArray("POST /tam HTTP/1.0\r\n\r\n") << 0 << QByteArray() << false;
    QTest::newRow("HTTP/1.0 keep-alive") << QByteArray("POST /tam HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") << 0 << QByteArray() << true;
    QTest::newRow("equal Content-Lengths") << post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nok" << 0 << QByteArray("ok") << true;

    QTest::newRow("bare LF") << QByteArray("POST /tam HTTP/1.1\nHost: x\n\n") << 400 << QByteArray() << true;
    QTest::newRow("bare CR inside") << post + "X: a\rb\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("NUL in a value") << post + QByteArray("X: a\0b\r\n\r\n", 10) << 400 << QByteArray() << true;
    QTest::newRow("control character") << post + "X: a\x01b\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("obsolete folding") << post + "X: a\r\n  b\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("space before colon") << post + "Content-Length : 5\r\n\r\nhello" << 400 << QByteArray() << true;
    QTest::newRow("no colon") << post + "garbage\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("two spaces in request line") << QByteArray("POST  /tam HTTP/1.1\r\n\r\n") << 400 << QByteArray() << true;
    QTest::newRow("absolute target") << QByteArray("POST http://x/tam HTTP/1.1\r\n\r\n") << 400 << QByteArray() << true;
    QTest::newRow("HTTP/2.0") << QByteArray("POST /tam HTTP/2.0\r\n\r\n") << 505 << QByteArray() << true;
    QTest::newRow("not HTTP") << QByteArray("POST /tam SPDY/3\r\n\r\n") << 400 << QByteArray() << true;
    QTest::newRow("long method") << QByteArray("POSTPOSTPOSTPOSTPOST /tam HTTP/1.1\r\n\r\n") << 400 << QByteArray() << true;
    QTest::newRow("TE and CL (smuggling)") << post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("TE gzip") << post + "Transfer-Encoding: gzip, chunked\r\n\r\n" << 501 << QByteArray() << true;
    QTest::newRow("TE in HTTP/1.0") << QByteArray("POST /tam HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 400 << QByteArray() << true;
    QTest::newRow("Content-Lengths disagree") << post + "Content-Length: 2, 3\r\n\r\nok" << 400 << QByteArray() << true;
    QTest::newRow("negative Content-Length") << post + "Content-Length: -1\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("2^64 Content-Length") << post + "Content-Length: 18446744073709551616\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("Content-Length over the limit") << post + "Content-Length: 101\r\n\r\n" << 413 << QByteArray() << true;
    QTest::newRow("negative chunk size") << post + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("chunk size 0x-prefixed") << post + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("chunk size 2^64") << post + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n" << 413 << QByteArray() << true;
    QTest::newRow("chunks over the limit") << post + "Transfer-Encoding: chunked\r\n\r\n40\r\n" + QByteArray(64, 'a') + "\r\n40\r\n" << 413 << QByteArray() << true;
    QTest::newRow("chunk longer than its size") << post + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n" << 400 << QByteArray() << true;
    QTest::newRow("header block over the limit") << post + "X: " + QByteArray(300, 'a') + "\r\n\r\n" << 431 << QByteArray() << true;
    QTest::newRow("too many fields") << post + QByteArray("A: 1\r\n").repeated(9) + "\r\n" << 431 << QByteArray() << true;
    QTest::newRow("trailers count too") << post + "Transfer-Encoding: chunked\r\n\r\n0\r\n" + QByteArray("T: 1\r\n").repeated(9) + "\r\n" << 431
                                        << QByteArray() << true;
    QTest::newRow("request line over the limit") << "POST /" + QByteArray(300, 'a') + " HTTP/1.1\r\n\r\n" << 414 << QByteArray() << true;
    QTest::newRow("endless empty lines") << QByteArray("\r\n").repeated(10) << 400 << QByteArray() << true;
    QTest::newRow("Expect other than continue") << post + "Expect: 200-ok\r\n\r\n" << 417 << QByteArray() << true;
}

void TestHttpRequestParser::verdicts()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    for (const bool byteByByte : {false, true}) {
        const Verdict verdict = parse(input, smallLimits(), byteByByte);
        QCOMPARE(verdict.status, status);
        QCOMPARE(verdict.complete, status == 0);
        if (status == 0) {
            QCOMPARE(verdict.request.body, body);
            QCOMPARE(verdict.request.keepAlive, keepAlive);
            QCOMPARE(verdict.request.method, QByteArray("POST"));
            QCOMPARE(verdict.request.path(), QByteArray("/tam"));
            QCOMPARE(verdict.used, input.size());
        }
    }
}

void TestHttpRequestParser::pipelinedRequestsAreReadOneAtATime()
{
    const QByteArray first = "POST /tam HTTP/1.1\r\nContent-Length: 3\r\nContent-Type: application/teep+cbor\r\n\r\none";
    const QByteArray second = "GET /tam/payloads/sha256-ab?x=1 HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n";
    HttpRequestParser parser;
    const QByteArray both = first + second;
    const qsizetype used = parser.feed(both);
    QCOMPARE(used, first.size());
    QVERIFY(parser.complete());
    const HttpRequest one = parser.take();
    QCOMPARE(one.body, QByteArray("one"));
    QCOMPARE(one.value("content-type"), QByteArray("application/teep+cbor"));
    QCOMPARE(parser.feed(QByteArrayView(both).sliced(used)), second.size());
    const HttpRequest two = parser.take();
    QCOMPARE(two.method, QByteArray("GET"));
    QCOMPARE(two.path(), QByteArray("/tam/payloads/sha256-ab"));
    QCOMPARE(two.value("accept"), QByteArray("a, b"));
    QVERIFY(two.body.isEmpty());
}

void TestHttpRequestParser::aLimitStopsTheReadingAtOnce()
{
    // 100 MB announced: refused on the header block, before a byte of the body is taken.
    HttpRequestParser declared;
    const QByteArray head = "POST /tam HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n";
    QCOMPARE(declared.feed(head + QByteArray(4096, 'x')), 0);
    QVERIFY(declared.refused());
    QCOMPARE(declared.refusal().status, 413);

    // Chunked: it takes the chunks that fit and refuses the one that would cross the limit.
    HttpLimits limits;
    limits.maxBodyBytes = 1000;
    HttpRequestParser chunked(limits);
    QVERIFY(chunked.feed("POST /tam HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") > 0);
    const QByteArray chunk = "100\r\n" + QByteArray(256, 'x') + "\r\n";
    int accepted = 0;
    while (!chunked.refused() && accepted < 100) {
        chunked.feed(chunk);
        ++accepted;
    }
    QCOMPARE(chunked.refusal().status, 413);
    QCOMPARE(accepted, 4); // 3 × 256 = 768 fit; the fourth would make 1024

    // An endless header line: refused once the header block is over its budget.
    HttpRequestParser endless;
    QVERIFY(endless.feed("POST /tam HTTP/1.1\r\nX: ") > 0);
    qsizetype fed = 0;
    while (!endless.refused() && fed < 1024 * 1024) {
        endless.feed(QByteArray(1000, 'a'));
        fed += 1000;
    }
    QCOMPARE(endless.refusal().status, 431);
    QVERIFY(fed <= HttpLimits().maxHeaderBytes + 1000);
}

void TestHttpRequestParser::expectContinueIsAnnouncedAfterTheHeaders()
{
    HttpRequestParser parser;
    parser.feed("POST /tam HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n");
    QVERIFY(!parser.wantsContinue());
    parser.feed("\r\n");
    QVERIFY(parser.wantsContinue());
    parser.feed("body");
    QVERIFY(parser.complete());
    QVERIFY(!parser.wantsContinue());
}

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "tst_httprequestparser.moc"
