// The classroom's pace: step holds every message until next(), in the order they came; a device
// that went away is skipped; leaving step lets every held message go; slow waits before each.
#include "sim/messagegate.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using teep::sim::MessageGate;
using teep::sim::Pace;

class TestMessageGate : public QObject
{
    Q_OBJECT

private slots:
    void realTimeLetsGoAtOnce()
    {
        MessageGate gate;
        QObject device;
        int sent = 0;
        gate.pass(&device, QStringLiteral("a"), [&sent] { ++sent; });
        QCOMPARE(sent, 1);
        QCOMPARE(gate.waiting(), 0);
    }

    void stepHoldsUntilNextInOrder()
    {
        MessageGate gate;
        gate.setPace(Pace::Step);
        QSignalSpy announced(&gate, &MessageGate::waitingChanged);
        QObject first;
        QObject second;
        QStringList sent;
        gate.pass(&first, QStringLiteral("first: message 1"), [&sent] { sent << QStringLiteral("first"); });
        gate.pass(&second, QStringLiteral("second: message 1"), [&sent] { sent << QStringLiteral("second"); });
        QVERIFY(sent.isEmpty());
        QCOMPARE(gate.waiting(), 2);
        QCOMPARE(announced.last().at(0).toInt(), 2);
        QCOMPARE(announced.last().at(1).toString(), QStringLiteral("first: message 1"));

        QVERIFY(gate.next());
        QCOMPARE(sent, QStringList{QStringLiteral("first")});
        QCOMPARE(announced.last().at(0).toInt(), 1);
        QCOMPARE(announced.last().at(1).toString(), QStringLiteral("second: message 1"));
        QVERIFY(gate.next());
        QCOMPARE(sent, (QStringList{QStringLiteral("first"), QStringLiteral("second")}));
        QVERIFY(!gate.next());
        QCOMPARE(announced.last().at(0).toInt(), 0);
    }

    void aDeviceThatWentAwayIsSkipped()
    {
        MessageGate gate;
        gate.setPace(Pace::Step);
        auto gone = std::make_unique<QObject>();
        QObject stays;
        QStringList sent;
        gate.pass(gone.get(), QStringLiteral("gone"), [&sent] { sent << QStringLiteral("gone"); });
        gate.pass(&stays, QStringLiteral("stays"), [&sent] { sent << QStringLiteral("stays"); });
        gone.reset();
        QCOMPARE(gate.waiting(), 1);
        QVERIFY(gate.next());
        QCOMPARE(sent, QStringList{QStringLiteral("stays")});
    }

    void leavingStepLetsEveryHeldMessageGo()
    {
        MessageGate gate;
        gate.setPace(Pace::Step);
        QObject device;
        int sent = 0;
        for (int i = 0; i < 3; ++i)
            gate.pass(&device, QStringLiteral("m"), [&sent] { ++sent; });
        QCOMPARE(sent, 0);
        gate.setPace(Pace::RealTime);
        QCOMPARE(sent, 3);
        QCOMPARE(gate.waiting(), 0);
    }

    void slowWaitsBeforeEachMessage()
    {
        MessageGate gate;
        gate.setPace(Pace::Slow, 150);
        QObject device;
        QElapsedTimer timer;
        timer.start();
        qint64 sentAfter = -1;
        gate.pass(&device, QStringLiteral("m"), [&] { sentAfter = timer.elapsed(); });
        QCOMPARE(sentAfter, -1);
        QTRY_VERIFY(sentAfter >= 0);
        QVERIFY2(sentAfter >= 140, qPrintable(QString::number(sentAfter)));
    }
};

QTEST_GUILESS_MAIN(TestMessageGate)
#include "tst_messagegate.moc"
