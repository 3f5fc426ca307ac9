// The TEEP planner: from assignments, an agent's report and the TAM's records to the Update's
// contents, each manifest in the form the device takes.
#include "tam/teepplanner.h"

#include <QTest>

using namespace teep::tam;

using Versions = QMap<QString, qint64>;
using Taids = QSet<QString>;

namespace {
// A TA the operator assigned; `manifestBytes` long; with an envelope naming its payload by URI
// when `byUri`; `haveBinary` as the device's request said.
DesiredTa want(const QString &taid, qint64 version, qsizetype manifestBytes = 100, bool byUri = false, bool rollback = false,
               bool haveBinary = false)
{
    DesiredTa ta;
    ta.versionId = version;
    ta.taid = taid;
    ta.spid = QStringLiteral("acme");
    ta.sequence = version;
    ta.allowRollback = rollback;
    ta.manifest = QByteArray(manifestBytes, 'm');
    ta.manifestByUri = byUri ? QByteArray(40, 'u') : QByteArray();
    ta.haveBinary = haveBinary;
    return ta;
}

QString formName(ManifestForm form)
{
    switch (form) {
    case ManifestForm::Integrated:
        return QStringLiteral("integrated");
    case ManifestForm::WithoutPayload:
        return QStringLiteral("without payload");
    case ManifestForm::ByUri:
        return QStringLiteral("by uri");
    }
    return {};
}

// One line per decision, so that a row reads as what the device is sent.
QStringList describe(const TeepPlan &plan)
{
    QStringList out;
    for (const QString &taid : plan.gone)
        out << QStringLiteral("gone %1").arg(taid);
    for (const QString &taid : plan.reinstall)
        out << QStringLiteral("reinstall %1").arg(taid);
    for (const PlannedManifest &planned : plan.manifests)
        out << QStringLiteral("send %1 v%2 %3").arg(planned.ta.taid).arg(planned.ta.sequence).arg(formName(planned.form));
    for (const QString &taid : plan.remove)
        out << QStringLiteral("remove %1").arg(taid);
    return out;
}
} // namespace

class TestTeepPlanner : public QObject
{
    Q_OBJECT

private slots:
    void plans_data();
    void plans();
    void keepsTheAssignmentOrder();
};

void TestTeepPlanner::plans_data()
{
    QTest::addColumn<QList<DesiredTa>>("desired");
    QTest::addColumn<QStringList>("reported");
    QTest::addColumn<Versions>("installed");
    QTest::addColumn<Taids>("bundled");
    QTest::addColumn<Taids>("unneeded");
    QTest::addColumn<bool>("compatibility");
    QTest::addColumn<QStringList>("decisions");
    QTest::addColumn<QString>("note"); // a word the one note must hold; empty: no note

    const QStringList none;
    QTest::newRow("fresh device") << QList{want("wallet", 2), want("drm", 1)} << none << Versions{} << Taids{} << Taids{} << false
                                  << QStringList{"send wallet v2 integrated", "send drm v1 integrated"} << QString();
    QTest::newRow("up to date") << QList{want("wallet", 2)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{} << Taids{} << false
                                << none << QString();
    QTest::newRow("newer version") << QList{want("wallet", 3)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{} << Taids{}
                                   << false << QStringList{"send wallet v3 integrated"} << QString();
    QTest::newRow("reported, version never recorded") << QList{want("wallet", 2)} << QStringList{"wallet"} << Versions{} << Taids{}
                                                      << Taids{} << false << QStringList{"send wallet v2 integrated"} << QString();
    QTest::newRow("recorded but no longer reported") << QList{want("wallet", 2)} << none << Versions{{"wallet", 2}} << Taids{} << Taids{}
                                                     << false << QStringList{"gone wallet", "send wallet v2 integrated"} << QString();
    QTest::newRow("older version, no rollback") << QList{want("wallet", 1)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{}
                                                << Taids{} << false << none << QStringLiteral("rollback is not allowed");
    QTest::newRow("older version, rollback allowed")
        << QList{want("wallet", 1, 100, false, true)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{} << Taids{} << false
        << QStringList{"reinstall wallet", "send wallet v1 integrated"} << QString();
    QTest::newRow("no manifest") << QList{want("wallet", 1, 0)} << none << Versions{} << Taids{} << Taids{} << false << none
                                 << QStringLiteral("no SUIT manifest");
    QTest::newRow("reported, not assigned") << QList<DesiredTa>{} << QStringList{"old"} << Versions{{"old", 4}} << Taids{} << Taids{}
                                            << false << QStringList{"remove old"} << QString();
    QTest::newRow("unneeded by the device, assigned by the operator")
        << QList{want("wallet", 2)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{} << Taids{"wallet"} << false << none
        << QStringLiteral("kept");
    QTest::newRow("unneeded and not assigned") << QList<DesiredTa>{} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{}
                                               << Taids{"wallet"} << false << QStringList{"remove wallet"} << QString();
    QTest::newRow("client app bundles the binary")
        << QList{want("wallet", 2, 100, true, false, true)} << none << Versions{} << Taids{"wallet"} << Taids{} << true
        << QStringList{"send wallet v2 without payload"} << QString();
    QTest::newRow("bundled, but already on the device at another version")
        << QList{want("wallet", 3, 100, false, false, true)} << QStringList{"wallet"} << Versions{{"wallet", 2}} << Taids{"wallet"} << Taids{}
        << false << QStringList{"send wallet v3 integrated"} << QString();
    QTest::newRow("deployed agent fetches by URI") << QList{want("wallet", 2, 100, true)} << none << Versions{} << Taids{} << Taids{} << true
                                                   << QStringList{"send wallet v2 by uri"} << QString();
    QTest::newRow("deployed agent, no URI form") << QList{want("wallet", 2, 100)} << none << Versions{} << Taids{} << Taids{} << true
                                                 << QStringList{"send wallet v2 integrated"} << QString();
    QTest::newRow("large manifest by URI") << QList{want("wallet", 2, 5000, true)} << none << Versions{} << Taids{} << Taids{} << false
                                           << QStringList{"send wallet v2 by uri"} << QString();
    QTest::newRow("at the threshold, integrated") << QList{want("wallet", 2, 4096, true)} << none << Versions{} << Taids{} << Taids{}
                                                  << false << QStringList{"send wallet v2 integrated"} << QString();
}

void TestTeepPlanner::plans()
{
    QFETCH(QList<DesiredTa>, desired);
    QFETCH(QStringList, reported);
    QFETCH(Versions, installed);
    QFETCH(Taids, bundled);
    QFETCH(Taids, unneeded);
    QFETCH(bool, compatibility);
    QFETCH(QStringList, decisions);
    QFETCH(QString, note);

    const TeepPlan plan = planTeep({desired, reported, installed, bundled, unneeded, compatibility, 4096});
    QCOMPARE(describe(plan), decisions);
    if (note.isEmpty()) {
        QVERIFY2(plan.notes.isEmpty(), qPrintable(plan.notes.join(QLatin1Char('\n'))));
    } else {
        QCOMPARE(plan.notes.size(), 1);
        QVERIFY2(plan.notes.first().contains(note), qPrintable(plan.notes.first()));
    }
}

// Manifests go in the order the TAM lists them (the engine packs Updates in that order, the rest
// follow in later rounds); removals follow the agent's report.
void TestTeepPlanner::keepsTheAssignmentOrder()
{
    const TeepPlan plan = planTeep({{want("c", 1), want("a", 1), want("b", 1)}, {"z", "y", "a"}, {{"a", 0}}, {}, {}, false, 4096});
    QCOMPARE(describe(plan), (QStringList{"send c v1 integrated", "send a v1 integrated", "send b v1 integrated", "remove z", "remove y"}));
}

QTEST_GUILESS_MAIN(TestTeepPlanner)
#include "tst_teepplanner.moc"
