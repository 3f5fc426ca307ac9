// The console's tables (FilteredTable): the column chooser on the column titles' context menu,
// what it hides from view and from copied rows, and that the next start shows the same columns.
#include "common/filteredtable.h"
#include "models/rowsmodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QMenu>
#include <QSettings>
#include <QTableView>
#include <QTest>

using namespace teep::ui;

class TestFilteredTable : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void columnsAreChosenAndRemembered();

private:
    static void fill(RowsModel &model)
    {
        model.setRows({{{QStringLiteral("dev-1"), QStringLiteral("SN1"), QStringLiteral("line-1"), QStringLiteral("affirming")}, 1, State::Neutral, {}},
                       {{QStringLiteral("dev-2"), QStringLiteral("SN2"), QStringLiteral("line-2"), QStringLiteral("warning")}, 2, State::Neutral, {}}});
    }
};

void TestFilteredTable::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console-tests"));
    QSettings().clear();
}

void TestFilteredTable::columnsAreChosenAndRemembered()
{
    const QStringList headers{QStringLiteral("Device"), QStringLiteral("Serial"), QStringLiteral("Group"), QStringLiteral("Tier")};
    {
        RowsModel model(headers);
        fill(model);
        FilteredTable table(&model, QStringLiteral("fleet"), QStringLiteral("No devices."));
        table.resize(800, 300);
        table.show();
        QMenu *menu = table.columnMenu();
        const QList<QAction *> columns = menu->actions();
        QCOMPARE(columns.size(), 4);
        QVERIFY(!columns[0]->isEnabled()); // the column that names the row always shows
        for (QAction *column : columns)
            QVERIFY(column->isChecked());
        columns[1]->trigger(); // the operator unticks Serial
        if (qEnvironmentVariableIsSet("TEEP_SCREENSHOT_DIR")) {
            menu->popup(table.mapToGlobal(QPoint(40, 10)));
            QTest::qWait(50);
            table.grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/table-columns.png"));
            menu->grab().save(qEnvironmentVariable("TEEP_SCREENSHOT_DIR") + QStringLiteral("/table-column-menu.png"));
            menu->hide();
        }
        QVERIFY(table.view()->isColumnHidden(1));
        QVERIFY(!table.view()->isColumnHidden(2));
        // Copied rows leave the hidden column out.
        table.view()->selectAll();
        table.copyRows();
        QCOMPARE(QApplication::clipboard()->text().split(QLatin1Char('\n')).first(), QStringLiteral("Device\tGroup\tTier"));
        // The table's own context menu offers the chooser too.
        QVERIFY(table.view()->findChild<QAction *>(QStringLiteral("fleet-columns")));
        QCOMPARE(menu->actions().size(), 4);
        QVERIFY(!table.columnMenu()->actions()[1]->isChecked()); // the menu says what shows
        table.setColumnShown(0, false); // refused: nothing would name the row
        QVERIFY(!table.view()->isColumnHidden(0));
    }
    // The next start: the same columns, by title.
    RowsModel model(headers);
    fill(model);
    FilteredTable again(&model, QStringLiteral("fleet"), QStringLiteral("No devices."));
    QVERIFY(again.view()->isColumnHidden(1));
    QVERIFY(!again.view()->isColumnHidden(3));
    // Another table is its own.
    FilteredTable other(&model, QStringLiteral("audit"), QStringLiteral("Nothing."));
    QVERIFY(!other.view()->isColumnHidden(1));
    again.setColumnShown(1, true);
    FilteredTable third(&model, QStringLiteral("fleet"), QStringLiteral("No devices."));
    QVERIFY(!third.view()->isColumnHidden(1));
}

QTEST_MAIN(TestFilteredTable)
#include "tst_filteredtable.moc"
