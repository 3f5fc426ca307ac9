#pragma once

#include <QObject>

class QMenu;
class QTableView;

namespace teep::ui {

// Which columns of a table show: the column titles' context menu (and "Columns..." in the table's
// own) has a check per column; the first, which names the row, always shows. The choice is kept
// by column title under `name` in the console's settings, so the next start shows the same.
class ColumnChooser : public QObject
{
    Q_OBJECT

public:
    ColumnChooser(QTableView *view, const QString &name);

    QMenu *menu();
    void setColumnShown(int column, bool shown);
    // The kept choice, again (after the model's columns were set up).
    void restore();

private:
    QString settingsKey() const;

    QTableView *m_view;
    QString m_name;
    QMenu *m_menu = nullptr;
};

} // namespace teep::ui
