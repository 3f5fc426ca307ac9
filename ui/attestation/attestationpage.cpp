#include "attestation/attestationpage.h"

#include "common/filteredtable.h"
#include "models/rowsmodel.h"
#include "protocol/inspector.h"
#include "store/database.h"
#include "tam/fleetqueries.h"
#include "tam/referencevalues.h"
#include "workspace.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
QString outcomeText(attestation::Outcome outcome)
{
    switch (outcome) {
    case attestation::Outcome::Pass:
        return QObject::tr("pass");
    case attestation::Outcome::Warn:
        return QObject::tr("warn");
    case attestation::Outcome::Fail:
        break;
    }
    return QObject::tr("FAIL");
}
} // namespace

AttestationPage::AttestationPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("attestation-page"));
    m_model = new RowsModel({tr("Device"), tr("TEE"), tr("Profile"), tr("Trust tier"), tr("Verified (UTC)")}, this);
    m_model->setStateColumn(3);
    m_table = new FilteredTable(m_model, QStringLiteral("attestation"),
                                tr("No attestation results yet. Import TEE root CAs under Trust Anchors, start the TAM listener "
                                   "(Devices) and let a device connect: each session attests its TEEs."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    connect(m_table, &FilteredTable::selectionChanged, this, &AttestationPage::showSelected);

    m_title = new QLabel(tr("Select a TEE to see how its evidence was verified."), this);
    m_title->setObjectName(QStringLiteral("attestation-title"));
    m_title->setWordWrap(true);
    m_checks = new QTreeWidget(this);
    m_checks->setObjectName(QStringLiteral("attestation-checks"));
    m_checks->setAccessibleName(tr("Verification steps"));
    m_checks->setHeaderLabels({tr("Step"), tr("Outcome"), tr("Detail")});
    m_checks->setRootIsDecorated(false);
    m_checks->setWordWrap(true);
    m_history = new QTreeWidget(this);
    m_history->setObjectName(QStringLiteral("attestation-history"));
    m_history->setAccessibleName(tr("Attestation history"));
    m_history->setHeaderLabels({tr("Verified (UTC)"), tr("Trust tier"), tr("Session")});
    m_history->setRootIsDecorated(false);
    m_evidence = new QPlainTextEdit(this);
    m_evidence->setObjectName(QStringLiteral("attestation-evidence"));
    m_evidence->setAccessibleName(tr("Evidence"));
    m_evidence->setReadOnly(true);
    m_evidence->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_evidence->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto *detailTabs = new QTabWidget(this);
    detailTabs->setObjectName(QStringLiteral("attestation-detail-tabs"));
    detailTabs->addTab(m_checks, tr("Verification Steps"));
    detailTabs->addTab(m_evidence, tr("Evidence as Received"));
    detailTabs->addTab(m_history, tr("History"));
    auto *detail = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_title);
    detailLayout->addWidget(detailTabs, 1);

    auto *results = new QSplitter(Qt::Horizontal, this);
    results->addWidget(m_table);
    results->addWidget(detail);
    results->setStretchFactor(0, 3);
    results->setStretchFactor(1, 4);

    // Reference values per device model.
    m_references = new RowsModel({tr("Device model (EAT hwmodel)"), tr("Claim"), tr("Expected")}, this);
    m_referenceTable = new FilteredTable(m_references, QStringLiteral("reference-values"),
                                         tr("No reference values: evidence from every device model is accepted with a warning. "
                                            "Add the oemid and hwversion your devices must claim."),
                                         this);
    m_referenceTable->offerExport(m_workspace.prompts());
    auto *add = new QPushButton(tr("&Add Reference Value..."), this);
    add->setObjectName(QStringLiteral("reference-add"));
    auto *remove = new QPushButton(tr("&Remove Model..."), this);
    remove->setObjectName(QStringLiteral("reference-remove"));
    connect(add, &QPushButton::clicked, this, &AttestationPage::promptReferenceValue);
    connect(remove, &QPushButton::clicked, this, &AttestationPage::removeReferenceValue);
    auto *referencePage = new QWidget(this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(new QLabel(tr("A difference from a reference value fails the attestation: the device gets nothing installed."), referencePage), 1);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    auto *referenceLayout = new QVBoxLayout(referencePage);
    referenceLayout->addLayout(buttons);
    referenceLayout->addWidget(m_referenceTable, 1);

    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("attestation-tabs"));
    tabs->addTab(results, tr("Results"));
    tabs->addTab(referencePage, tr("Reference Values"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

void AttestationPage::reload()
{
    const QVariant selected = m_table->selectedKey();
    const auto latest = tam::FleetQueries(m_workspace.database().connection()).latestAttestations();
    QList<RowsModel::Row> rows;
    if (latest) {
        for (const tam::AttestationRecord &record : latest.value())
            rows << RowsModel::Row{{record.device, record.tee, record.profile.toUpper(), record.tier, record.verifiedAt},
                                   record.id, stateForWord(record.tier), {}};
    }
    m_model->setRows(rows);
    if (selected.isValid())
        m_table->selectKey(selected);
    reloadReferences();
}

void AttestationPage::showSelected()
{
    m_checks->clear();
    m_history->clear();
    m_evidence->clear();
    const QVariant key = m_table->selectedKey();
    const int row = m_model->rowFor(key);
    if (row < 0) {
        m_title->setText(tr("Select a TEE to see how its evidence was verified."));
        return;
    }
    const RowsModel::Row &selected = m_model->row(row);
    const QString device = selected.cells.value(0);
    const QString tee = selected.cells.value(1);
    m_title->setText(tr("<b>%1</b>, TEE <b>%2</b>: %3").arg(device.toHtmlEscaped(), tee.toHtmlEscaped(), selected.cells.value(3)));
    const tam::FleetQueries queries(m_workspace.database().connection());
    const auto history = queries.attestationHistory(device, tee);
    if (!history || history.value().isEmpty())
        return;
    const tam::AttestationRecord &latest = history.value().first();
    for (const attestation::Check &check : latest.checks) {
        auto *item = new QTreeWidgetItem(m_checks, {check.name, outcomeText(check.outcome), check.detail});
        item->setForeground(1, stateForeground(stateForWord(attestation::outcomeName(check.outcome)), palette()));
        item->setToolTip(2, item->text(2));
    }
    m_checks->resizeColumnToContents(0);
    m_checks->resizeColumnToContents(1);
    for (const tam::AttestationRecord &record : history.value()) {
        auto *item = new QTreeWidgetItem(m_history, {record.verifiedAt, record.tier, record.sessionId ? QString::number(record.sessionId) : QString()});
        item->setForeground(1, stateForeground(stateForWord(record.tier), palette()));
    }
    // The evidence: the device's first message of that session, decoded.
    const auto messages = latest.sessionId ? queries.messages(latest.sessionId) : Result<QList<tam::MessageRecord>>(QList<tam::MessageRecord>());
    if (messages) {
        for (const tam::MessageRecord &message : messages.value()) {
            if (message.toDevice)
                continue;
            const protocol::Inspection inspection = protocol::inspect(message.body, {}, true);
            m_evidence->setPlainText(tr("%1, message %2 of session %3 (%4 bytes, %5)\n\n%6")
                                         .arg(inspection.kind)
                                         .arg(message.seq)
                                         .arg(latest.sessionId)
                                         .arg(message.body.size())
                                         .arg(message.mediaType, inspection.diagnostic));
            break;
        }
    }
}

void AttestationPage::reloadReferences()
{
    const auto values = tam::ReferenceValues(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).list();
    QList<RowsModel::Row> rows;
    if (values) {
        for (const tam::ReferenceValue &value : values.value())
            rows << RowsModel::Row{{value.model, value.claim, value.expected}, value.model, State::Neutral, {}};
    }
    m_references->setRows(rows);
}

bool AttestationPage::addReferenceValue(const QString &model, const QString &claim, const QString &expected)
{
    tam::ReferenceValues values(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const Status set = values.set(model, claim, expected); !set) {
        m_workspace.prompts().error(this, tr("Reference Value Not Set"), set.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

void AttestationPage::promptReferenceValue()
{
    const auto model = m_workspace.prompts().text(this, tr("Add Reference Value"), tr("Device model (the EAT hwmodel, e.g. teep-console-sim):"));
    if (!model || model->isEmpty())
        return;
    const auto claim = m_workspace.prompts().text(this, tr("Add Reference Value"), tr("Claim (oemid or hwversion):"));
    if (!claim || claim->isEmpty())
        return;
    const auto expected = m_workspace.prompts().text(this, tr("Add Reference Value"), tr("Expected value (oemid in hex, e.g. 894823):"));
    if (!expected || expected->isEmpty())
        return;
    addReferenceValue(model->trimmed(), claim->trimmed(), expected->trimmed());
}

void AttestationPage::removeReferenceValue()
{
    const QString model = m_referenceTable->selectedKey().toString();
    if (model.isEmpty()) {
        m_workspace.prompts().error(this, tr("Remove Reference Values"), tr("Select a device model in the table first."));
        return;
    }
    if (!m_workspace.prompts().confirm(this, tr("Remove Reference Values"),
                                       tr("Remove every reference value of model %1? Its devices' evidence is then only a warning.").arg(model)))
        return;
    tam::ReferenceValues values(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const Status removed = values.remove(model); !removed)
        m_workspace.prompts().error(this, tr("Reference Values Not Removed"), removed.error().message);
    m_workspace.notifyChanged();
}

} // namespace teep::ui
