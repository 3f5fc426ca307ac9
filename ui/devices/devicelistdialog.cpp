#include "devices/devicelistdialog.h"

#include "statecolors.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace teep::ui {

DeviceListDialog::DeviceListDialog(const tam::DeviceCsv &list, const QString &fileName, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("device-list"));
    setWindowTitle(tr("Register Devices from %1").arg(fileName));
    m_table = new QTableWidget(int(list.rows.size()), 6, this);
    m_table->setObjectName(QStringLiteral("device-list-table"));
    m_table->setHorizontalHeaderLabels({tr("Line"), tr("Device"), tr("Group"), tr("Profile"), tr("Agent key"), tr("Problem")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    const QColor fail = stateForeground(State::Fail, palette());
    for (int row = 0; row < list.rows.size(); ++row) {
        const tam::DeviceCsvRow &line = list.rows.at(row);
        const QStringList cells{QString::number(line.line), line.device.name, line.device.group, line.device.profile,
                                line.keyType.isEmpty() ? line.keyFile : QStringLiteral("%1 (%2)").arg(line.keyFile, line.keyType), line.error};
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            item->setToolTip(cells.at(column));
            if (!line.error.isEmpty())
                item->setForeground(fail);
            m_table->setItem(row, column, item);
        }
    }
    m_table->resizeColumnsToContents();

    const qsizetype problems = list.errorCount();
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("device-list-summary"));
    m_summary->setWordWrap(true);
    m_summary->setText(problems == 0 ? tr("%n device(s) ready to register. They are registered together, with one audit entry each.", nullptr,
                                          int(list.rows.size()))
                                     : tr("%n line(s) have a problem (in red). Nothing is registered until the list is fixed: correct "
                                          "the file and open it again.",
                                          nullptr, int(problems)));
    if (problems > 0)
        m_summary->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(fail.name()));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_register = buttons->addButton(tr("&Register %n Device(s)", nullptr, int(list.rows.size())), QDialogButtonBox::AcceptRole);
    m_register->setObjectName(QStringLiteral("device-list-register"));
    m_register->setEnabled(problems == 0);
    m_register->setDefault(problems == 0);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(problems > 0);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);
    resize(760, 420);
}

QString DeviceListDialog::summary() const
{
    return m_summary->text();
}

} // namespace teep::ui
