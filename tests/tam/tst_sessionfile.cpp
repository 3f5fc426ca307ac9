// A session file carries the public keys its messages were signed with: they are written and read
// back as they were; a key that is not one, a role other than tam or device, or too many keys are
// refused with where.
#include "crypto/key.h"
#include "tam/sessionfile.h"

#include <QTest>

class TestSessionFile : public QObject
{
    Q_OBJECT

private:
    static QByteArray withKeys(const QByteArray &keys)
    {
        return R"({"format": "teep-console-session", "version": 1, "session": {"id": 7, "profile": "teep"}, "messages": [], "keys": )" + keys + "}";
    }

private slots:
    void keysTravelWithTheMessages()
    {
        const auto tamKey = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256);
        const auto agentKey = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::Ed25519);
        QVERIFY(tamKey.ok() && agentKey.ok());
        teep::tam::SessionFile file;
        file.session.id = 7;
        file.session.profile = QStringLiteral("teep");
        file.keys = {{QStringLiteral("tam"), tamKey.value().publicKeyDer()}, {QStringLiteral("device"), agentKey.value().publicKeyDer()}};
        const auto read = teep::tam::readSessionFile(teep::tam::writeSessionFile(file));
        QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error().toString()));
        QCOMPARE(read.value().keys.size(), 2);
        QCOMPARE(read.value().keys.at(0).role, QStringLiteral("tam"));
        QCOMPARE(read.value().keys.at(0).spki, tamKey.value().publicKeyDer());
        QCOMPARE(read.value().keys.at(1).spki, agentKey.value().publicKeyDer());
        // A file without keys (an earlier console's) still reads.
        QVERIFY(teep::tam::readSessionFile(R"({"format": "teep-console-session", "version": 1, "session": {"id": 1, "profile": "otrp"}, "messages": []})").ok());
    }

    void badKeysAreRefusedWithWhere_data()
    {
        QTest::addColumn<QByteArray>("keys");
        QTest::addColumn<QString>("where");
        QTest::newRow("not an array") << QByteArray(R"({"role": "tam"})") << "keys";
        QTest::newRow("unknown role") << QByteArray(R"([{"role": "verifier", "spki": "AAAA"}])") << "keys[0]";
        QTest::newRow("not base64") << QByteArray(R"([{"role": "tam", "spki": "%%%"}])") << "keys[0]";
        QTest::newRow("not a key") << QByteArray(R"([{"role": "device", "spki": "AAECAwQ="}])") << "keys[0]";
        QByteArray many = "[";
        for (int i = 0; i < 9; ++i)
            many += QByteArray(i ? "," : "") + R"({"role": "tam", "spki": "AAAA"})";
        QTest::newRow("too many") << many + "]" << "keys";
    }
    void badKeysAreRefusedWithWhere()
    {
        QFETCH(QByteArray, keys);
        QFETCH(QString, where);
        const auto read = teep::tam::readSessionFile(withKeys(keys));
        QVERIFY(!read.ok());
        QCOMPARE(read.error().where, where);
    }
};

QTEST_GUILESS_MAIN(TestSessionFile)
#include "tst_sessionfile.moc"
