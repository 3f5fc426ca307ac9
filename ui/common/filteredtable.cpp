#include "common/filteredtable.h"

#include "common/columnchooser.h"
#include "common/csv.h"
#include "common/files.h"
#include "models/rowsmodel.h"
#include "prompts.h"

#include <QAction>
#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace teep::ui {

FilteredTable::FilteredTable(RowsModel *model, const QString &name, const QString &emptyText, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    setObjectName(name);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(name + QStringLiteral("-filter"));
    m_filter->setPlaceholderText(tr("Filter (any column)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter"));

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setSortRole(RowsModel::SortRole);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_view = new QTableView(this);
    m_view->setObjectName(name + QStringLiteral("-table"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(0, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection); // Shift/Ctrl-click, Ctrl+A
    auto *copy = new QAction(tr("&Copy Rows"), m_view);
    copy->setObjectName(name + QStringLiteral("-copy"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &FilteredTable::copyRows);
    auto *selectAll = new QAction(tr("Select &All"), m_view);
    selectAll->setShortcut(QKeySequence::SelectAll);
    selectAll->setShortcutContext(Qt::WidgetShortcut);
    connect(selectAll, &QAction::triggered, m_view, &QTableView::selectAll);
    m_view->addActions({copy, selectAll});
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setAccessibleName(name);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FilteredTable::selectionChanged);

    m_empty = new QLabel(emptyText, this);
    m_empty->setObjectName(name + QStringLiteral("-empty"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setMargin(24);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_empty);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_stack, 1);
    connect(model, &QAbstractItemModel::modelReset, this, &FilteredTable::updateEmptyState);
    connect(model, &QAbstractItemModel::modelReset, this, [this] { m_view->resizeColumnsToContents(); });
    updateEmptyState();
    m_columns = new ColumnChooser(m_view, name);
}

QMenu *FilteredTable::columnMenu()
{
    return m_columns->menu();
}

void FilteredTable::setColumnShown(int column, bool shown)
{
    m_columns->setColumnShown(column, shown);
}


QVariant FilteredTable::selectedKey() const
{
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid() && m_view->selectionModel()->isRowSelected(current.row(), QModelIndex()))
        return m_proxy->index(current.row(), 0).data(RowsModel::KeyRole);
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QVariant() : rows.first().data(RowsModel::KeyRole);
}

QVariantList FilteredTable::selectedKeys() const
{
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QVariantList keys;
    for (const QModelIndex &row : std::as_const(rows))
        keys << row.data(RowsModel::KeyRole);
    return keys;
}

QList<QStringList> FilteredTable::shownCells() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        rows << index.row();
    if (rows.isEmpty()) {
        for (int row = 0; row < m_proxy->rowCount(); ++row)
            rows << row;
    }
    std::sort(rows.begin(), rows.end());
    // Columns as the operator arranged them (moved, hidden ones left out).
    const QHeaderView *header = m_view->horizontalHeader();
    QList<int> columns;
    for (int visual = 0; visual < header->count(); ++visual) {
        if (const int logical = header->logicalIndex(visual); !header->isSectionHidden(logical))
            columns << logical;
    }
    QList<QStringList> cells;
    QStringList titles;
    for (const int column : std::as_const(columns))
        titles << m_proxy->headerData(column, Qt::Horizontal).toString();
    cells << titles;
    for (const int row : std::as_const(rows)) {
        QStringList line;
        for (const int column : std::as_const(columns))
            line << m_proxy->index(row, column).data().toString();
        cells << line;
    }
    return cells;
}

QString FilteredTable::rowsAsText() const
{
    const auto field = [](QString text) { return text.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' ')); };
    QStringList lines;
    for (const QStringList &row : shownCells()) {
        QStringList fields;
        for (const QString &cell : row)
            fields << field(cell);
        lines << fields.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString FilteredTable::rowsAsCsv() const
{
    QString text;
    for (const QStringList &row : shownCells())
        text += csv::line(row);
    return text;
}

void FilteredTable::offerExport(Prompts &prompts)
{
    auto *exportRows = new QAction(tr("&Export Rows as CSV..."), m_view);
    exportRows->setObjectName(objectName() + QStringLiteral("-export"));
    exportRows->setToolTip(tr("The selected rows (all shown rows when none is selected), in the columns shown"));
    connect(exportRows, &QAction::triggered, this, [this, &prompts] {
        const QString path = prompts.saveFile(this, tr("Export Rows"), objectName() + QStringLiteral(".csv"), tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        if (const Status written = exportRowsTo(path); !written)
            prompts.error(this, tr("Rows Not Exported"), written.error().toString());
    });
    m_view->insertAction(m_view->actions().value(1), exportRows); // after Copy Rows
}

Status FilteredTable::exportRowsTo(const QString &path) const
{
    // A table's rows are what the window shows: small enough to write from this thread.
    const QString csvText = rowsAsCsv();
    if (const Status written = writeLocalFile(path, csvText.toUtf8()); !written)
        return written;
    if (auto *main = qobject_cast<QMainWindow *>(window()))
        main->statusBar()->showMessage(tr("%n row(s) exported to %1.", nullptr, int(csvText.count(QLatin1String("\r\n"))) - 1).arg(QFileInfo(path).fileName()), 10000);
    return {};
}

void FilteredTable::copyRows() const
{
    QGuiApplication::clipboard()->setText(rowsAsText());
}

void FilteredTable::selectKey(const QVariant &key)
{
    const int row = m_model->rowFor(key);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_view->selectRow(index.row());
}

void FilteredTable::sortBy(int column, Qt::SortOrder order) const
{
    m_view->sortByColumn(column, order);
}

void FilteredTable::setEmptyText(const QString &text)
{
    m_empty->setText(text);
}

void FilteredTable::updateEmptyState()
{
    m_stack->setCurrentWidget(m_model->rowCount() == 0 ? static_cast<QWidget *>(m_empty) : m_view);
    m_filter->setEnabled(m_model->rowCount() > 0);
}

} // namespace teep::ui
