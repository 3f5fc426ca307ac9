// The OTrP planner: from assignments and a TEE's report to the commands that close the gap.
#include "tam/otrpplanner.h"

#include <QTest>

using namespace teep::tam;
using teep::protocol::otrp::SdEntry;
using teep::protocol::otrp::TaEntry;

using Versions = QMap<QString, qint64>;

namespace {
DesiredTa want(const QString &taid, const QString &spid, qint64 version, bool rollback = false)
{
    return DesiredTa{version, taid, spid, version, "signed", rollback, {}, {}};
}

SdEntry sd(const QString &name, const QString &spid, const QStringList &tas)
{
    SdEntry entry{name, spid, {}, QStringLiteral("tam"), {}};
    for (const QString &taid : tas)
        entry.tas << TaEntry{taid, {}};
    return entry;
}

QStringList describe(const OtrpPlan &plan)
{
    QStringList out;
    for (const PlannedStep &step : plan.steps)
        out << QStringLiteral("%1 %2%3").arg(stepCommand(step.kind), step.sdName, step.taid.isEmpty() ? QString() : QLatin1Char('/') + step.taid +
                                                                                   (step.ta ? QStringLiteral(" v%1").arg(step.ta->sequence) : QString()));
    return out;
}
} // namespace

class TestOtrpPlanner : public QObject
{
    Q_OBJECT

private slots:
    void plans_data();
    void plans();
};

void TestOtrpPlanner::plans_data()
{
    QTest::addColumn<QList<DesiredTa>>("desired");
    QTest::addColumn<QList<SdEntry>>("reported");
    QTest::addColumn<Versions>("installed");
    QTest::addColumn<QStringList>("steps");
    QTest::addColumn<int>("notes");
    QTest::newRow("fresh device") << QList{want("wallet", "acme", 2), want("drm", "globex", 1)} << QList<SdEntry>{} << Versions{}
                                  << QStringList{"CreateSD acme", "CreateSD globex", "InstallTA acme/wallet v2", "InstallTA globex/drm v1"} << 0;
    QTest::newRow("up to date") << QList{want("wallet", "acme", 2)} << QList{sd("acme", "acme", {"wallet"})} << Versions{{"wallet", 2}} << QStringList{} << 0;
    QTest::newRow("newer version") << QList{want("wallet", "acme", 3)} << QList{sd("acme", "acme", {"wallet"})} << Versions{{"wallet", 2}}
                                   << QStringList{"UpdateTA acme/wallet v3"} << 0;
    QTest::newRow("older version, no rollback") << QList{want("wallet", "acme", 1)} << QList{sd("acme", "acme", {"wallet"})} << Versions{{"wallet", 2}}
                                                << QStringList{} << 1;
    QTest::newRow("older version, rollback allowed") << QList{want("wallet", "acme", 1, true)} << QList{sd("acme", "acme", {"wallet"})}
                                                     << Versions{{"wallet", 2}} << QStringList{"DeleteTA acme/wallet", "InstallTA acme/wallet v1"} << 0;
    QTest::newRow("version unknown to the TAM") << QList{want("wallet", "acme", 2)} << QList{sd("acme", "acme", {"wallet"})} << Versions{}
                                                << QStringList{"DeleteTA acme/wallet", "InstallTA acme/wallet v2"} << 0;
    QTest::newRow("unassigned TA") << QList{want("wallet", "acme", 2)} << QList{sd("acme", "acme", {"wallet", "old"})} << Versions{{"wallet", 2}, {"old", 1}}
                                   << QStringList{"DeleteTA acme/old"} << 0;
    QTest::newRow("SP with nothing assigned") << QList<DesiredTa>{} << QList{sd("acme", "acme", {"wallet"})} << Versions{{"wallet", 2}}
                                              << QStringList{"DeleteSD acme"} << 0;
    QTest::newRow("TA in another SP's domain") << QList{want("wallet", "acme", 2)} << QList{sd("acme", "acme", {}), sd("globex", "globex", {"wallet"})}
                                               << Versions{{"wallet", 2}}
                                               << QStringList{"DeleteTA globex/wallet", "InstallTA acme/wallet v2", "DeleteSD globex"} << 0;
    QTest::newRow("existing SD with another name") << QList{want("wallet", "acme", 1)} << QList{sd("payments", "acme", {})} << Versions{}
                                                   << QStringList{"InstallTA payments/wallet v1"} << 0;
}

void TestOtrpPlanner::plans()
{
    QFETCH(QList<DesiredTa>, desired);
    QFETCH(QList<SdEntry>, reported);
    QFETCH(Versions, installed);
    QFETCH(QStringList, steps);
    QFETCH(int, notes);
    const OtrpPlan plan = planOtrp(desired, reported, installed);
    QCOMPARE(describe(plan), steps);
    QCOMPARE(plan.notes.size(), notes);
}

QTEST_GUILESS_MAIN(TestOtrpPlanner)
#include "tst_otrpplanner.moc"
