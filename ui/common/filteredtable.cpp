#include "common/filteredtable.h"

#include "models/rowsmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

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
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
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
}

QVariant FilteredTable::selectedKey() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QVariant() : rows.first().data(RowsModel::KeyRole);
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
