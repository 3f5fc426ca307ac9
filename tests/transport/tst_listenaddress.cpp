// Where a TAM listens, as an operator writes it: IPv4 and IPv6 (bracketed) with a port, an
// address alone (the default port), port 0; anything else refused with an example.
#include "transport/listenaddress.h"

#include <QTest>

using teep::transport::parseListenAddress;

class TestListenAddress : public QObject
{
    Q_OBJECT

private slots:
    void readsWhatOperatorsWrite_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("port");
        QTest::newRow("loopback") << "127.0.0.1:8765" << "127.0.0.1" << 8765;
        QTest::newRow("every interface") << "0.0.0.0:9000" << "0.0.0.0" << 9000;
        QTest::newRow("any free port") << "127.0.0.1:0" << "127.0.0.1" << 0;
        QTest::newRow("address alone") << "192.0.2.7" << "192.0.2.7" << 8765;
        QTest::newRow("IPv6 with port") << "[::1]:8443" << "::1" << 8443;
        QTest::newRow("IPv6 alone") << "::1" << "::1" << 8765;
        QTest::newRow("blanks around") << "  10.0.0.1:80 " << "10.0.0.1" << 80;
    }
    void readsWhatOperatorsWrite()
    {
        QFETCH(QString, text);
        QFETCH(QString, address);
        QFETCH(int, port);
        const auto parsed = parseListenAddress(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(parsed.value().first, QHostAddress(address));
        QCOMPARE(int(parsed.value().second), port);
    }

    void refusesTheRest_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"", "localhost:80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "300.1.1.1:80", "[::1:80",
                                "1.2.3.4:80:90"})
            QTest::newRow(bad) << QString::fromLatin1(bad);
    }
    void refusesTheRest()
    {
        QFETCH(QString, text);
        const auto parsed = parseListenAddress(text);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, QStringLiteral("tam.listen"));
        QVERIFY2(parsed.error().message.contains(QStringLiteral("e.g. 127.0.0.1:8765")), qPrintable(parsed.error().message));
    }
};

QTEST_GUILESS_MAIN(TestListenAddress)
#include "tst_listenaddress.moc"
