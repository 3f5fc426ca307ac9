// The console's views on a real database with the real TAM and simulated devices over HTTP:
// publishing and assigning a TA changes the inventory after the devices' next session; a client
// app's request waits in the approval queue until approved; attestation steps, the message
// sequence (exported and opened again), the security domains and the audit log's integrity are
// shown from what the sessions stored. The audit verification runs off the UI thread.
#include "attestation/attestationpage.h"
#include "audit/auditlogpage.h"
#include "common/csv.h"
#include "common/files.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "devices/devicespage.h"
#include "inspector/messageinspectorpage.h"
#include "inspector/sequencediagram.h"
#include "mainwindow.h"
#include "models/rowsmodel.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "shownpage.h"
#include "sds/securitydomainspage.h"
#include "sim/devicerunner.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/sql.h"
#include "tam/tamhost.h"
#include "tas/requestspanel.h"
#include "tas/trustedappspage.h"
#include "tempdir.h"
#include "theme.h"
#include "workspace.h"

#include <QPushButton>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QGuiApplication>

#include <cmath>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using teep::ui::Page;
using namespace teep;

class TestConsoleViews : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void emptyStatesSayWhatToDo();
    void trustedAppsPublishAssignInventory();
    void approvalQueue();
    void attestationSteps();
    void tablesSelectSeveralAndCopyThem();
    void messageInspectorExportAndOpen();
    void securityDomains();
    void auditLogOffTheUiThread();
    void filesOffTheUiThread();
    void darkTheme();

private:
    void screenshot(const QString &name)
    {
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            m_window->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
    bool runDemoDevices(int count, bool teep)
    {
        QSignalSpy finished(m_window->devicesPage(), &ui::DevicesPage::demoDevicesFinished);
        if (!m_window->devicesPage()->startDemoDevices(count, teep))
            return false;
        return finished.wait(60000) && finished.first().at(1).toInt() == 0;
    }
    // A TEEP device with a client app, against the console's own listener.
    sim::DeviceOutcome runAppDevice(const sim::AppChanges &apps)
    {
        const QString demo = m_window->devicesPage()->demoDirectory();
        auto material = sim::readDemoDirectory(demo);
        if (!material)
            qFatal("%s", qPrintable(material.error().toString()));
        auto device = sim::SimDevice::create(QStringLiteral("kiosk-1"), material.value(), {}, QUrl(m_window->tamHost().uri()), {}, m_network,
                                             m_dir->path(QStringLiteral("kiosk-state")), SystemClock::instance(), sim::SimProfile::Teep);
        if (!device || !device.value()->changeApps(apps).ok())
            qFatal("no kiosk device");
        std::optional<sim::DeviceOutcome> result;
        connect(device.value().get(), &sim::SimDevice::finished, this, [&result](const sim::DeviceOutcome &outcome) { result = outcome; });
        device.value()->start();
        QDeadlineTimer deadline(30000);
        while (!result && !deadline.hasExpired())
            QTest::qWait(10);
        if (!result)
            qFatal("kiosk device did not finish");
        return *result;
    }

    std::unique_ptr<test::TempDir> m_dir;
    test::ScriptedPrompts m_prompts;
    std::unique_ptr<ui::MainWindow> m_window;
    QNetworkAccessManager m_network;
};

void TestConsoleViews::initTestCase()
{
    m_dir = std::make_unique<test::TempDir>();
    auto db = store::Database::open(m_dir->database(QStringLiteral("console.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1280, 800);
    m_window->show();
}

void TestConsoleViews::cleanupTestCase()
{
    m_window.reset();
    m_dir.reset();
}

void TestConsoleViews::emptyStatesSayWhatToDo()
{
    const std::pair<Page, const char *> empties[] = {{Page::SecurityDomains, "security-domains-empty"}, {Page::TrustedApps, "catalog-empty"},
                                                     {Page::Attestation, "attestation-empty"},         {Page::MessageInspector, "sessions-empty"}};
    for (const auto &[page, name] : empties) {
        m_window->showPage(page);
        auto *empty = m_window->pageWidget(page)->findChild<QLabel *>(QLatin1String(name));
        QVERIFY2(empty && empty->isVisible(), name);
        QVERIFY2(empty->text().size() > 60, name); // says what to do next, not just "empty"
    }
    m_window->showPage(Page::TrustedApps);
    screenshot(QStringLiteral("trusted-apps-empty"));
    for (QWidget *page : {m_window->pageWidget(Page::TrustedApps), m_window->pageWidget(Page::MessageInspector), m_window->pageWidget(Page::AuditLog)}) {
        for (QPushButton *button : page->findChildren<QPushButton *>())
            QVERIFY2(!button->text().isEmpty() || !button->accessibleName().isEmpty(), qPrintable(button->objectName()));
    }
}

void TestConsoleViews::trustedAppsPublishAssignInventory()
{
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_window->devicesPage()->setUpDemo());
    QVERIFY(runDemoDevices(3, true));
    QVERIFY(runDemoDevices(1, false));
    ui::TrustedAppsPage *page = m_window->trustedAppsPage();
    m_window->showPage(Page::TrustedApps); // views load when shown
    QAbstractItemModelTester catalogTester(page->catalog(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester inventoryTester(page->inventory(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(page->catalog()->rowCount(), 5);
    QCOMPARE(page->assignments()->rowCount(), 2);
    // 3 TEEP devices and 1 OTrP device, each with acme-wallet v2 and globex-drm v1.
    QCOMPARE(page->inventory()->rowCount(), 8);

    // A hidden view does not read the database; it catches up when shown.
    m_window->showPage(Page::Devices);
    QVERIFY(runDemoDevices(4, true)); // teep-004 is new
    QCOMPARE(page->inventory()->rowCount(), 8);
    m_window->showPage(Page::TrustedApps);
    QCOMPARE(page->inventory()->rowCount(), 10);

    // Publish acme-wallet v3 as ACME: the catalog grows; the devices get it at their next session.
    const QString demo = m_window->devicesPage()->demoDirectory();
    QFile binary(m_dir->path(QStringLiteral("wallet-3.bin")));
    QVERIFY(binary.open(QIODevice::WriteOnly));
    binary.write(QByteArray("ACME Wallet 3 code\n").repeated(40));
    binary.close();
    QVERIFY(page->publish({QStringLiteral("acme"), QStringLiteral("acme-wallet"), QStringLiteral("ACME Wallet"), 3, binary.fileName(),
                           demo + QStringLiteral("/sp-acme.key.pem"), demo + QStringLiteral("/sp-acme.pem")}));
    QCOMPARE(page->catalog()->rowCount(), 6);
    // The wrong SP's key is refused with a message; nothing is added.
    QVERIFY(!page->publish({QStringLiteral("acme"), QStringLiteral("acme-wallet"), QString(), 4, binary.fileName(),
                            demo + QStringLiteral("/sp-globex.key.pem"), demo + QStringLiteral("/sp-globex.pem")}));
    QCOMPARE(m_prompts.errors.size(), 1);
    QCOMPARE(page->catalog()->rowCount(), 6);
    m_prompts.errors.clear();

    // Assign globex-player to one device.
    QVERIFY(page->assign({QStringLiteral("globex-player"), tam::TargetKind::Device, QStringLiteral("teep-001"), std::nullopt, false}));
    QCOMPARE(page->assignments()->rowCount(), 3);
    QVERIFY(runDemoDevices(3, true));
    bool sawV3 = false;
    bool sawPlayer = false;
    for (int row = 0; row < page->inventory()->rowCount(); ++row) {
        const QStringList cells = page->inventory()->row(row).cells;
        sawV3 = sawV3 || (cells.value(0) == QLatin1String("acme-wallet") && cells.value(1) == QLatin1String("3") && cells.value(5) == QLatin1String("installed"));
        sawPlayer = sawPlayer || (cells.value(0) == QLatin1String("globex-player") && cells.value(2) == QLatin1String("teep-001"));
    }
    QVERIFY(sawV3);
    QVERIFY(sawPlayer);
    m_window->showPage(Page::TrustedApps);
    page->tabs()->setCurrentIndex(1);
    screenshot(QStringLiteral("trusted-apps-inventory"));
    page->tabs()->setCurrentIndex(0);
    screenshot(QStringLiteral("trusted-apps-catalog"));
}

void TestConsoleViews::approvalQueue()
{
    ui::TrustedAppsPage *page = m_window->trustedAppsPage();
    ui::RequestsPanel *requests = teep::test::shown(page->requests());
    QAbstractItemModelTester tester(requests->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    sim::AppChanges apps;
    apps.install << sim::ClientApp{QStringLiteral("cinema"), {QStringLiteral("globex-player")}, {}};
    sim::DeviceOutcome outcome = runAppDevice(apps);
    QCOMPARE(outcome.waiting, QStringList{QStringLiteral("globex-player")});
    // The queue shows it (once the views caught up with the session); the tab says something waits.
    QTRY_COMPARE(requests->model()->rowCount(), 1);
    const QStringList row = requests->model()->row(0).cells;
    QCOMPARE(row.value(1), QStringLiteral("pending"));
    QCOMPARE(row.value(2), QStringLiteral("kiosk-1"));
    QCOMPARE(row.value(3), QStringLiteral("globex-player"));
    QCOMPARE(row.value(4), QStringLiteral("Globex Media"));
    QCOMPARE(page->tabs()->tabText(3), QStringLiteral("Requests (1 waiting)"));
    m_window->showPage(Page::TrustedApps);
    page->tabs()->setCurrentIndex(3);
    requests->table()->view()->selectRow(0);
    screenshot(QStringLiteral("approval-queue"));

    QCOMPARE(requests->decideSelected(true), 1); // the selected rows: bulk approval of one
    QCOMPARE(page->tabs()->tabText(3), QStringLiteral("Requests"));
    outcome = runAppDevice({});
    QVERIFY(outcome.installed.contains(QStringLiteral("globex-player v1")));
    QVERIFY(outcome.waiting.isEmpty());
    // A policy from the form: refused for Globex from now on.
    QVERIFY(requests->setPolicy(QStringLiteral("globex"), QString(), QStringLiteral("refuse")));
    QVERIFY(!requests->setPolicy(QStringLiteral("globex"), QStringLiteral("no-such-group"), QStringLiteral("approve")));
    QVERIFY(m_prompts.errors.last().contains(QStringLiteral("no device group")));
}

// Every list: Shift/Ctrl-click selects several rows, Ctrl+C (or the context menu) copies them as
// tab-separated lines under the column titles, in the order shown; nothing selected copies all.
void TestConsoleViews::tablesSelectSeveralAndCopyThem()
{
    ui::AttestationPage *page = m_window->attestationPage();
    m_window->showPage(Page::Attestation);
    ui::FilteredTable *table = page->table();
    table->filter()->clear();
    QTableView *view = table->view();
    QVERIFY(view->model()->rowCount() >= 3);
    QCOMPARE(view->contextMenuPolicy(), Qt::ActionsContextMenu);
    view->clearSelection();
    const QStringList all = table->rowsAsText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(all.size(), view->model()->rowCount() + 1);
    QCOMPARE(all.first().split(QLatin1Char('\t')).first(), view->model()->headerData(0, Qt::Horizontal).toString());

    view->selectionModel()->select(view->model()->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    view->selectionModel()->select(view->model()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(table->selectedKeys(), (QVariantList{view->model()->index(0, 0).data(ui::RowsModel::KeyRole),
                                                  view->model()->index(2, 0).data(ui::RowsModel::KeyRole)}));
    view->setFocus();
    QTest::keySequence(view, QKeySequence::Copy);
    const QStringList copied = QGuiApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(copied.size(), 3);
    QCOMPARE(copied.at(1), all.at(1));
    QCOMPARE(copied.at(2), all.at(3));
    view->clearSelection();
}

void TestConsoleViews::attestationSteps()
{
    ui::AttestationPage *page = m_window->attestationPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->showPage(Page::Attestation);
    QCOMPARE(page->model()->rowCount(), 6); // 4 TEEP agents, 1 OTrP TEE, the kiosk
    page->table()->filter()->setText(QStringLiteral("teep-002"));
    QCOMPARE(page->table()->proxy()->rowCount(), 1);
    page->table()->view()->selectRow(0);
    QTreeWidget *checks = page->checks();
    QVERIFY(checks->topLevelItemCount() >= 6);
    QStringList names;
    for (int i = 0; i < checks->topLevelItemCount(); ++i) {
        names << checks->topLevelItem(i)->text(0);
        QCOMPARE(checks->topLevelItem(i)->text(1), QStringLiteral("pass"));
    }
    QVERIFY2(names.contains(QStringLiteral("attestation certificate chain")), qPrintable(names.join(QLatin1Char(','))));
    QVERIFY(names.contains(QStringLiteral("QueryResponse signature")));
    auto *evidence = page->findChild<QPlainTextEdit *>(QStringLiteral("attestation-evidence"));
    QVERIFY2(evidence->toPlainText().contains(QStringLiteral("QueryResponse")), qPrintable(evidence->toPlainText().left(300)));
    // The EAT inside is named, claim by claim, for a class: its COSE headers, claims and cnf key.
    for (const char *name : {"33 / x5chain /", "10 / eat_nonce /", "256 / ueid /", "258 / oemid /", "8 / cnf /", "1 / COSE_Key /", "-1 / crv /"})
        QVERIFY2(evidence->toPlainText().contains(QLatin1String(name)), name);
    QVERIFY(page->findChild<QTreeWidget *>(QStringLiteral("attestation-history"))->topLevelItemCount() >= 2);
    screenshot(QStringLiteral("attestation"));
    page->table()->filter()->clear();

    // Reference values: a wrong claim is refused with a message; a good one is listed.
    QVERIFY(!page->addReferenceValue(QStringLiteral("acme-phone"), QStringLiteral("colour"), QStringLiteral("blue")));
    QVERIFY(page->addReferenceValue(QStringLiteral("acme-phone"), QStringLiteral("hwversion"), QStringLiteral("2.1")));
}

void TestConsoleViews::messageInspectorExportAndOpen()
{
    ui::MessageInspectorPage *page = m_window->messageInspectorPage();
    QAbstractItemModelTester tester(page->sessions(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->showPage(Page::MessageInspector);
    QVERIFY2(page->sessions()->rowCount() >= 9, qPrintable(QString::number(page->sessions()->rowCount())));
    // The first TEEP session: QueryRequest, QueryResponse, Update, Success between the HTTP steps.
    int row = -1;
    for (int i = page->sessions()->rowCount() - 1; i >= 0 && row < 0; --i) {
        if (page->sessions()->row(i).cells.value(2) == QLatin1String("TEEP"))
            row = i;
    }
    QVERIFY(row >= 0);
    const qint64 sessionId = page->sessions()->row(row).key.toLongLong();
    page->table()->selectKey(sessionId);
    QCOMPARE(page->diagram()->arrowCount(), 6);
    QCOMPARE(page->diagram()->selected(), 1);
    QVERIFY2(page->decoded()->toPlainText().contains(QStringLiteral("QueryRequest")), qPrintable(page->decoded()->toPlainText().left(200)));
    bool verified = false;
    for (int i = 0; i < page->steps()->topLevelItemCount(); ++i)
        verified = verified || (page->steps()->topLevelItem(i)->text(0).contains(QStringLiteral("signature")) && page->steps()->topLevelItem(i)->text(1) == QStringLiteral("ok"));
    QVERIFY2(verified, "the TAM's signature is verified with the TAM key");
    // Keyboard: Down moves to the agent's answer.
    page->diagram()->setFocus();
    QTest::keyClick(page->diagram(), Qt::Key_Down);
    QCOMPARE(page->diagram()->selected(), 2);
    QVERIFY(page->decoded()->toPlainText().contains(QStringLiteral("QueryResponse")));
    screenshot(QStringLiteral("message-inspector"));

    // Export, then open offline: the same sequence.
    const QString path = m_dir->path(QStringLiteral("recorded.teep-session.json"));
    QVERIFY(page->exportSession(sessionId, path));
    page->diagram()->setSession(QString(), {});
    QVERIFY(page->openSessionFile(path));
    QCOMPARE(page->diagram()->arrowCount(), 6);
    QVERIFY(page->title()->text().contains(QStringLiteral("recorded.teep-session.json")));
    QVERIFY(page->diagram()->arrow(1).detail.endsWith(QStringLiteral(", verified"))); // this database knows the keys
    {
        // Opened by a console on another database: checked with the keys the file carries, and said so.
        QFile recorded(path);
        QVERIFY(recorded.open(QIODevice::ReadOnly));
        QVERIFY(recorded.readAll().contains("\"role\": \"tam\""));
        auto elsewhere = store::Database::open(m_dir->database(QStringLiteral("elsewhere.db")));
        QVERIFY(elsewhere.ok());
        ui::MainWindow other(std::move(elsewhere.value()), &m_prompts);
        ui::MessageInspectorPage *otherPage = other.messageInspectorPage();
        QVERIFY(otherPage->openSessionFile(path));
        QCOMPARE(otherPage->diagram()->arrowCount(), 6);
        for (int arrow = 1; arrow <= 4; ++arrow)
            QVERIFY2(otherPage->diagram()->arrow(arrow).detail.endsWith(QStringLiteral("verified with the file's keys")),
                     qPrintable(otherPage->diagram()->arrow(arrow).detail));
        QVERIFY2(otherPage->title()->text().contains(QStringLiteral("public keys the file carries")), qPrintable(otherPage->title()->text()));
    }
    // A file that is not a session is refused with what is wrong.
    QFile bogus(m_dir->path(QStringLiteral("bogus.json")));
    QVERIFY(bogus.open(QIODevice::WriteOnly));
    bogus.write(R"({"format": "teep-console-session", "version": 1, "session": {"id": 1, "profile": "teep"}, "messages": [{"seq": 1}]})");
    bogus.close();
    const int errors = int(m_prompts.errors.size());
    QVERIFY(!page->openSessionFile(bogus.fileName()));
    QCOMPARE(m_prompts.errors.size(), errors + 1);
    QVERIFY2(m_prompts.errors.last().contains(QStringLiteral("messages[0]")), qPrintable(m_prompts.errors.last()));
    QCOMPARE(page->diagram()->arrowCount(), 6); // what was shown stays
}

void TestConsoleViews::securityDomains()
{
    auto *page = m_window->securityDomainsPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->showPage(Page::SecurityDomains);
    QCOMPARE(page->model()->rowCount(), 2); // the OTrP device: acme and globex
    QStringList sps;
    for (int row = 0; row < 2; ++row)
        sps << page->model()->row(row).cells.value(0);
    sps.sort();
    QCOMPARE(sps, (QStringList{QStringLiteral("acme"), QStringLiteral("globex")}));
    m_window->showPage(Page::SecurityDomains);
    screenshot(QStringLiteral("security-domains"));
}

// Imports and exports read and write through runOffThread: the step runs on an Operation's
// thread and its Result (or Status) comes back as it was; files beyond their limit are refused
// by name, and a failed write leaves the file that was there.
void TestConsoleViews::filesOffTheUiThread()
{
    const QString database = m_window->workspace().database().path();
    QThread *ran = nullptr;
    const Result<int> value = ui::runOffThread(m_window.get(), QStringLiteral("Counting..."), database, [&](ui::OperationContext &context) -> Result<int> {
        ran = QThread::currentThread();
        return context.database.path().isEmpty() ? -1 : 42;
    });
    QVERIFY(value);
    QCOMPARE(value.value(), 42);
    QVERIFY(ran != nullptr && ran != QThread::currentThread());
    const Status refused = ui::runOffThread(m_window.get(), QStringLiteral("Failing..."), database, [](ui::OperationContext &) -> Status {
        return Error{QStringLiteral("test.refused"), QStringLiteral("no")};
    });
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, QStringLiteral("test.refused"));

    const QString path = m_dir->path(QStringLiteral("anchor.pem"));
    QVERIFY(ui::writeLocalFile(path, QByteArray(2048, 'a')));
    const Result<QByteArray> whole = ui::readLocalFile(path, 2048);
    QVERIFY(whole);
    QCOMPARE(whole.value().size(), 2048);
    const Result<QByteArray> tooLarge = ui::readLocalFile(path, 2047);
    QVERIFY(!tooLarge);
    QCOMPARE(tooLarge.error().code, QStringLiteral("ui.read"));
    QCOMPARE(tooLarge.error().where, path);
    const Result<QByteArray> missing = ui::readLocalFile(m_dir->path(QStringLiteral("nothing-here.pem")), 2048);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, QStringLiteral("ui.read"));
    const Status unwritable = ui::writeLocalFile(m_dir->path(QStringLiteral("no-such-folder/anchor.pem")), "x");
    QVERIFY(!unwritable);
    QCOMPARE(unwritable.error().code, QStringLiteral("ui.write"));
    QCOMPARE(ui::readLocalFile(path, 4096).value().size(), 2048); // untouched by the failures
}

void TestConsoleViews::auditLogOffTheUiThread()
{
    ui::AuditLogPage *page = m_window->auditLogPage();
    QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<ui::Operation::Outcome> done; // what each operation came to
    connect(page, &ui::AuditLogPage::operationFinished, this, [&done](const ui::Operation::Outcome &outcome) { done.push_back(outcome); });
    const auto waitForOne = [&done] { return QTest::qWaitFor([&done] { return !done.empty(); }, 30000); };
    const auto text = [](const ui::Operation::Outcome &outcome) { return outcome ? outcome.value() : outcome.error().toString(); };
    // Enough entries that verifying takes a while.
    {
        QSqlDatabase db = m_window->workspace().database().connection();
        QVERIFY(db.transaction());
        for (int i = 0; i < 30000; ++i)
            QVERIFY(store::AuditLog::append(db, SystemClock::instance(), QStringLiteral("test"), QStringLiteral("test.bulk"), QStringLiteral("n"),
                                            QString::number(i))
                        .ok());
        QVERIFY(db.commit());
    }
    m_window->workspace().notifyChanged();
    m_window->showPage(Page::AuditLog);
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
    ticker.start(2);
    if (page->running())
        QVERIFY(waitForOne());
    done.clear();
    page->verifyChain();
    QVERIFY(page->running());
    int progressed = 0;
    connect(page->running(), &ui::Operation::progressed, this, [&progressed] { ++progressed; });
    QVERIFY(waitForOne());
    QVERIFY2(done.front().ok(), qPrintable(text(done.front())));
    QVERIFY2(ticks > 0, "the event loop kept turning while the chain was verified");
    QVERIFY(progressed > 0);
    auto *integrity = page->findChild<QLabel *>(QStringLiteral("audit-integrity"));
    // On a shared database the rows' change notices arrive after the commit and may start a
    // second check: the last word is what counts.
    QTRY_VERIFY2_WITH_TIMEOUT(integrity->text().startsWith(QStringLiteral("Integrity: intact")), qPrintable(integrity->text()), 10000);
    QCOMPARE(page->model()->rowCount(), ui::AuditLogPage::kShown);
    screenshot(QStringLiteral("audit-log"));

    // Cancel: the verification stops and says it was not checked.
    done.clear();
    page->verifyChain();
    page->running()->cancel();
    QVERIFY(waitForOne());
    QVERIFY2(ui::Operation::wasCancelled(done.front()), qPrintable(text(done.front()))); // by its code, not its words
    QVERIFY2(integrity->text().contains(QStringLiteral("not checked")), qPrintable(integrity->text()));

    // Export: every entry, one line each, formulas defused.
    done.clear();
    const QString csv = m_dir->path(QStringLiteral("audit.csv"));
    page->exportCsv(csv);
    QVERIFY(waitForOne());
    QVERIFY2(done.front().ok(), qPrintable(text(done.front())));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    auto count = store::run(m_window->workspace().database().connection(), QStringLiteral("SELECT COUNT(*) FROM audit_log"));
    QVERIFY(count && count.value().next());
    QCOMPARE(lines.size() - 2, count.value().value(0).toInt()); // header, entries, the empty piece after the last CRLF
    QVERIFY(lines.first().startsWith("id,at,actor,action"));
    QCOMPARE(csv::field(QStringLiteral("=cmd()")), QStringLiteral("'=cmd()"));
    QCOMPARE(csv::field(QStringLiteral("a,\"b\"")), QStringLiteral("\"a,\"\"b\"\"\""));

    // A rewritten entry: the indicator says the chain is broken.
    {
        QSqlDatabase db = m_window->workspace().database().connection();
        QVERIFY(test::dropAuditProtection(db));
        QVERIFY(store::run(db, QStringLiteral("UPDATE audit_log SET actor = 'mallory' WHERE id = 5")).ok());
    }
    done.clear();
    page->reload();
    QVERIFY(waitForOne());
    // Another operation (the page's own reload) may be the one that finished: wait for the verdict.
    QTRY_VERIFY_WITH_TIMEOUT(!integrity->text().contains(QStringLiteral("Checking")), 30000);
    QVERIFY2(integrity->text().contains(QStringLiteral("BROKEN")), qPrintable(integrity->text()));
    QVERIFY(integrity->text().contains(QStringLiteral("entry 5")));
}

void TestConsoleViews::darkTheme()
{
    auto *dark = m_window->findChild<QAction *>(QStringLiteral("theme-dark"));
    QVERIFY(dark);
    dark->trigger();
    QTest::qWait(50); // palette change events
    QVERIFY(m_window->palette().color(QPalette::Window).lightness() < 80);
    const QPalette palette = QApplication::palette();
    QVERIFY(palette.color(QPalette::Base).lightness() < 60);
    QVERIFY(palette.color(QPalette::Text).lightness() > 200);
    // Pass / warn / fail colours stay readable on the dark base (WCAG contrast >= 4.5).
    auto luminance = [](const QColor &c) {
        auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    for (ui::State state : {ui::State::Pass, ui::State::Warn, ui::State::Fail}) {
        const double a = luminance(ui::stateForeground(state, palette)) + 0.05;
        const double b = luminance(palette.color(QPalette::Base)) + 0.05;
        QVERIFY(qMax(a, b) / qMin(a, b) >= 4.5);
    }
    QCOMPARE(ui::savedTheme(), ui::Theme::Dark);
    m_window->showPage(Page::MessageInspector);
    screenshot(QStringLiteral("message-inspector-dark"));
    m_window->showPage(Page::Attestation);
    screenshot(QStringLiteral("attestation-dark"));
    m_window->findChild<QAction *>(QStringLiteral("theme-light"))->trigger();
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() > 200);
    m_window->findChild<QAction *>(QStringLiteral("theme-system"))->trigger();
}

QTEST_MAIN(TestConsoleViews)
#include "tst_consoleviews.moc"
