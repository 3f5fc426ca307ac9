// A batch's devices counted from their report rows: never in contact is waiting; a failed last
// session, a refused TA on any TEE or contraindicated evidence is failed, with each reason once;
// anything else in contact is provisioned. A device's TEEs count it once.
#include "tam/batchprogress.h"

#include <QTest>

using teep::tam::BatchState;
using teep::tam::ReportRow;

class TestBatchProgress : public QObject
{
    Q_OBJECT

private:
    static ReportRow row(const QString &device, const QString &tee, const QString &contact, const QString &outcome, const QString &tier = QStringLiteral("affirming"),
                         const QString &refused = QString())
    {
        ReportRow r;
        r.device = device;
        r.tee = tee;
        r.lastContact = contact;
        r.lastOutcome = outcome;
        r.attestation = tier;
        r.refused = refused;
        return r;
    }

private slots:
    void eachDeviceOnceWithItsState()
    {
        const QString at = QStringLiteral("2026-12-05T06:00:00.000Z");
        const QList<ReportRow> rows = {
            row(QStringLiteral("a"), QStringLiteral("primary"), at, QStringLiteral("completed: x v1 installed")),
            row(QStringLiteral("a"), QStringLiteral("secure"), at, QStringLiteral("completed: x v1 installed")),
            row(QStringLiteral("b"), QStringLiteral("teep"), at, QStringLiteral("failed: y v1 refused"), QStringLiteral("affirming"), QStringLiteral("y v1: not trusted")),
            row(QStringLiteral("c"), QStringLiteral("primary"), at, QStringLiteral("completed"), QStringLiteral("affirming")),
            row(QStringLiteral("c"), QStringLiteral("secure"), at, QStringLiteral("completed"), QStringLiteral("contraindicated")),
            row(QStringLiteral("d"), QString(), QString(), QString(), QString()),
        };
        const teep::tam::BatchProgress progress = teep::tam::batchProgress(rows);
        QCOMPARE(progress.total(), 4);
        QCOMPARE(progress.provisioned, 1);
        QCOMPARE(progress.failed, 2);
        QCOMPARE(progress.waiting, 1);
        QCOMPARE(progress.done(), 3);
        QCOMPARE(progress.devices.at(0).state, BatchState::Provisioned);
        QCOMPARE(progress.devices.at(1).state, BatchState::Failed);
        QCOMPARE(progress.devices.at(1).why, QStringLiteral("failed: y v1 refused")); // the outcome names it: said once
        QCOMPARE(progress.devices.at(2).state, BatchState::Failed);
        QCOMPARE(progress.devices.at(2).why, QStringLiteral("secure: attestation contraindicated"));
        QCOMPARE(progress.devices.at(3).state, BatchState::Waiting);
        QCOMPARE(teep::tam::batchStateName(progress.devices.at(3).state), QStringLiteral("waiting"));
    }

    void anEmptyBatch()
    {
        const teep::tam::BatchProgress progress = teep::tam::batchProgress({});
        QCOMPARE(progress.total(), 0);
        QCOMPARE(progress.done(), 0);
    }
};

QTEST_GUILESS_MAIN(TestBatchProgress)
#include "tst_batchprogress.moc"
