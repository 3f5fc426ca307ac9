#pragma once

#include "common/error.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace teep::ui {

class ColumnChooser;
class Prompts;
class RowsModel;

// A filter box over a sortable table of a RowsModel, and the empty state that replaces the table
// while the model has no rows (saying what to do next). Every list view of the console uses it.
class FilteredTable : public QWidget
{
    Q_OBJECT

public:
    FilteredTable(RowsModel *model, const QString &name, const QString &emptyText, QWidget *parent = nullptr);

    QTableView *view() const { return m_view; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QLineEdit *filter() const { return m_filter; }
    // The key of the selected row (RowsModel::KeyRole), invalid when none; with several selected,
    // the current one's (what a details pane shows).
    QVariant selectedKey() const;
    // Every selected row's key, in the order the table shows them (bulk actions).
    QVariantList selectedKeys() const;
    // The selected rows (every shown row when none is selected) as tab-separated text with the
    // column titles first: what Copy Rows (Ctrl+C, context menu) puts on the clipboard and a
    // spreadsheet pastes as columns.
    QString rowsAsText() const;
    QString rowsAsCsv() const; // the same rows as CSV (common/csv: formulas defused)
    void copyRows() const;
    // Adds Export Rows as CSV... to the table's context menu (asking where through `prompts`).
    void offerExport(Prompts &prompts);
    Status exportRowsTo(const QString &path) const;
    void selectKey(const QVariant &key);
    // Which columns show (ColumnChooser: the column titles' context menu, kept per table).
    QMenu *columnMenu();
    void setColumnShown(int column, bool shown);
    void setEmptyText(const QString &text);
    void sortBy(int column, Qt::SortOrder order) const;

signals:
    void selectionChanged();

private:
    // The column titles, then the selected (or all shown) rows' cells, in the columns shown.
    QList<QStringList> shownCells() const;
    void updateEmptyState();

    RowsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QStackedWidget *m_stack;
    QTableView *m_view;
    QLabel *m_empty;
    ColumnChooser *m_columns = nullptr;
};

} // namespace teep::ui
