// The main window on a real database: every view reachable, empty states that say what to do,
// status bar, window state kept across runs.
#include "common/shareddatabasedialog.h"
#include "emptystatepage.h"
#include "helpdialog.h"
#include "mainwindow.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "store/migrations.h"
#include "tempdir.h"

#include <QApplication>
#include <QLabel>
#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QDialogButtonBox>
#include <QSpinBox>
#include <QUrl>
#include <QSettings>
#include <QStackedWidget>
#include <QTest>

using teep::store::Database;
using teep::ui::MainWindow;
using teep::ui::Page;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void statusBarShowsDatabaseAndListener();
    void everyViewIsReachableFromNavigation();
    void everyViewIsReachableFromKeyboard();
    void everyEmptyStateSaysWhatToDoNext();
    void controlsHaveAccessibleNames();
    void windowStateIsKeptAcrossRuns();
    void helpOpensTheUserGuide();
    void sharedDatabaseDialogBuildsTheUri();
    void opensASharedDatabase();

private:
    std::unique_ptr<MainWindow> makeWindow();

    teep::test::TempDir m_dir;
    int m_databaseCount = 0;
};

void TestMainWindow::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
}

void TestMainWindow::init()
{
    QSettings().clear();
}

std::unique_ptr<MainWindow> TestMainWindow::makeWindow()
{
    auto db = Database::open(m_dir.path(QStringLiteral("teep-%1.db").arg(++m_databaseCount)));
    if (!db.ok())
        qFatal("cannot open the test database: %s", qPrintable(db.error().toString()));
    return std::make_unique<MainWindow>(std::move(db).value());
}

void TestMainWindow::statusBarShowsDatabaseAndListener()
{
    auto window = makeWindow();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    auto *database = window->findChild<QLabel *>(QStringLiteral("database-status"));
    QVERIFY(database);
    QVERIFY(database->isVisible());
    QVERIFY(database->text().contains(window->database().path()));
    QVERIFY(database->text().contains(QStringLiteral("schema %1").arg(teep::store::latestSchemaVersion())));
    auto *listener = window->findChild<QLabel *>(QStringLiteral("listener-status"));
    QVERIFY(listener);
    QCOMPARE(listener->text(), QStringLiteral("TAM listener: off"));
    QVERIFY(window->windowTitle().contains(QStringLiteral("teep-")));
    // The file's name once; the platform adds the application's name (not twice, as it was).
    QVERIFY2(!window->windowTitle().contains(QStringLiteral("TEEP Console")), qPrintable(window->windowTitle()));
}

void TestMainWindow::everyViewIsReachableFromNavigation()
{
    auto window = makeWindow();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    auto *navigation = window->findChild<QListWidget *>(QStringLiteral("navigation"));
    auto *stack = window->findChild<QStackedWidget *>(QStringLiteral("pages"));
    QVERIFY(navigation && stack);
    QCOMPARE(navigation->count(), 8);
    QCOMPARE(stack->count(), 8);

    const QStringList titles = {QStringLiteral("Overview"),     QStringLiteral("Devices"),      QStringLiteral("Security Domains"),
                                QStringLiteral("Trusted Applications"), QStringLiteral("Trust Anchors"),
                                QStringLiteral("Attestation"),  QStringLiteral("Audit Log"),
                                QStringLiteral("Message Inspector")};
    // Click each entry as a user would and check the page that appears.
    for (int row = navigation->count() - 1; row >= 0; --row) {
        QListWidgetItem *item = navigation->item(row);
        QCOMPARE(item->text(), titles[row]);
        const QRect rect = navigation->visualItemRect(item);
        QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(stack->currentIndex(), row);
        QVERIFY(stack->currentWidget()->isVisible());
        QVERIFY(window->pageWidget(teep::ui::pages()[row].page)->isVisible());
        QCOMPARE(window->pageWidget(teep::ui::pages()[row].page)->objectName(), teep::ui::pages()[row].key + QStringLiteral("-page"));
        QCOMPARE(window->currentPage(), teep::ui::pages()[row].page);
    }
}

void TestMainWindow::everyViewIsReachableFromKeyboard()
{
    auto window = makeWindow();
    window->show();
    window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    for (int number = 8; number >= 1; --number) {
        QTest::keyClick(window.get(), static_cast<Qt::Key>(Qt::Key_0 + number), Qt::ControlModifier);
        QCOMPARE(window->currentPage(), teep::ui::pages()[number - 1].page);
    }
    // The navigation list itself follows the arrow keys.
    auto *navigation = window->findChild<QListWidget *>(QStringLiteral("navigation"));
    navigation->setFocus();
    QTest::keyClick(navigation, Qt::Key_Down);
    QCOMPARE(window->currentPage(), Page::Devices);
}

void TestMainWindow::everyEmptyStateSaysWhatToDoNext()
{
    // Every view is a real one now (their empty states are checked in tst_consoleviews,
    // tst_devicesview and tst_trustanchorsview); the navigation still explains each view.
    auto window = makeWindow();
    auto *navigation = window->findChild<QListWidget *>(QStringLiteral("navigation"));
    for (const teep::ui::PageInfo &info : teep::ui::pages()) {
        QVERIFY2(!qobject_cast<teep::ui::EmptyStatePage *>(window->pageWidget(info.page)), qPrintable(info.key));
        QVERIFY(!info.headline.isEmpty());
        QVERIFY2(info.nextStep.size() > 30, qPrintable(info.key));
        QCOMPARE(navigation->item(teep::ui::pageIndex(info.page))->toolTip(), info.body);
    }
}

void TestMainWindow::controlsHaveAccessibleNames()
{
    auto window = makeWindow();
    QCOMPARE(window->findChild<QListWidget *>(QStringLiteral("navigation"))->accessibleName(),
             QStringLiteral("Views"));
    for (const teep::ui::PageInfo &info : teep::ui::pages())
        QCOMPARE(window->pageWidget(info.page)->accessibleName(), info.title);
}

// Help > User Guide (F1) opens the guide compiled into the program; it covers every view by name.
void TestMainWindow::helpOpensTheUserGuide()
{
    auto window = makeWindow();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    auto *action = window->findChild<QAction *>(QStringLiteral("user-guide"));
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(QKeySequence::HelpContents));
    action->trigger();
    auto *guide = window->findChild<teep::ui::HelpDialog *>(QStringLiteral("user-guide"));
    QVERIFY(guide && guide->isVisible());
    const QString text = guide->plainText();
    QVERIFY2(text.contains(QStringLiteral("The first ten minutes")), qPrintable(text.left(200)));
    for (const teep::ui::PageInfo &info : teep::ui::pages())
        QVERIFY2(text.contains(info.title), qPrintable(info.title));
    action->trigger(); // again: the same window, raised
    QCOMPARE(window->findChildren<teep::ui::HelpDialog *>().size(), 1);
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
        guide->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/user-guide.png"));
}

// File > Open Shared Database: the form gives the URI `teepctl --database` takes, never with the
// password in it.
void TestMainWindow::sharedDatabaseDialogBuildsTheUri()
{
    teep::ui::SharedDatabaseDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *open = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Open);
    dialog.host()->clear();
    QVERIFY(!open->isEnabled()); // no server named yet
    QTest::keyClicks(dialog.host(), QStringLiteral("db.line1.example"));
    QVERIFY(open->isEnabled());
    dialog.port()->setValue(5433);
    dialog.database()->setText(QStringLiteral("fleet"));
    dialog.user()->setText(QStringLiteral("line1"));
    QCOMPARE(dialog.uri(), QStringLiteral("postgresql://line1@db.line1.example:5433/fleet"));
    QVERIFY(!dialog.caFile()->isEnabled());
    dialog.tls()->setCurrentIndex(dialog.tls()->findData(QStringLiteral("verify-full")));
    QVERIFY(dialog.caFile()->isEnabled());
    dialog.caFile()->setText(QStringLiteral("/etc/teep/line1-ca.pem"));
    QTest::keyClicks(dialog.passwordEdit(), QStringLiteral("s3cret"));
    QCOMPARE(dialog.uri(), QStringLiteral("postgresql://line1@db.line1.example:5433/fleet?sslmode=verify-full&sslrootcert=/etc/teep/line1-ca.pem"));
    QCOMPARE(dialog.password(), QStringLiteral("s3cret"));
    QVERIFY(!dialog.uri().contains(QStringLiteral("s3cret")));
    QVERIFY(teep::store::parseLocation(dialog.uri()).ok()); // what the store accepts
    auto *command = dialog.findChild<QLineEdit *>(QStringLiteral("shared-command"));
    QCOMPARE(command->text(), QStringLiteral("teepctl --database '%1'").arg(dialog.uri()));
    QVERIFY(command->isVisible() && command->isReadOnly());
    if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR"))
        dialog.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/open-shared-database.png"));
}

// The console switches to a PostgreSQL database and back; a wrong password keeps the current
// database and is not kept.
void TestMainWindow::opensASharedDatabase()
{
    if (!teep::test::onPostgres())
        QSKIP("needs the test PostgreSQL server (the _pg run)");
    teep::test::ScriptedPrompts prompts;
    auto db = Database::open(m_dir.path(QStringLiteral("local.db")));
    QVERIFY(db.ok());
    MainWindow window(std::move(db).value(), &prompts);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QString uri = m_dir.database(QStringLiteral("shared"));
    QVERIFY(window.openSharedDatabase(uri));
    QCOMPARE(window.database().path(), uri);
    QCOMPARE(window.database().engine(), teep::store::Engine::Postgres);
    const QUrl url(uri);
    QCOMPARE(window.windowTitle(), QStringLiteral("%1 on %2:%3").arg(url.path().mid(1), url.host()).arg(url.port()));
    auto *status = window.findChild<QLabel *>(QStringLiteral("database-status"));
    QVERIFY2(status->text().contains(uri), qPrintable(status->text()));
    window.showPage(Page::Devices); // the views read the shared database
    QVERIFY(prompts.errors.isEmpty());

    const QString withPassword = QStringLiteral("postgresql://teep_password@%1:%2%3").arg(url.host()).arg(url.port()).arg(url.path());
    QVERIFY(!window.openSharedDatabase(withPassword, QStringLiteral("wrong-password")));
    QCOMPARE(prompts.errors.size(), 1);
    QVERIFY2(prompts.errors.first().contains(QStringLiteral("password authentication failed")), qPrintable(prompts.errors.first()));
    QVERIFY(!prompts.errors.first().contains(QStringLiteral("wrong-password")));
    QCOMPARE(window.database().path(), uri); // still the one that was open
    QVERIFY(teep::store::rememberedPassword(withPassword).isEmpty());
}

void TestMainWindow::windowStateIsKeptAcrossRuns()
{
    QRect geometry;
    {
        auto first = makeWindow();
        first->show();
        QVERIFY(QTest::qWaitForWindowExposed(first.get()));
        first->resize(900, 640);
        first->showPage(Page::AuditLog);
        geometry = first->geometry();
        first->close();
    }
    QCOMPARE(QSettings().value(QStringLiteral("mainWindow/page")).toString(), QStringLiteral("audit-log"));
    auto second = makeWindow();
    QCOMPARE(second->currentPage(), Page::AuditLog);
    second->show();
    QVERIFY(QTest::qWaitForWindowExposed(second.get()));
    QCOMPARE(second->size(), geometry.size());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
