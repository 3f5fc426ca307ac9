#include "models/rowsmodel.h"

#include <QApplication>

namespace teep::ui {

RowsModel::RowsModel(QStringList headers, QObject *parent) : QAbstractTableModel(parent), m_headers(std::move(headers)) {}

void RowsModel::setRows(QList<Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int RowsModel::rowFor(const QVariant &key) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).key == key)
            return int(i);
    }
    return -1;
}

int RowsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RowsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant RowsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return row.cells.value(index.column());
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? QVariant() : QVariant(row.toolTip);
    case KeyRole:
        return row.key;
    case SortRole: {
        const QString cell = row.cells.value(index.column());
        bool numeric = false;
        const qlonglong number = cell.toLongLong(&numeric);
        return numeric ? QVariant(number) : QVariant(cell);
    }
    case StateRole:
        return int(row.state);
    case Qt::ForegroundRole:
        if (index.column() == m_stateColumn && row.state != State::Neutral)
            return stateForeground(row.state, QApplication::palette());
        return {};
    default:
        return {};
    }
}

QVariant RowsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole)
        return m_headers.value(section);
    return {};
}

State stateForWord(const QString &word)
{
    if (word == QLatin1String("pass") || word == QLatin1String("affirming") || word == QLatin1String("approved") || word == QLatin1String("installed") ||
        word == QLatin1String("completed"))
        return State::Pass;
    if (word == QLatin1String("warn") || word == QLatin1String("warning") || word == QLatin1String("pending") || word == QLatin1String("identified"))
        return State::Warn;
    if (word == QLatin1String("fail") || word == QLatin1String("contraindicated") || word == QLatin1String("refused") || word == QLatin1String("failed") ||
        word == QLatin1String("expired"))
        return State::Fail;
    return State::Neutral;
}

} // namespace teep::ui
