#include "attestation/attestationpage.h"

#include "attestation/referencevaluespanel.h"
#include "attestation/sgxcollateralpanel.h"
#include "attestation/sgxevidencetext.h"
#include "attestation/trustvectordelegate.h"

#include "common/filteredtable.h"
#include "models/rowsmodel.h"
#include "protocol/inspector.h"
#include "store/database.h"
#include "tam/fleetqueries.h"
#include "workspace.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
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
    // The vector beside the tier, before the TEE's details: it is what the row is read for.
    m_model = new RowsModel({tr("Device"), tr("Trust tier"), tr("Trust vector"), tr("TEE"), tr("Profile"), tr("Verified (UTC)")}, this);
    m_model->setStateColumn(1);
    m_table = new FilteredTable(m_model, QStringLiteral("attestation"),
                                tr("No attestation results yet. Import TEE root CAs under Trust Anchors, start the TAM listener "
                                   "(Devices) and let a device connect: each session attests its TEEs."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    m_table->view()->setItemDelegateForColumn(2, new TrustVectorDelegate(this));
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
    m_history->setHeaderLabels({tr("Verified (UTC)"), tr("Trust tier"), tr("Trust vector"), tr("Session")});
    m_history->setRootIsDecorated(false);
    m_history->setItemDelegateForColumn(2, new TrustVectorDelegate(this));
    m_vector = new QTreeWidget(this);
    m_vector->setObjectName(QStringLiteral("attestation-trust-vector"));
    m_vector->setAccessibleName(tr("Trust vector"));
    m_vector->setHeaderLabels({tr("Claim (AR4SI)"), tr("Value"), tr("Tier"), tr("Why")});
    m_vector->setRootIsDecorated(false);
    m_vector->setWordWrap(true);
    m_evidence = new QPlainTextEdit(this);
    m_evidence->setObjectName(QStringLiteral("attestation-evidence"));
    m_evidence->setAccessibleName(tr("Evidence"));
    m_evidence->setReadOnly(true);
    m_evidence->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_evidence->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto *detailTabs = new QTabWidget(this);
    detailTabs->setObjectName(QStringLiteral("attestation-detail-tabs"));
    detailTabs->addTab(m_vector, tr("Trust Vector"));
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
    results->setStretchFactor(0, 1);
    results->setStretchFactor(1, 1);

    m_referencesPanel = new ReferenceValuesPanel(m_workspace, this);
    m_collateralPanel = new SgxCollateralPanel(m_workspace, this);

    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("attestation-tabs"));
    tabs->addTab(results, tr("Results"));
    tabs->addTab(m_referencesPanel, tr("Reference Values"));
    tabs->addTab(m_collateralPanel, tr("SGX Collateral"));
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
            rows << RowsModel::Row{{record.device, record.tier, trustVectorText(record.trustVector), record.tee, record.profile.toUpper(), record.verifiedAt},
                                   record.id, stateForWord(record.tier), trustVectorToolTip(record.trustVector)};
    }
    m_model->setRows(rows);
    if (selected.isValid())
        m_table->selectKey(selected);
    m_referencesPanel->reload();
    m_collateralPanel->reload();
}

void AttestationPage::showSelected()
{
    m_checks->clear();
    m_vector->clear();
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
    const QString tee = selected.cells.value(3);
    m_title->setText(tr("<b>%1</b>, TEE <b>%2</b>: %3").arg(device.toHtmlEscaped(), tee.toHtmlEscaped(), selected.cells.value(1)));
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
    for (const attestation::TrustClaim &claim : latest.trustVector.claims) {
        const attestation::Tier tier = claim.tier();
        auto *item = new QTreeWidgetItem(m_vector, {trustClaimLabel(claim.name), QString::number(claim.value), attestation::tierName(tier),
                                                    claim.detail.isEmpty() ? tr("nothing in the evidence or the reference values speaks to it") : claim.detail});
        item->setForeground(2, stateForeground(stateForTier(tier), palette()));
        item->setToolTip(3, item->text(3));
    }
    m_vector->resizeColumnToContents(0);
    m_vector->resizeColumnToContents(1);
    m_vector->resizeColumnToContents(2);
    // The timeline: every appraisal of this TEE, newest first, with its vector.
    for (const tam::AttestationRecord &record : history.value()) {
        auto *item = new QTreeWidgetItem(m_history, {record.verifiedAt, record.tier, trustVectorText(record.trustVector),
                                                     record.sessionId ? QString::number(record.sessionId) : QString()});
        item->setForeground(1, stateForeground(stateForWord(record.tier), palette()));
        item->setToolTip(2, trustVectorToolTip(record.trustVector));
    }
    m_history->resizeColumnToContents(0);
    m_history->resizeColumnToContents(2);
    // The evidence: the device's first message of that session, decoded.
    const auto messages = latest.sessionId ? queries.messages(latest.sessionId) : Result<QList<tam::MessageRecord>>(QList<tam::MessageRecord>());
    if (messages) {
        for (const tam::MessageRecord &message : messages.value()) {
            if (message.toDevice)
                continue;
            const protocol::Inspection inspection = protocol::inspect(message.body, {}, true);
            // An SGX quote travels as bytes: its fields first, then the message as received.
            const QString sgx = sgxEvidenceText(message.body);
            m_evidence->setPlainText(tr("%1, message %2 of session %3 (%4 bytes, %5)\n\n%6")
                                         .arg(inspection.kind)
                                         .arg(message.seq)
                                         .arg(latest.sessionId)
                                         .arg(message.body.size())
                                         .arg(message.mediaType, sgx.isEmpty() ? inspection.diagnostic : sgx + QStringLiteral("\n\n") + inspection.diagnostic));
            break;
        }
    }
}

bool AttestationPage::addReferenceValue(const QString &model, const QString &claim, const QString &expected)
{
    return m_referencesPanel->addReferenceValue(model, claim, expected);
}

} // namespace teep::ui
