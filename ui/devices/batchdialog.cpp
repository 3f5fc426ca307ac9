#include "devices/batchdialog.h"

#include "common/files.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "devices/batchreport.h"
#include "models/rowsmodel.h"
#include "prompts.h"
#include "store/database.h"
#include "workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <memory>

namespace teep::ui {

namespace {
State stateOf(tam::BatchState state)
{
    switch (state) {
    case tam::BatchState::Provisioned:
        return State::Pass;
    case tam::BatchState::Failed:
        return State::Fail;
    case tam::BatchState::Waiting:
        break;
    }
    return State::Neutral;
}
} // namespace

BatchDialog::BatchDialog(Workspace &workspace, const QStringList &groups, QWidget *parent) : QDialog(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("batch-dialog"));
    setWindowTitle(tr("Batch Progress"));
    m_group = new QComboBox(this);
    m_group->setObjectName(QStringLiteral("batch-group"));
    m_group->setAccessibleName(tr("The batch's group"));
    m_group->addItem(tr("Every device"), QString());
    for (const QString &group : groups)
        m_group->addItem(group, group);
    m_sinceOn = new QCheckBox(tr("In contact &since (UTC):"), this);
    m_sinceOn->setObjectName(QStringLiteral("batch-since-on"));
    m_since = new QDateTimeEdit(QDateTime::currentDateTimeUtc().addSecs(-8 * 3600), this);
    m_since->setObjectName(QStringLiteral("batch-since"));
    m_since->setTimeSpec(Qt::UTC);
    m_since->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_since->setCalendarPopup(true);
    m_since->setEnabled(false);
    m_since->setAccessibleName(tr("In contact since"));
    auto *scopeRow = new QHBoxLayout;
    auto *groupLabel = new QLabel(tr("&Group:"), this);
    groupLabel->setBuddy(m_group);
    scopeRow->addWidget(groupLabel);
    scopeRow->addWidget(m_group, 1);
    scopeRow->addWidget(m_sinceOn);
    scopeRow->addWidget(m_since);

    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("batch-progress"));
    m_bar->setAccessibleName(tr("Devices of the batch done"));
    m_bar->setFormat(tr("%v of %m devices done"));
    m_bar->setRange(0, 1);
    m_bar->setValue(0);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("batch-counts"));
    m_counts->setWordWrap(true);

    m_devices = new RowsModel({tr("Device"), tr("State"), tr("Why")}, this);
    m_devices->setStateColumn(1);
    auto *table = new FilteredTable(m_devices, QStringLiteral("batch-devices"), tr("No device in this batch yet."), this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *csv = buttons->addButton(tr("Export &CSV..."), QDialogButtonBox::ActionRole);
    csv->setObjectName(QStringLiteral("batch-export-csv"));
    QPushButton *pdf = buttons->addButton(tr("Export &PDF..."), QDialogButtonBox::ActionRole);
    pdf->setObjectName(QStringLiteral("batch-export-pdf"));
    pdf->setToolTip(tr("A printable record: a summary, then per device its serial, TEEs, attestation, TAs, times and who registered it"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(csv, &QPushButton::clicked, this, [this] {
        const QString path = m_workspace.prompts().saveFile(this, tr("Export Batch Record"), QStringLiteral("batch-record.csv"), tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });
    connect(pdf, &QPushButton::clicked, this, [this] {
        const QString path = m_workspace.prompts().saveFile(this, tr("Export Batch Record"), QStringLiteral("batch-record.pdf"), tr("PDF files (*.pdf)"));
        if (!path.isEmpty())
            exportPdf(path);
    });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(scopeRow);
    layout->addWidget(m_bar);
    layout->addWidget(m_counts);
    layout->addWidget(table, 1);
    layout->addWidget(buttons);
    resize(720, 520);

    connect(m_group, &QComboBox::currentIndexChanged, this, &BatchDialog::refresh);
    connect(m_sinceOn, &QCheckBox::toggled, this, [this](bool on) {
        m_since->setEnabled(on);
        refresh();
    });
    connect(m_since, &QDateTimeEdit::dateTimeChanged, this, &BatchDialog::refresh);
    // Live: whatever changes the fleet (this console's listener, another writer) moves the bar.
    connect(&m_workspace, &Workspace::dataChanged, this, &BatchDialog::refresh);
    refresh();
}

BatchDialog::~BatchDialog() = default;

void BatchDialog::setGroup(const QString &group)
{
    m_group->setCurrentIndex(qMax(0, m_group->findData(group)));
}

tam::ReportScope BatchDialog::scope() const
{
    const QString group = m_group->currentData().toString();
    // The group narrows through the fleet's search first (indexed), then exactly.
    return {group, group, m_sinceOn->isChecked() ? m_since->dateTime().toUTC().toString(Qt::ISODateWithMs) : QString(), QString()};
}

QString BatchDialog::batchName() const
{
    QString name = m_group->currentData().toString().isEmpty() ? tr("every device") : tr("group %1").arg(m_group->currentData().toString());
    if (m_sinceOn->isChecked())
        name += tr(", in contact since %1 UTC").arg(m_since->dateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    return name;
}

void BatchDialog::refresh()
{
    if (m_running) {
        m_again = true; // once the running count is in
        return;
    }
    auto rows = std::make_shared<QList<tam::ReportRow>>();
    m_running = new Operation(tr("Counting the batch..."), m_workspace.database().path(),
                              [rows, scope = scope()](OperationContext &context) -> Operation::Outcome {
                                  auto report = tam::provisioningReport(context.database.connection(), scope);
                                  if (!report)
                                      return report.error();
                                  *rows = std::move(report.value());
                                  return QString();
                              },
                              this);
    connect(m_running, &Operation::finished, this, [this, rows](const Operation::Outcome &outcome) {
        m_running->deleteLater();
        m_running = nullptr;
        if (!outcome)
            m_counts->setText(tr("The batch could not be read: %1").arg(outcome.error().message));
        else
            showRows(*rows);
        if (std::exchange(m_again, false))
            refresh();
        else
            emit refreshed();
    });
    m_running->start();
}

void BatchDialog::showRows(const QList<tam::ReportRow> &rows)
{
    m_rows = rows;
    m_progress = tam::batchProgress(rows);
    m_bar->setRange(0, qMax(1, m_progress.total()));
    m_bar->setValue(m_progress.done());
    m_counts->setText(tr("%1: %2 device(s); %3 provisioned, %4 failed, %5 waiting for their first contact.")
                          .arg(batchName())
                          .arg(m_progress.total())
                          .arg(m_progress.provisioned)
                          .arg(m_progress.failed)
                          .arg(m_progress.waiting));
    QList<RowsModel::Row> table;
    for (const tam::BatchDevice &device : m_progress.devices)
        table.append({{device.device, tam::batchStateName(device.state), device.why}, device.device, stateOf(device.state), device.why});
    m_devices->setRows(std::move(table));
}

bool BatchDialog::exportCsv(const QString &path)
{
    return save(path, false);
}

bool BatchDialog::exportPdf(const QString &path)
{
    return save(path, true);
}

bool BatchDialog::save(const QString &path, bool pdf)
{
    const BatchReportHeading heading{batchName(), m_workspace.actor(), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)};
    const Status saved = runOffThread(this, tr("Exporting the batch record..."), m_workspace.database().path(), [&](OperationContext &) -> Status {
        if (!pdf)
            return writeLocalFile(path, tam::reportCsv(m_rows));
        const Result<QByteArray> document = batchReportPdf(heading, m_progress, m_rows);
        return document ? writeLocalFile(path, document.value()) : Status(document.error());
    });
    if (!saved) {
        m_workspace.prompts().error(this, tr("Batch Record Not Exported"), saved.error().toString());
        return false;
    }
    m_counts->setText(m_counts->text() + QLatin1Char('\n') + tr("Exported to %1.").arg(QFileInfo(path).fileName()));
    return true;
}

} // namespace teep::ui
