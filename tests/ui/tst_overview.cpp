// The Overview counts what the fleet did (devices by tier, sessions per hour, each TA version's
// rollout, requests waiting), follows the fleet while shown, and every slice, bar and figure opens
// the list behind it, filtered.
#include "attestation/attestationpage.h"
#include "common/filteredtable.h"
#include "devices/devicespage.h"
#include "inspector/messageinspectorpage.h"
#include "mainwindow.h"
#include "navigation.h"
#include "overview/overviewpage.h"
#include "scriptedprompts.h"
#include "sim/demomaterial.h"
#include "sim/devicerunner.h"
#include "store/database.h"
#include "tam/tamhost.h"
#include "tas/requestspanel.h"
#include "tas/trustedappspage.h"
#include "tempdir.h"

#include <QBarSet>
#include <QChart>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QPieSeries>
#include <QPieSlice>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStackedBarSeries>
#include <QHorizontalStackedBarSeries>
#include <QTabWidget>
#include <QTest>

using teep::ui::Page;

class TestOverview : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void countsTheFleet();
    void followsTheFleetWhileShown();
    void everyPartOpensItsList();

private:
    bool runDemoDevices(int count)
    {
        QSignalSpy finished(m_window->devicesPage(), &teep::ui::DevicesPage::demoDevicesFinished);
        return m_window->devicesPage()->startDemoDevices(count, true) && finished.wait(60000) && finished.first().at(1).toInt() == 0;
    }
    void screenshot(const QString &name, QSize size)
    {
        if (!qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            return;
        m_window->resize(size);
        QTest::qWait(50);
        m_window->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
    teep::ui::OverviewPage *overview() const { return m_window->overviewPage(); }
    qint64 completedToday() const
    {
        qint64 sum = 0;
        for (const teep::tam::FleetOverview::Hour &hour : overview()->overview().hours)
            sum += hour.completed;
        return sum;
    }
    qint64 failedToday() const
    {
        qint64 sum = 0;
        for (const teep::tam::FleetOverview::Hour &hour : overview()->overview().hours)
            sum += hour.failed;
        return sum;
    }
    bool reloadOverview()
    {
        QSignalSpy reloaded(overview(), &teep::ui::OverviewPage::reloaded);
        overview()->reload();
        return reloaded.wait(10000);
    }

    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
};

void TestOverview::initTestCase()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    auto db = teep::store::Database::open(m_dir->database(QStringLiteral("overview.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1024, 768);
    m_window->show();
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_window->devicesPage()->setUpDemo());
    QVERIFY(runDemoDevices(3));
    // A device that does not trust globex's signer: its session fails, globex-drm is refused there.
    auto material = teep::sim::readDemoDirectory(m_window->devicesPage()->demoDirectory());
    QVERIFY(material.ok());
    material.value().spSigners.removeIf(
        [](const teep::crypto::Certificate &signer) { return signer.commonName().contains(QLatin1String("globex"), Qt::CaseInsensitive); });
    QNetworkAccessManager network;
    auto picky = teep::sim::SimDevice::create(QStringLiteral("picky-01"), material.value(), {}, QUrl(m_window->tamHost().uri()), {}, network,
                                              m_dir->path(QStringLiteral("picky")), teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
    QVERIFY(picky.ok());
    std::optional<teep::sim::DeviceOutcome> outcome;
    connect(picky.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
    picky.value()->start();
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20000);
    QVERIFY(!outcome->ok);
}

void TestOverview::cleanupTestCase()
{
    m_window.reset();
    m_dir.reset();
}

void TestOverview::countsTheFleet()
{
    m_window->showPage(Page::Overview);
    QVERIFY(reloadOverview());
    const teep::tam::FleetOverview &counted = overview()->overview();
    QCOMPARE(counted.devices, 4);
    QCOMPARE(counted.tiers.value(QStringLiteral("affirming")), 4);
    QCOMPARE(counted.tiers.value(QStringLiteral("none")), 0);
    QCOMPARE(counted.hours.size(), 24);
    QCOMPARE(completedToday(), 3); // the last hour, or two when the run spans an hour's end
    QCOMPARE(failedToday(), 1);
    QCOMPARE(counted.rollout.size(), 2);
    QCOMPARE(counted.rollout.at(0).taid, QStringLiteral("acme-wallet"));
    QCOMPARE(counted.rollout.at(0).installed, 4);
    QCOMPARE(counted.rollout.at(1).taid, QStringLiteral("globex-drm"));
    QCOMPARE(counted.rollout.at(1).installed, 3);
    QCOMPARE(counted.rollout.at(1).failed, 1);
    QCOMPARE(counted.pendingRequests, 0);

    // What the operator sees.
    QCOMPARE(overview()->findChild<QPushButton *>(QStringLiteral("overview-devices"))->text(), QStringLiteral("4 device(s)"));
    QCOMPARE(overview()->findChild<QPushButton *>(QStringLiteral("overview-failures"))->text(), QStringLiteral("1 failed"));
    QCOMPARE(overview()->tierSeries()->count(), 1);
    QCOMPARE(overview()->tierSeries()->slices().first()->label(), QStringLiteral("affirming (4)"));
    auto *sessions = qobject_cast<QStackedBarSeries *>(overview()->sessionsChart()->series().value(0));
    QVERIFY(sessions);
    QCOMPARE(sessions->barSets().at(1)->label(), QStringLiteral("failed"));
    QCOMPARE(sessions->barSets().at(1)->sum(), 1.0);
    auto *rollout = qobject_cast<QHorizontalStackedBarSeries *>(overview()->rolloutChart()->series().value(0));
    QVERIFY(rollout);
    QCOMPARE(rollout->barSets().at(0)->at(1), 3.0); // globex-drm v1 installed
    screenshot(QStringLiteral("overview-1024"), QSize(1024, 768));
    screenshot(QStringLiteral("overview-1600"), QSize(1600, 1000));
    m_window->resize(1024, 768);
}

void TestOverview::followsTheFleetWhileShown()
{
    m_window->showPage(Page::Overview);
    QVERIFY(reloadOverview());
    QCOMPARE(overview()->overview().devices, 4);
    QVERIFY(runDemoDevices(5)); // two new ones, three with nothing to do; nobody reloads by hand
    QTRY_VERIFY_WITH_TIMEOUT(overview()->overview().devices == 6, 10000);
    QTRY_COMPARE(completedToday(), 8);
}

void TestOverview::everyPartOpensItsList()
{
    m_window->showPage(Page::Overview);
    QVERIFY(reloadOverview());
    emit overview()->tierSeries()->slices().first()->clicked();
    QCOMPARE(m_window->currentPage(), Page::Attestation);
    QCOMPARE(m_window->attestationPage()->table()->filter()->text(), QStringLiteral("affirming"));

    m_window->showPage(Page::Overview);
    auto *sessions = qobject_cast<QStackedBarSeries *>(overview()->sessionsChart()->series().value(0));
    emit sessions->barSets().at(1)->clicked(23);
    QCOMPARE(m_window->currentPage(), Page::MessageInspector);
    teep::ui::FilteredTable *inspected = m_window->messageInspectorPage()->table();
    QCOMPARE(inspected->filter()->text(), QStringLiteral("failed"));
    QCOMPARE(inspected->proxy()->rowCount(), 1);

    m_window->showPage(Page::Overview);
    auto *rollout = qobject_cast<QHorizontalStackedBarSeries *>(overview()->rolloutChart()->series().value(0));
    emit rollout->barSets().at(1)->clicked(1);
    QCOMPARE(m_window->currentPage(), Page::TrustedApps);
    QCOMPARE(m_window->trustedAppsPage()->tabs()->currentIndex(), 1); // Inventory
    auto *inventory = m_window->trustedAppsPage()->findChild<teep::ui::FilteredTable *>(QStringLiteral("inventory"));
    QCOMPARE(inventory->filter()->text(), QStringLiteral("globex-drm"));

    m_window->showPage(Page::Overview);
    QTest::mouseClick(overview()->findChild<QPushButton *>(QStringLiteral("overview-requests")), Qt::LeftButton);
    QCOMPARE(m_window->currentPage(), Page::TrustedApps);
    QCOMPARE(m_window->trustedAppsPage()->tabs()->currentWidget(), static_cast<QWidget *>(m_window->trustedAppsPage()->requests()));
}

QTEST_MAIN(TestOverview)
#include "tst_overview.moc"
