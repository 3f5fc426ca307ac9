#include "common/columnchooser.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QCursor>
#include <QHeaderView>
#include <QMenu>
#include <QSettings>
#include <QTableView>

namespace teep::ui {

ColumnChooser::ColumnChooser(QTableView *view, const QString &name) : QObject(view), m_view(view), m_name(name)
{
    QHeaderView *header = view->horizontalHeader();
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this, header](const QPoint &at) { menu()->popup(header->mapToGlobal(at)); });
    auto *columns = new QAction(tr("C&olumns..."), view);
    columns->setObjectName(name + QStringLiteral("-columns"));
    connect(columns, &QAction::triggered, this, [this] { menu()->popup(QCursor::pos()); });
    view->addAction(columns);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    restore();
}

QString ColumnChooser::settingsKey() const
{
    return QStringLiteral("tables/%1/hidden-columns").arg(m_name);
}

void ColumnChooser::restore()
{
    const QAbstractItemModel *model = m_view->model();
    const QStringList hidden = QSettings().value(settingsKey()).toStringList();
    for (int column = 1; model && column < model->columnCount(); ++column)
        m_view->setColumnHidden(column, hidden.contains(model->headerData(column, Qt::Horizontal).toString()));
}

void ColumnChooser::setColumnShown(int column, bool shown)
{
    const QAbstractItemModel *model = m_view->model();
    if (!model || column <= 0 || column >= model->columnCount())
        return; // the first column names the row
    m_view->setColumnHidden(column, !shown);
    QStringList hidden;
    for (int each = 1; each < model->columnCount(); ++each) {
        if (m_view->isColumnHidden(each))
            hidden << model->headerData(each, Qt::Horizontal).toString();
    }
    QSettings().setValue(settingsKey(), hidden);
}

QMenu *ColumnChooser::menu()
{
    if (!m_menu) {
        m_menu = new QMenu(tr("Columns"), m_view);
        m_menu->setObjectName(m_name + QStringLiteral("-column-menu"));
    }
    m_menu->clear();
    const QAbstractItemModel *model = m_view->model();
    for (int column = 0; model && column < model->columnCount(); ++column) {
        QAction *shown = m_menu->addAction(model->headerData(column, Qt::Horizontal).toString());
        shown->setCheckable(true);
        shown->setChecked(!m_view->isColumnHidden(column));
        shown->setEnabled(column > 0);
        connect(shown, &QAction::toggled, this, [this, column](bool on) { setColumnShown(column, on); });
    }
    return m_menu;
}

} // namespace teep::ui
