// The console never freezes: 200 simulated devices provision through the console's own TAM
// while an operator types in the fleet filter, and the GUI thread never goes 100 ms without
// turning its event loop. The TAM (HTTP, COSE, every commit) and the devices run on threads of
// their own; what reaches the GUI thread is queued and coalesced.
#include "devices/devicespage.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "tam/tamhost.h"
#include "tempdir.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>

namespace {
constexpr int kDevices = 200;
// The same budget in the sanitizer build (-O0), where our code runs several times slower.
constexpr qint64 kMaxStallMs = 100;
constexpr int kTickMs = 10;
constexpr int kKeystrokeMs = 60;
} // namespace

class TestConsoleStall : public QObject
{
    Q_OBJECT

private slots:
    void provisioningNeverStallsTheFleetFilter();
};

void TestConsoleStall::provisioningNeverStallsTheFleetFilter()
{
    teep::test::TempDir dir;
    teep::test::ScriptedPrompts prompts;
    auto db = teep::store::Database::open(dir.database(QStringLiteral("console.db")));
    QVERIFY(db.ok());
    teep::ui::MainWindow window(std::move(db.value()), &prompts);
    window.resize(1280, 800);
    window.show();
    window.showPage(teep::ui::Page::Devices);
    teep::ui::DevicesPage *page = window.devicesPage();
    prompts.confirmations.enqueue(true);
    QVERIFY(page->setUpDemo());

    // The GUI thread's pulse: the longest time between two turns of its event loop.
    QElapsedTimer sinceLastTick;
    qint64 longestStall = 0;
    int ticks = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    connect(&ticker, &QTimer::timeout, this, [&] {
        longestStall = std::max(longestStall, sinceLastTick.restart());
        ++ticks;
    });
    // The operator: types a device name letter by letter, clears it, starts again.
    auto *filter = page->findChild<QLineEdit *>(QStringLiteral("devices-filter"));
    auto *table = page->findChild<QTableView *>(QStringLiteral("devices-table"));
    const QString typed = QStringLiteral("teep-1");
    int keystrokes = 0;
    int narrowedTo = -1;
    QTimer typist;
    connect(&typist, &QTimer::timeout, this, [&] {
        if (filter->text().size() == typed.size()) {
            narrowedTo = std::max(narrowedTo, table->model()->rowCount());
            filter->clear();
        } else {
            QTest::keyClick(filter, typed.at(filter->text().size()).toLatin1());
        }
        ++keystrokes;
    });

    QSignalSpy finished(page, &teep::ui::DevicesPage::demoDevicesFinished);
    sinceLastTick.start();
    ticker.start(kTickMs);
    typist.start(kKeystrokeMs);
    QVERIFY(page->startDemoDevices(kDevices));
    QVERIFY(window.tamHost().isRunning());
    auto *progress = page->findChild<QProgressBar *>(QStringLiteral("demo-progress"));
    QVERIFY(progress->isVisible());
    QVERIFY(page->findChild<QPushButton *>(QStringLiteral("demo-cancel-button"))->isVisible());
    // Half-way: what the operator sees (the progress, the log, the filter answering).
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= kDevices / 2 || !finished.isEmpty(), 240000);
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR")) {
        window.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/console-busy.png"));
        sinceLastTick.restart(); // the test's own picture is not the console's stall
    }
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 240000);
    // On a fast machine the fleet can be complete before the operator finished typing a name
    // that matches: the operator goes on until a typed name has matched, the pulse still measured.
    QTRY_VERIFY_WITH_TIMEOUT(narrowedTo > 0, 10000);
    ticker.stop();
    typist.stop();

    QCOMPARE(finished.first().at(0).toInt(), kDevices);
    QCOMPARE(finished.first().at(1).toInt(), 0);
    qInfo("GUI thread: %d ticks, longest stall %lld ms, %d keystrokes", ticks, longestStall, keystrokes);
    QVERIFY2(longestStall < kMaxStallMs, qPrintable(QStringLiteral("the GUI thread stalled %1 ms").arg(longestStall)));
    QVERIFY(keystrokes > 10);
    // The filter answered: "teep-1" matched devices (teep-100 ... teep-199).
    QVERIFY(narrowedTo > 0);
    QVERIFY(narrowedTo <= 100);
    filter->clear();
    teep::ui::FleetModel *fleet = page->model();
    while (fleet->canFetchMore({})) // the view loads a page at a time as it scrolls
        fleet->fetchMore({});
    QCOMPARE(fleet->rowCount(), kDevices);
    QVERIFY(!progress->isVisible());
}

QTEST_MAIN(TestConsoleStall)
#include "tst_consolestall.moc"
