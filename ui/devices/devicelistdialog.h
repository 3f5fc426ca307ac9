#pragma once

#include "tam/devicecsv.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QTableWidget;

namespace teep::ui {

// The preview of a factory's device list before anything is registered: every line with its
// device, group, profile and key type, or its problem in the fail colour. Register is offered only
// for a list without problems (it registers all of them or none).
class DeviceListDialog : public QDialog
{
    Q_OBJECT

public:
    DeviceListDialog(const tam::DeviceCsv &list, const QString &fileName, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    QPushButton *registerButton() const { return m_register; }
    QString summary() const;

private:
    QTableWidget *m_table;
    QLabel *m_summary;
    QPushButton *m_register;
};

} // namespace teep::ui
