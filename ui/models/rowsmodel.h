#pragma once

#include "statecolors.h"

#include <QAbstractTableModel>
#include <QStringList>
#include <QVariant>

namespace teep::ui {

// A read-only table a view fills from the store: text per column, a key per row (the row's id in
// the database) and a state per row that colours the column named by setStateColumn(). The views
// that only show what core returns share it instead of each writing its own table model.
class RowsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    struct Row
    {
        QStringList cells;
        QVariant key;
        State state = State::Neutral;
        QString toolTip;
    };
    enum Role { KeyRole = Qt::UserRole + 1, StateRole, SortRole }; // SortRole: numbers as numbers

    explicit RowsModel(QStringList headers, QObject *parent = nullptr);

    void setRows(QList<Row> rows);
    void setStateColumn(int column) { m_stateColumn = column; }
    const Row &row(int index) const { return m_rows.at(index); }
    int rowFor(const QVariant &key) const; // -1 when absent

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList m_headers;
    QList<Row> m_rows;
    int m_stateColumn = -1;
};

// "pass" / "affirming" -> Pass, "warn" / "warning" -> Warn, "fail" / "contraindicated" -> Fail.
State stateForWord(const QString &word);

} // namespace teep::ui
