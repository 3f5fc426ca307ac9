// Tables that behave like a desktop's: a device's context menu (or a double click) opens its
// sessions in the Message Inspector; the Inventory's context menu (or Delete) removes a TA from
// one device, which the device then loses at its next session; Delete in Assignments unassigns
// (undoing that removal); any table exports its selected rows as CSV.
#include "common/filteredtable.h"
#include "devices/devicespage.h"
#include "inspector/messageinspectorpage.h"
#include "mainwindow.h"
#include "models/fleetmodel.h"
#include "models/rowsmodel.h"
#include "navigation.h"
#include "scriptedprompts.h"
#include "store/database.h"
#include "tas/trustedappspage.h"
#include "tempdir.h"

#include <QAction>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using teep::ui::Page;

class TestTableMenus : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aDeviceOpensItsSessionsInTheInspector();
    void removeFromOneDeviceAndUndoWithDelete();
    void selectedRowsExportAsCsv();

private:
    bool runDemoDevices(int count)
    {
        QSignalSpy finished(m_window->devicesPage(), &teep::ui::DevicesPage::demoDevicesFinished);
        return m_window->devicesPage()->startDemoDevices(count, true) && finished.wait(60000) && finished.first().at(1).toInt() == 0;
    }
    // The proxy row of the first row whose cells in `columns` hold `values`; -1 when none.
    static int rowWith(const QTableView *view, const QList<int> &columns, const QStringList &values)
    {
        for (int row = 0; row < view->model()->rowCount(); ++row) {
            bool all = true;
            for (qsizetype i = 0; i < columns.size(); ++i)
                all = all && view->model()->index(row, columns.at(i)).data().toString() == values.at(i);
            if (all)
                return row;
        }
        return -1;
    }
    QStringList installedOn(const QString &device)
    {
        m_window->devicesPage()->reload();
        auto *model = m_window->devicesPage()->model();
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->data(model->index(row, teep::ui::FleetModel::Name)).toString() == device)
                return model->data(model->index(row, teep::ui::FleetModel::InstalledTas)).toString().split(QStringLiteral(", "));
        }
        return {};
    }

    std::unique_ptr<teep::test::TempDir> m_dir;
    teep::test::ScriptedPrompts m_prompts;
    std::unique_ptr<teep::ui::MainWindow> m_window;
};

void TestTableMenus::initTestCase()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    auto db = teep::store::Database::open(m_dir->database(QStringLiteral("menus.db")));
    QVERIFY(db.ok());
    m_window = std::make_unique<teep::ui::MainWindow>(std::move(db.value()), &m_prompts);
    m_window->resize(1280, 800);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get())); // keys reach the focused table
    m_prompts.confirmations.enqueue(true);
    QVERIFY(m_window->devicesPage()->setUpDemo());
    QVERIFY(runDemoDevices(2));
}

void TestTableMenus::cleanupTestCase()
{
    m_window.reset();
    m_dir.reset();
}

void TestTableMenus::aDeviceOpensItsSessionsInTheInspector()
{
    m_window->showPage(Page::Devices);
    auto *table = m_window->devicesPage()->findChild<QTableView *>(QStringLiteral("devices-table"));
    const int row = rowWith(table, {teep::ui::FleetModel::Name}, {QStringLiteral("teep-002")});
    QVERIFY(row >= 0);
    table->selectRow(row);
    auto *show = table->findChild<QAction *>(QStringLiteral("devices-show-sessions"));
    QVERIFY(show);
    QVERIFY(table->actions().contains(show)); // in its context menu
    show->trigger();
    QCOMPARE(m_window->currentPage(), Page::MessageInspector);
    teep::ui::MessageInspectorPage *inspector = m_window->messageInspectorPage();
    QCOMPARE(inspector->table()->filter()->text(), QStringLiteral("teep-002"));
    QCOMPARE(inspector->table()->proxy()->rowCount(), 1);
    QVERIFY2(inspector->title()->text().contains(QStringLiteral("teep-002")), qPrintable(inspector->title()->text()));
}

void TestTableMenus::removeFromOneDeviceAndUndoWithDelete()
{
    m_window->showPage(Page::TrustedApps);
    teep::ui::TrustedAppsPage *page = m_window->trustedAppsPage();
    page->reload();
    auto *inventory = page->findChild<QTableView *>(QStringLiteral("inventory-table"));
    QVERIFY(inventory);
    const int row = rowWith(inventory, {0, 2}, {QStringLiteral("globex-drm"), QStringLiteral("teep-001")});
    QVERIFY(row >= 0);
    page->tabs()->setCurrentIndex(1); // Inventory
    inventory->selectRow(row);
    inventory->setFocus();
    m_prompts.confirmations.enqueue(true);
    QTest::keyClick(inventory, Qt::Key_Delete);
    QVERIFY2(m_prompts.questions.last().contains(QStringLiteral("globex-drm from teep-001")), qPrintable(m_prompts.questions.last()));
    QVERIFY(m_prompts.errors.isEmpty());
    auto *assignments = page->findChild<QTableView *>(QStringLiteral("assignments-table"));
    const int exclusion = rowWith(assignments, {1, 3}, {QStringLiteral("globex-drm"), QStringLiteral("not on device teep-001 (removed)")});
    QVERIFY(exclusion >= 0);

    QVERIFY(runDemoDevices(2));
    QCOMPARE(installedOn(QStringLiteral("teep-001")), QStringList{QStringLiteral("acme-wallet v2")});
    QCOMPARE(installedOn(QStringLiteral("teep-002")), (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));

    // Delete in Assignments unassigns the exclusion: the TA comes back at the next session.
    page->reload();
    assignments->selectRow(rowWith(assignments, {1, 3}, {QStringLiteral("globex-drm"), QStringLiteral("not on device teep-001 (removed)")}));
    page->tabs()->setCurrentIndex(2); // Assignments
    assignments->setFocus();
    m_prompts.confirmations.enqueue(true);
    QTest::keyClick(assignments, Qt::Key_Delete);
    page->reload();
    QCOMPARE(rowWith(assignments, {1, 3}, {QStringLiteral("globex-drm"), QStringLiteral("not on device teep-001 (removed)")}), -1);
    QVERIFY(runDemoDevices(1));
    QCOMPARE(installedOn(QStringLiteral("teep-001")), (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
}

void TestTableMenus::selectedRowsExportAsCsv()
{
    m_window->showPage(Page::TrustedApps);
    teep::ui::TrustedAppsPage *page = m_window->trustedAppsPage();
    page->reload();
    auto *inventory = page->findChild<teep::ui::FilteredTable *>(QStringLiteral("inventory"));
    QVERIFY(inventory);
    QTableView *view = inventory->view();
    QVERIFY(view->model()->rowCount() >= 3);
    view->clearSelection();
    view->selectionModel()->select(view->model()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    view->selectionModel()->select(view->model()->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QAction *exportRows = view->findChild<QAction *>(QStringLiteral("inventory-export"));
    QVERIFY(exportRows);
    const QString path = m_dir->path(QStringLiteral("inventory.csv"));
    m_prompts.savePaths.enqueue(path);
    exportRows->trigger();
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size(), 4); // titles, two rows, the empty rest after the last CRLF
    QVERIFY(lines.at(0).startsWith("TA,Version,Device,TEE,"));
    QVERIFY(lines.at(1).startsWith(view->model()->index(0, 0).data().toString().toUtf8() + ','));
    QVERIFY(lines.at(2).startsWith(view->model()->index(2, 0).data().toString().toUtf8() + ','));
    QVERIFY(lines.at(1).endsWith("\r"));
    QVERIFY2(m_window->statusBar()->currentMessage() == QStringLiteral("2 row(s) exported to inventory.csv."), qPrintable(m_window->statusBar()->currentMessage()));
}

QTEST_MAIN(TestTableMenus)
#include "tst_tablemenus.moc"
