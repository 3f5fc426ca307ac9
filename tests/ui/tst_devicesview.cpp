// The Devices view on a real database with the real TAM and simulated devices over HTTP: the
// trainer's two clicks (Set Up Demo, Start Demo Devices) end with every device attested and
// holding its TAs, the live log showing the messages, and the listener in the status bar.
#include "devices/devicelistdialog.h"
#include "devices/devicespage.h"
#include "devices/listenersettingsdialog.h"
#include "sim/demomaterial.h"
#include "sim/devicerunner.h"
#include "store/sql.h"
#include "tam/devicecontacts.h"
#include "tam/deviceregistry.h"
#include "workspace.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "tam/tamhost.h"
#include "tam/tamidentity.h"
#include "store/keystore.h"
#include "common/columnchooser.h"
#include "tempdir.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSqlQuery>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTimer>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QMenu>
#include <QTableView>
#include <QTest>
#include <QTableWidget>
#include <QTreeWidget>

using teep::ui::Page;

class TestDevicesView : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void emptyStateSaysWhatToDo();
    void demoInTwoClicks();
    void devicesTableColumnsCanBeChosen();
    void listenerNeedsAnIdentity();
    void listenerUnlocksAProtectedIdentityOffTheGuiThread();
    void lockingTheKeyStoreStopsSigning();
    void devicesRegisteredElsewhereAppear();
    void listenerSettingsServeAnAgentWithoutAttester();
    void aRefusedTaIsFlaggedOnTheDevice();
    void aFactoryListIsPreviewedRegisteredAndProvisioned();

private:
    void screenshot(const QString &name)
    {
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            m_window->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QLatin1Char('/') + name + QStringLiteral(".png"));
    }

    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
    teep::ui::DevicesPage *m_page = nullptr;
};

void TestDevicesView::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_prompts = {};
    auto db = teep::store::Database::open(m_dir->database(QStringLiteral("console.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1280, 800);
    m_window->show();
    m_window->showPage(Page::Devices);
    m_page = m_window->devicesPage();
    QVERIFY(m_page);
    QCOMPARE(m_window->pageWidget(Page::Devices), m_page);
}

void TestDevicesView::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

void TestDevicesView::emptyStateSaysWhatToDo()
{
    auto *stack = m_page->findChild<QStackedWidget *>();
    QVERIFY(stack);
    auto *empty = m_page->findChild<QLabel *>(QStringLiteral("devices-empty"));
    QVERIFY(empty->isVisible());
    QVERIFY(empty->text().contains(QStringLiteral("Next:")));
    QVERIFY(empty->text().contains(QStringLiteral("Set Up Demo")));
    QVERIFY(m_page->findChild<QPushButton *>(QStringLiteral("demo-setup-button"))->isEnabled());
    QVERIFY(!m_page->findChild<QPushButton *>(QStringLiteral("demo-run-button"))->isEnabled());
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("listener-status"))->text(), QStringLiteral("TAM listener: off"));
    for (const char *name : {"listener-button", "demo-setup-button", "demo-run-button", "demo-count", "devices-filter", "devices-table", "session-log"})
        QVERIFY2(!m_page->findChild<QWidget *>(QLatin1String(name))->accessibleName().isEmpty(), name);
    screenshot(QStringLiteral("devices-empty"));
}

void TestDevicesView::devicesTableColumnsCanBeChosen()
{
    auto *table = m_page->findChild<QTableView *>(QStringLiteral("devices-table"));
    auto *chooser = table->findChild<teep::ui::ColumnChooser *>();
    QVERIFY(chooser);
    QVERIFY(table->findChild<QAction *>(QStringLiteral("devices-columns"))); // in the table's context menu
    const QList<QAction *> columns = chooser->menu()->actions();
    QCOMPARE(columns.size(), table->model()->columnCount());
    QVERIFY(!columns.first()->isEnabled());
    columns.at(2)->trigger();
    QVERIFY(table->isColumnHidden(2));
    chooser->setColumnShown(2, true);
    QVERIFY(!table->isColumnHidden(2));
}

void TestDevicesView::demoInTwoClicks()
{
    QAbstractItemModelTester tester(m_page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_prompts.confirmations.enqueue(true);
    QTest::mouseClick(m_page->findChild<QPushButton *>(QStringLiteral("demo-setup-button")), Qt::LeftButton);
    QVERIFY2(m_prompts.errors.isEmpty(), qPrintable(m_prompts.errors.join(QLatin1Char('\n'))));
    QVERIFY(m_prompts.questions.last().contains(QStringLiteral("UNPROTECTED")));
    auto *run = m_page->findChild<QPushButton *>(QStringLiteral("demo-run-button"));
    QVERIFY(run->isEnabled());
    m_page->findChild<QSpinBox *>(QStringLiteral("demo-count"))->setValue(4);
    auto *profile = m_page->findChild<QComboBox *>(QStringLiteral("demo-profile"));
    QCOMPARE(profile->currentData().toString(), QStringLiteral("teep")); // the IETF standard first

    QSignalSpy finished(m_page, &teep::ui::DevicesPage::demoDevicesFinished);
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY2(m_window->tamHost().isRunning(), qPrintable(m_prompts.errors.join(QLatin1Char('\n'))));
    QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("listener-status"))->text().startsWith(QStringLiteral("TAM listener: http://127.0.0.1:")));
    // The UI keeps turning while the devices run: the event loop delivers a timer meanwhile.
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
    ticker.start(5);
    QVERIFY(finished.wait(60000));
    QVERIFY(ticks > 0);
    QCOMPARE(finished.first().at(0).toInt(), 4);
    QCOMPARE(finished.first().at(1).toInt(), 0);

    auto *model = m_page->model();
    QCOMPARE(model->rowCount(), 4);
    for (int row = 0; row < 4; ++row) {
        QCOMPARE(model->data(model->index(row, teep::ui::FleetModel::Attestation)).toString(), QStringLiteral("affirming"));
        QCOMPARE(model->data(model->index(row, teep::ui::FleetModel::InstalledTas)).toString(), QStringLiteral("acme-wallet v2, globex-drm v1"));
    }
    auto *log = m_page->findChild<QListWidget *>(QStringLiteral("session-log"));
    QVERIFY(!log->findItems(QStringLiteral("TAM -> device: QueryRequest"), Qt::MatchContains).isEmpty());
    QVERIFY(!log->findItems(QStringLiteral("TAM -> device: Update (acme-wallet v2, globex-drm v1)"), Qt::MatchContains).isEmpty());
    QCOMPARE(log->findItems(QStringLiteral("session complete"), Qt::MatchContains).size(), 4);

    // Select a device: its TEE, SDs and TAs.
    auto *table = m_page->findChild<QTableView *>(QStringLiteral("devices-table"));
    QVERIFY(table->isVisible());
    table->selectRow(1);
    auto *details = m_page->findChild<QTreeWidget *>(QStringLiteral("device-details"));
    QCOMPARE(details->topLevelItem(0)->text(0), QStringLiteral("teep-002"));
    QVERIFY(!details->findItems(QStringLiteral("acme-wallet v2"), Qt::MatchRecursive).isEmpty());
    screenshot(QStringLiteral("devices-demo"));

    // The filter narrows the fleet.
    QTest::keyClicks(m_page->findChild<QLineEdit *>(QStringLiteral("devices-filter")), QStringLiteral("teep-003"));
    QCOMPARE(table->model()->rowCount(), 1);
    m_page->findChild<QLineEdit *>(QStringLiteral("devices-filter"))->clear();

    // The same demo with OTrP devices: security domains appear.
    profile->setCurrentIndex(profile->findData(QStringLiteral("otrp")));
    m_page->findChild<QSpinBox *>(QStringLiteral("demo-count"))->setValue(2);
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QCOMPARE(model->rowCount(), 6);
    QVERIFY(!log->findItems(QStringLiteral("InstallTARequest"), Qt::MatchContains).isEmpty());
    screenshot(QStringLiteral("devices-demo-both"));

    // Someone sends messages under teep-002's kid that do not verify: counted on the device
    // (as the TEEP engine does), and the operator sees it without anything else changing.
    teep::ui::Workspace &workspace = m_window->workspace();
    auto found = teep::store::run(workspace.database().connection(), QStringLiteral("SELECT id FROM devices WHERE name = 'teep-002'"));
    QVERIFY(found.ok() && found.value().next());
    const qint64 claimed = found.value().value(0).toLongLong();
    teep::tam::DeviceContacts fleet(workspace.database().connection(), workspace.clock(), workspace.actor());
    QVERIFY(fleet.noteRefusedSignature(claimed, QStringLiteral("203.0.113.9")).ok());
    QVERIFY(fleet.noteRefusedSignature(claimed, QStringLiteral("203.0.113.9")).ok());
    m_page->reload();
    table->selectRow(0);
    table->selectRow(3); // otrp-001, otrp-002, teep-001, teep-002, ...
    QCOMPARE(details->topLevelItem(0)->text(0), QStringLiteral("teep-002"));
    const QList<QTreeWidgetItem *> suspicious = details->findItems(QStringLiteral("Suspicious"), Qt::MatchRecursive);
    QCOMPARE(suspicious.size(), 1);
    QVERIFY2(suspicious.first()->text(1).startsWith(QStringLiteral("2 message(s) claimed")), qPrintable(suspicious.first()->text(1)));
    QVERIFY(suspicious.first()->toolTip(1).contains(QStringLiteral("from 203.0.113.9")));
    QCOMPARE(model->data(model->index(3, teep::ui::FleetModel::Attestation)).toString(), QStringLiteral("affirming"));
    QVERIFY(model->data(model->index(3, teep::ui::FleetModel::LastOutcome), Qt::ToolTipRole).toString().contains(QStringLiteral("Suspicious: 2")));
    details->expandAll();
    screenshot(QStringLiteral("devices-suspicious"));

    // Stop: the status bar says so, and devices can no longer connect.
    QTest::mouseClick(m_page->findChild<QPushButton *>(QStringLiteral("listener-button")), Qt::LeftButton);
    QVERIFY(!m_window->tamHost().isRunning());
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("listener-status"))->text(), QStringLiteral("TAM listener: off"));
}

void TestDevicesView::listenerNeedsAnIdentity()
{
    QVERIFY(!m_page->startListener());
    QCOMPARE(m_prompts.errors.size(), 1);
    QVERIFY(m_prompts.errors.first().contains(QStringLiteral("TAM Identity")));
    QVERIFY(!m_window->tamHost().isRunning());
}

// A TAM key under the key store's passphrase: the console asks for it, checks it off the GUI
// thread, and its TAM thread decrypts the key with it through its own connection.
void TestDevicesView::listenerUnlocksAProtectedIdentityOffTheGuiThread()
{
    {
        teep::store::KeyStore keys(m_window->database().connection());
        QVERIFY(keys.unlock(teep::crypto::Secret("line seven passphrase")).ok());
        teep::tam::GenerateOptions options;
        options.name = QStringLiteral("Line 7 TAM");
        options.tamId = QStringLiteral("https://tam.line7.example/teep");
        QVERIFY(teep::tam::TamIdentities(m_window->database().connection(), keys, m_window->workspace().clock(), QStringLiteral("tester")).generate(options).ok());
    }
    m_prompts.passphrases.enqueue("not the passphrase");
    QVERIFY(!m_page->startListener());
    QCOMPARE(m_prompts.errors.size(), 1);
    QVERIFY2(m_prompts.errors.first().contains(QStringLiteral("passphrase is wrong")), qPrintable(m_prompts.errors.first()));
    QVERIFY(!m_window->workspace().keys().isUnlocked());
    QVERIFY(!m_window->tamHost().isRunning());

    m_prompts.passphrases.enqueue("line seven passphrase");
    QVERIFY(m_page->startListener());
    QVERIFY(m_window->workspace().keys().isUnlocked());
    QVERIFY(m_window->tamHost().isRunning());
    // It answers: an empty POST gets the TAM's first TEEP message, signed with that key.
    QNetworkAccessManager network;
    QNetworkRequest request{QUrl(m_window->tamHost().uri())};
    request.setRawHeader("Accept", "application/teep+cbor");
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/teep+cbor"));
    QNetworkReply *reply = network.post(request, QByteArray());
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(!reply->readAll().isEmpty());
    reply->deleteLater();
    m_page->stopListener();
    QVERIFY(!m_window->tamHost().isRunning());
}

namespace {
// An empty POST: the first message of a TEEP session, or why there is none.
std::pair<int, QByteArray> startTeepSession(const QString &uri)
{
    QNetworkAccessManager network;
    QNetworkRequest request{QUrl(uri)};
    request.setRawHeader("Accept", "application/teep+cbor");
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/teep+cbor"));
    QNetworkReply *reply = network.post(request, QByteArray());
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray retryAfter = reply->rawHeader("Retry-After");
    delete reply;
    return {status, retryAfter};
}
} // namespace

// File > Lock Key Store stops all signing at once, the demo's unprotected TAM key included: the
// session in progress fails ("key store locked"), new ones are answered 503 with Retry-After,
// and File > Unlock Key Store lets devices in again.
void TestDevicesView::lockingTheKeyStoreStopsSigning()
{
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_page->setUpDemo());
    QVERIFY(m_page->startListener());
    const QString uri = m_window->tamHost().uri();
    QCOMPARE(startTeepSession(uri).first, 200);

    // A slow device: locked between its QueryResponse and its next message.
    const auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    teep::sim::SimFaults slow;
    slow.delayMs = 400;
    QNetworkAccessManager network;
    auto device = teep::sim::SimDevice::create(QStringLiteral("teep-slow"), material.value(), {}, QUrl(uri), slow, network, m_dir->path(QStringLiteral("devices")),
                                               teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
    QVERIFY(device.ok());
    std::optional<teep::sim::DeviceOutcome> outcome;
    connect(device.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
    qint64 answered = 0;
    connect(&m_window->tamHost(), &teep::tam::TamHost::sessionEvents, this, [&answered](const QList<teep::tam::SessionEvent> &events) {
        for (const teep::tam::SessionEvent &event : events) {
            if (event.kind == teep::tam::SessionEvent::Kind::MessageIn)
                answered = event.sessionId;
        }
    });
    device.value()->start();
    QTRY_VERIFY_WITH_TIMEOUT(answered != 0, 20000);
    QVERIFY(!outcome);

    m_window->findChild<QAction *>(QStringLiteral("lock-key-store"))->trigger();
    QVERIFY(m_window->tamHost().isLocked());
    QVERIFY(m_window->tamHost().isRunning());
    QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("listener-status"))->text().endsWith(QStringLiteral("(locked)")));
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20000);
    QVERIFY(!outcome->ok);
    QVERIFY2(outcome->detail.contains(QStringLiteral("503")), qPrintable(outcome->detail));
    const auto refused = startTeepSession(uri);
    QCOMPARE(refused.first, 503);
    QVERIFY(refused.second.toInt() > 0);
    auto session = teep::store::run(m_window->database().connection(), QStringLiteral("SELECT state, outcome FROM sessions WHERE id = ?"), {answered});
    QVERIFY(session.ok());
    QSqlQuery &row = session.value();
    QVERIFY(row.next());
    if (teep::test::onPostgres()) {
        // A shared database keeps the session's state for any server: this one stops signing,
        // another (unlocked) may continue it, and if none does it expires.
        QCOMPARE(row.value(0).toString(), QStringLiteral("open"));
        auto saved = teep::store::run(m_window->database().connection(), QStringLiteral("SELECT COUNT(*) FROM open_sessions WHERE session_id = ?"), {answered});
        QVERIFY(saved.ok() && saved.value().next());
        QCOMPARE(saved.value().value(0).toInt(), 1);
    } else {
        QCOMPARE(row.value(0).toString(), QStringLiteral("failed"));
        QVERIFY2(row.value(1).toString().contains(QStringLiteral("interrupted: key store locked")), qPrintable(row.value(1).toString()));
    }

    // Unlocking (the first unlock of this database chooses its passphrase) lets devices in again.
    m_prompts.passphrases.enqueue("the line passphrase");
    m_window->findChild<QAction *>(QStringLiteral("unlock-key-store"))->trigger();
    QVERIFY(!m_window->tamHost().isLocked());
    QTRY_COMPARE_WITH_TIMEOUT(startTeepSession(uri).first, 200, 5000);
    QVERIFY(!m_window->findChild<QLabel *>(QStringLiteral("listener-status"))->text().contains(QStringLiteral("locked")));
}

// A factory admin registers devices with teepctl (another connection to the same file) while the
// console is open: they appear without anyone typing in the filter.
void TestDevicesView::devicesRegisteredElsewhereAppear()
{
    QCOMPARE(m_page->model()->rowCount(), 0);
    auto other = teep::store::Database::open(m_window->database().path());
    QVERIFY(other.ok());
    teep::tam::DeviceRegistry fleet(other.value()->connection(), teep::SystemClock::instance(), QStringLiteral("teepctl"));
    const auto key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256);
    QVERIFY(key.ok());
    QVERIFY(fleet.registerAgents({{QStringLiteral("line7-0001"), teep::crypto::Key::fromPublicKey(key.value().publicKeyDer()).value(),
                                   QStringLiteral("line-7"), QStringLiteral("compatible")}})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowCount(), 1, 6000);
    QCOMPARE(m_page->model()->data(m_page->model()->index(0, teep::ui::FleetModel::Name)).toString(), QStringLiteral("line7-0001"));
}

void TestDevicesView::listenerSettingsServeAnAgentWithoutAttester()
{
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_page->setUpDemo());
    auto *status = m_page->findChild<QLabel *>(QStringLiteral("listener-uri"));
    QVERIFY2(status->text().contains(QStringLiteral("TEEP signed with ESP256/Ed25519; evidence required.")), qPrintable(status->text()));

    // A line of deployed agents: registered (into a group), served by their key with ES256.
    const QString demoDir = m_page->demoDirectory();
    const auto material = teep::sim::readDemoDirectory(demoDir);
    QVERIFY2(material.ok(), qPrintable(material.ok() ? QString() : material.error().toString()));
    const QString state = m_dir->path(QStringLiteral("devices"));
    const auto identity = teep::sim::deviceTeepIdentity(material.value(), QStringLiteral("kiosk-01"), state, false);
    QVERIFY(identity.ok());
    teep::ui::Workspace &workspace = m_window->workspace();
    teep::tam::DeviceRegistry fleet(workspace.database().connection(), workspace.clock(), workspace.actor());
    QVERIFY(fleet.registerAgents({{QStringLiteral("kiosk-01"), teep::crypto::Key::fromPublicKey(identity.value().agentKey.publicKeyDer()).value(),
                                   QStringLiteral("kiosks"), QStringLiteral("compatible")}})
                .ok());

    // The dialog shows the settings and the group, and saves what the operator changes.
    teep::ui::ListenerSettingsDialog dialog(workspace, m_window.get());
    QVERIFY(dialog.load());
    QCOMPARE(dialog.suites()->currentData().toString(), QStringLiteral("modern"));
    QCOMPARE(dialog.groups()->rowCount(), 1);
    QCOMPARE(dialog.groups()->item(0, 0)->text(), QStringLiteral("kiosks"));
    auto *groupPolicy = qobject_cast<QComboBox *>(dialog.groups()->cellWidget(0, 1));
    QVERIFY(groupPolicy);
    QCOMPARE(groupPolicy->currentData().toString(), QString()); // follows the default
    dialog.suites()->setCurrentIndex(dialog.suites()->findData(QStringLiteral("legacy")));
    groupPolicy->setCurrentIndex(groupPolicy->findData(QStringLiteral("registered-key")));
    dialog.show();
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
        dialog.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/listener-settings.png"));
    QVERIFY(dialog.apply());
    const teep::tam::TeepSettings saved(workspace.database().connection(), workspace.clock(), workspace.actor());
    QCOMPARE(saved.suites().value(), teep::tam::TeepSuites::Legacy);
    QCOMPARE(saved.defaultPolicy().value(), teep::tam::AttestationPolicy::Evidence); // untouched
    QCOMPARE(saved.groupPolicies().value().size(), 1);
    dialog.close();

    // The agent (ES256 only, no kid, no attester) against the console's own listener.
    QVERIFY(m_page->startListener());
    QVERIFY2(status->text().contains(QStringLiteral("ES256/EdDSA (legacy)")), qPrintable(status->text()));
    teep::sim::SimFaults deployed;
    deployed.deployedAgent = true;
    QNetworkAccessManager network;
    auto device = teep::sim::SimDevice::create(QStringLiteral("kiosk-01"), material.value(), {}, QUrl(m_window->tamHost().uri()), deployed, network, state,
                                               teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
    QVERIFY(device.ok());
    std::optional<teep::sim::DeviceOutcome> outcome;
    connect(device.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
    device.value()->start();
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 30000);
    QVERIFY2(outcome->ok, qPrintable(outcome->detail));

    // The fleet says plainly that it is identified, not attested, and what its last session did.
    m_page->reload();
    auto *model = m_page->model();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->data(model->index(0, teep::ui::FleetModel::Attestation)).toString(), QStringLiteral("identified, not attested"));
    QVERIFY(model->data(model->index(0, teep::ui::FleetModel::LastOutcome)).toString().startsWith(QStringLiteral("completed: ")));
    auto *table = m_page->findChild<QTableView *>(QStringLiteral("devices-table"));
    table->selectRow(0);
    auto *details = m_page->findChild<QTreeWidget *>(QStringLiteral("device-details"));
    QVERIFY(!details->findItems(QStringLiteral("TEEP, attestation: identified, not attested"), Qt::MatchRecursive, 1).isEmpty());
    screenshot(QStringLiteral("devices-identified"));
    m_window->resize(1024, 768);
    QCoreApplication::processEvents();
    screenshot(QStringLiteral("devices-identified-1024"));
}

// A device that does not trust globex's TA signer: its other TAs arrive, and its details say which
// TA it refused and why, in the fail colour; its row says the session failed.
void TestDevicesView::aRefusedTaIsFlaggedOnTheDevice()
{
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_page->setUpDemo());
    QVERIFY(m_page->startListener());
    auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    material.value().spSigners.removeIf(
        [](const teep::crypto::Certificate &signer) { return signer.commonName().contains(QLatin1String("globex"), Qt::CaseInsensitive); });
    QNetworkAccessManager network;
    auto device = teep::sim::SimDevice::create(QStringLiteral("picky-07"), material.value(), {}, QUrl(m_window->tamHost().uri()), {}, network,
                                               m_dir->path(QStringLiteral("devices")), teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
    QVERIFY(device.ok());
    std::optional<teep::sim::DeviceOutcome> outcome;
    connect(device.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
    device.value()->start();
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20000);
    QCOMPARE(outcome->installed, QStringList{QStringLiteral("acme-wallet v2")});

    m_page->reload();
    auto *model = m_page->model();
    QCOMPARE(model->rowCount(), 1);
    QVERIFY(model->data(model->index(0, teep::ui::FleetModel::LastOutcome)).toString().startsWith(QStringLiteral("failed: ")));
    m_page->findChild<QTableView *>(QStringLiteral("devices-table"))->selectRow(0);
    auto *details = m_page->findChild<QTreeWidget *>(QStringLiteral("device-details"));
    const QList<QTreeWidgetItem *> refused = details->findItems(QStringLiteral("Refused"), Qt::MatchRecursive, 0);
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.first()->childCount(), 1);
    QCOMPARE(refused.first()->child(0)->text(0), QStringLiteral("globex-drm v1"));
    QVERIFY2(refused.first()->child(0)->text(1).contains(QStringLiteral("not signed by a trusted TA signer")), qPrintable(refused.first()->child(0)->text(1)));
    QVERIFY(!details->findItems(QStringLiteral("acme-wallet v2"), Qt::MatchRecursive, 0).isEmpty());
    m_window->resize(1024, 768);
    QCoreApplication::processEvents();
    screenshot(QStringLiteral("devices-refused-1024"));
    m_window->resize(1600, 1000);
    QCoreApplication::processEvents();
    screenshot(QStringLiteral("devices-refused-1600"));
}

// The factory line: the device list (with each agent's public key file, as the line's tooling
// writes them) is previewed with every problem, refused while it has one, registered as a whole
// once fixed; with admission set to registered devices only, the line's devices then provision.
void TestDevicesView::aFactoryListIsPreviewedRegisteredAndProvisioned()
{
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_page->setUpDemo());
    const auto material = teep::sim::readDemoDirectory(m_page->demoDirectory());
    QVERIFY(material.ok());
    const QString state = m_dir->path(QStringLiteral("line-7"));
    const QStringList names = {QStringLiteral("line7-0001"), QStringLiteral("line7-0002"), QStringLiteral("line7-0003")};
    QByteArray csv = "name,agent-key-file,group,profile\n";
    for (const QString &name : names) {
        QVERIFY(teep::sim::deviceTeepIdentity(material.value(), name, state, false).ok()); // the device's keys, made on the line
        csv += name.toUtf8() + "," + name.toUtf8() + "/teep/agent.pub.pem,line-7\n";
    }
    const auto writeList = [&](const QString &file, const QByteArray &bytes) {
        QFile list(QDir(state).filePath(file));
        return list.open(QIODevice::WriteOnly) && list.write(bytes) == bytes.size();
    };
    QVERIFY(writeList(QStringLiteral("bad.csv"), csv + "line7-0001,line7-0002/teep/agent.pub.pem\nline7-0009,missing.pem,line-7,turbo\n"));
    QVERIFY(writeList(QStringLiteral("line-7.csv"), csv));

    // The faulty list: every problem shown, Register disabled, nothing registered.
    std::optional<teep::tam::DeviceCsv> bad = m_page->readDeviceList(QDir(state).filePath(QStringLiteral("bad.csv")));
    QVERIFY(bad.has_value());
    QCOMPARE(bad->errorCount(), 2);
    {
        teep::ui::DeviceListDialog preview(*bad, QStringLiteral("bad.csv"), m_window.get());
        QVERIFY(!preview.registerButton()->isEnabled());
        QVERIFY2(preview.summary().contains(QStringLiteral("2 line(s) have a problem")), qPrintable(preview.summary()));
        QCOMPARE(preview.table()->item(3, 5)->text(), QStringLiteral("line7-0001 is listed twice"));
        preview.show();
        QVERIFY(QTest::qWaitForWindowExposed(&preview));
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            preview.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/device-list-problems.png"));
    }
    QVERIFY(!m_page->registerDeviceList(*bad));
    QCOMPARE(m_page->model()->rowCount(), 0);

    // The fixed list registers all three, in the line's group.
    std::optional<teep::tam::DeviceCsv> good = m_page->readDeviceList(QDir(state).filePath(QStringLiteral("line-7.csv")));
    QVERIFY(good.has_value());
    QCOMPARE(good->errorCount(), 0);
    {
        teep::ui::DeviceListDialog preview(*good, QStringLiteral("line-7.csv"), m_window.get());
        QVERIFY(preview.registerButton()->isEnabled());
        QCOMPARE(preview.registerButton()->text(), QStringLiteral("&Register 3 Device(s)"));
        preview.show();
        QVERIFY(QTest::qWaitForWindowExposed(&preview));
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
            preview.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/device-list-ready.png"));
    }
    QVERIFY(m_page->registerDeviceList(*good));
    m_page->reload();
    QCOMPARE(m_page->model()->rowCount(), 3);
    // Opening the same list again: every line is now "registered already".
    QCOMPARE(m_page->readDeviceList(QDir(state).filePath(QStringLiteral("line-7.csv")))->errorCount(), 3);

    // Registered devices only: the line's devices provision; a stranger is refused.
    teep::tam::DeviceRegistry registry(m_window->database().connection(), teep::SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(registry.setAdmission(teep::tam::Admission::RegisteredOnly).ok());
    QVERIFY(m_page->startListener());
    QNetworkAccessManager network;
    int provisioned = 0;
    for (const QString &name : names + QStringList{QStringLiteral("stranger")}) {
        auto device = teep::sim::SimDevice::create(name, material.value(), {}, QUrl(m_window->tamHost().uri()), {}, network, state,
                                                   teep::SystemClock::instance(), teep::sim::SimProfile::Teep);
        QVERIFY(device.ok());
        std::optional<teep::sim::DeviceOutcome> outcome;
        connect(device.value().get(), &teep::sim::SimDevice::finished, this, [&outcome](const teep::sim::DeviceOutcome &o) { outcome = o; });
        device.value()->start();
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20000);
        if (outcome->installed == QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")})
            ++provisioned;
        else
            QCOMPARE(name, QStringLiteral("stranger"));
    }
    QCOMPARE(provisioned, 3);
    m_page->reload();
    QCOMPARE(m_page->model()->rowCount(), 3); // the stranger was not recorded

    // The batch's report: the line's devices (the filter), one row each, with who registered them.
    m_page->findChild<QLineEdit *>(QStringLiteral("devices-filter"))->setText(QStringLiteral("line7-"));
    const QString reportPath = m_dir->path(QStringLiteral("line-7-report.csv"));
    QVERIFY(m_page->exportReport(reportPath));
    QFile reportFile(reportPath);
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = reportFile.readAll().split('\n');
    QCOMPARE(lines.size(), 5); // header, three devices, the empty rest after the last CRLF
    QVERIFY(lines.at(0).startsWith("device,serial,group,identity,registered_by,tee,"));
    for (int i = 1; i <= 3; ++i) {
        const QString line = QString::fromUtf8(lines.at(i));
        QVERIFY2(line.startsWith(names.at(i - 1) + QLatin1Char(',')), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral(",line-7,registered,") + m_window->workspace().actor() + QLatin1Char(',')), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral(",acme-wallet v2; globex-drm v1,")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral(",completed: ")), qPrintable(line));
    }
}

QTEST_MAIN(TestDevicesView)
#include "tst_devicesview.moc"
