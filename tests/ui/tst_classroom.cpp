// A trainer's path in the Devices view: the demo devices step one message per click of Next (the
// TAM sees nothing until then), and a fault picked from the Faults menu is injected into the next
// devices, whose sessions the TAM then refuses.
#include "devices/classroomcontrols.h"
#include "devices/devicespage.h"
#include "mainwindow.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "tam/tamhost.h"
#include "tempdir.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QToolButton>

using teep::ui::Page;

class TestClassroom : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void stepModeAdvancesOneMessagePerClick();
    void aFaultPickedInTheMenuIsInjected();

private:
    void screenshot(const QString &name, QSize size)
    {
        if (!qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            return;
        const QSize before = m_window->size();
        m_window->resize(size);
        QCoreApplication::processEvents();
        m_window->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
        m_window->resize(before);
    }
    void setUpDemo(int devices)
    {
        m_prompts.confirmations.enqueue(true);
        QVERIFY(m_page->setUpDemo());
        m_page->findChild<QSpinBox *>(QStringLiteral("demo-count"))->setValue(devices);
    }

    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
    teep::ui::DevicesPage *m_page = nullptr;
};

void TestClassroom::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_prompts = {};
    auto db = teep::store::Database::open(m_dir->database(QStringLiteral("classroom.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1024, 768);
    m_window->show();
    m_window->showPage(Page::Devices);
    m_page = m_window->devicesPage();
    QVERIFY(m_page);
}

void TestClassroom::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

void TestClassroom::stepModeAdvancesOneMessagePerClick()
{
    setUpDemo(1);
    auto *pace = m_page->findChild<QComboBox *>(QStringLiteral("demo-pace"));
    pace->setCurrentIndex(pace->findData(int(teep::sim::Pace::Step)));
    auto *next = m_page->findChild<QPushButton *>(QStringLiteral("demo-next-button"));
    auto *waiting = m_page->findChild<QLabel *>(QStringLiteral("demo-waiting"));
    QVERIFY(!next->isEnabled());

    // What reaches the TAM, message by message.
    QStringList arrived;
    connect(&m_window->tamHost(), &teep::tam::TamHost::sessionEvents, this, [&arrived](const QList<teep::tam::SessionEvent> &events) {
        for (const teep::tam::SessionEvent &event : events)
            if (event.kind == teep::tam::SessionEvent::Kind::MessageIn)
                arrived << event.summary;
    });
    QSignalSpy finished(m_page, &teep::ui::DevicesPage::demoDevicesFinished);
    QTest::mouseClick(m_page->findChild<QPushButton *>(QStringLiteral("demo-run-button")), Qt::LeftButton);
    QVERIFY2(m_page->demoDevicesRunning(), qPrintable(m_prompts.errors.join(QLatin1Char('\n'))));

    // The device's first POST waits for Next: the TAM has seen nothing.
    QTRY_VERIFY(next->isEnabled());
    QCOMPARE(waiting->text(), QStringLiteral("Next: teep-001: message 1 (an empty POST: it opens the session)"));
    QTest::qWait(300);
    QVERIFY(arrived.isEmpty());
    screenshot(QStringLiteral("classroom-step-1024"), QSize(1024, 768));
    screenshot(QStringLiteral("classroom-step-1600"), QSize(1600, 1000));

    // Each click lets exactly one message go: the TAM answers it, and the device's reply waits.
    int clicks = 0;
    while (finished.isEmpty() && clicks < 10) {
        const qsizetype before = arrived.size();
        QTest::mouseClick(next, Qt::LeftButton);
        ++clicks;
        // The click reaches the devices' thread queued: the button stays enabled until the gate says
        // otherwise, so wait for the next message's own label (or the end), not for the button.
        const QString nextLabel = QStringLiteral("Next: teep-001: message %1").arg(clicks + 1);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || waiting->text().startsWith(nextLabel), 20000);
        QTRY_COMPARE(arrived.size(), before + (clicks == 1 ? 0 : 1)); // an empty first POST starts a session: no message in it
        QTest::qWait(200); // nothing more goes on its own
        QCOMPARE(arrived.size(), before + (clicks == 1 ? 0 : 1));
        if (finished.isEmpty()) {
            QVERIFY(next->isEnabled());
            QVERIFY2(waiting->text() == QStringLiteral("Next: teep-001: message %1").arg(clicks + 1) + waiting->text().mid(waiting->text().indexOf(QLatin1String(" ("))),
                     qPrintable(waiting->text()));
        }
    }
    // TEEP: the empty POST (QueryRequest back), the QueryResponse (Update back), the Success (204).
    QCOMPARE(clicks, 3);
    QCOMPARE(arrived, (QStringList{QStringLiteral("QueryResponse"), QStringLiteral("Success")}));
    QCOMPARE(finished.first().at(0).toInt(), 1);
    QVERIFY(!next->isEnabled());
    QVERIFY(waiting->text().isEmpty());
}

void TestClassroom::aFaultPickedInTheMenuIsInjected()
{
    setUpDemo(2);
    auto *faults = m_page->findChild<QToolButton *>(QStringLiteral("demo-faults-button"));
    QCOMPARE(faults->text(), QStringLiteral("Faults: none"));
    QAction *badSignature = faults->menu()->findChild<QAction *>(QStringLiteral("fault-bad-signature"));
    QVERIFY(badSignature);
    QCOMPARE(faults->menu()->actions().size(), 7); // every fault (and trait) teep-devsim injects but "slow", which is the pace
    badSignature->trigger();
    QCOMPARE(faults->text(), QStringLiteral("Faults: 1"));
    QVERIFY(m_page->classroom()->faults().badSignature);

    QSignalSpy finished(m_page, &teep::ui::DevicesPage::demoDevicesFinished);
    QVERIFY(m_page->startDemoDevices(2, true));
    QVERIFY(!faults->isEnabled()); // made into the devices as they start
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(0).toInt(), 0);
    QCOMPARE(finished.first().at(1).toInt(), 2);
    auto *log = m_page->findChild<QListWidget *>(QStringLiteral("session-log"));
    QCOMPARE(log->findItems(QStringLiteral("FAILED"), Qt::MatchContains).size(), 2);
    QVERIFY(faults->isEnabled());

    // Without the fault the same devices complete.
    badSignature->trigger();
    QVERIFY(m_page->startDemoDevices(2, true));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.last().at(0).toInt(), 2);
}

QTEST_MAIN(TestClassroom)
#include "tst_classroom.moc"
