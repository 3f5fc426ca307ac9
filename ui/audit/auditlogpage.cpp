#include "audit/auditlogpage.h"

#include "store/auditcheckpoints.h"

#include "common/csv.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "models/rowsmodel.h"
#include "statecolors.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "workspace.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

namespace teep::ui {

AuditLogPage::AuditLogPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("audit-log-page"));
    m_model = new RowsModel({tr("#"), tr("Time (UTC)"), tr("Actor"), tr("Action"), tr("Object"), tr("Detail")}, this);
    m_table = new FilteredTable(m_model, QStringLiteral("audit"),
                                tr("The audit log is empty. Entries appear as soon as anything changes, starting with the TAM identity "
                                   "(Trust Anchors)."),
                                this);

    m_table->sortBy(0, Qt::DescendingOrder); // newest first
    m_integrity = new QLabel(this);
    m_integrity->setObjectName(QStringLiteral("audit-integrity"));
    m_integrity->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_integrity->setWordWrap(true); // the verdict names how far the signed checkpoints vouch
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("audit-count"));
    m_verifyButton = new QPushButton(tr("&Verify Chain"), this);
    m_verifyButton->setObjectName(QStringLiteral("audit-verify"));
    m_verifyButton->setToolTip(tr("Recompute every entry's hash: an altered, removed or reordered entry is found."));
    m_exportButton = new QPushButton(tr("&Export CSV..."), this);
    m_exportButton->setObjectName(QStringLiteral("audit-export"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("audit-cancel"));
    m_cancelButton->hide();
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("audit-progress"));
    m_progress->setMaximumWidth(200);
    m_progress->hide();
    connect(m_verifyButton, &QPushButton::clicked, this, &AuditLogPage::verifyChain);
    connect(m_exportButton, &QPushButton::clicked, this, &AuditLogPage::chooseExportFile);
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (m_running)
            m_running->cancel();
    });

    auto *bar = new QHBoxLayout;
    bar->addStretch(1);
    bar->addWidget(m_progress);
    bar->addWidget(m_cancelButton);
    bar->addWidget(m_verifyButton);
    bar->addWidget(m_exportButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    // Its own row, the whole width: the verdict (how far the signed checkpoints vouch) can take two lines.
    layout->addWidget(m_integrity);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_count);
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

void AuditLogPage::reload()
{
    const auto entries = store::AuditLog::entries(m_workspace.database().connection(), kShown);
    QList<RowsModel::Row> rows;
    if (entries) {
        for (const store::AuditEntry &entry : entries.value()) {
            const QString object = entry.objectId.isEmpty() ? entry.objectType : QStringLiteral("%1 %2").arg(entry.objectType, entry.objectId);
            const QString detail = entry.detailJson == QLatin1String("{}") ? QString() : entry.detailJson;
            rows << RowsModel::Row{{QString::number(entry.id), entry.at, entry.actor, entry.action, object, detail}, entry.id, State::Neutral, detail};
        }
    }
    m_model->setRows(rows);
    const Result<qint64> total = store::AuditLog::count(m_workspace.database().connection());
    const qint64 count = total ? total.value() : 0;
    m_count->setText(count > kShown ? tr("Showing the newest %1 of %2 entries; Export CSV writes them all.").arg(kShown).arg(count)
                                    : tr("%n entries", nullptr, int(count)));
    m_exportButton->setEnabled(count > 0);
    verifyChain();
}

void AuditLogPage::run(Operation *operation)
{
    m_running = operation;
    m_progress->setRange(0, 0);
    m_progress->show();
    m_cancelButton->show();
    m_verifyButton->setEnabled(false);
    m_exportButton->setEnabled(false);
    connect(operation, &Operation::progressed, this, [this](qint64 done, qint64 total) {
        if (total > 0) {
            m_progress->setRange(0, 1000);
            m_progress->setValue(int(done * 1000 / total));
        }
    });
    connect(operation, &Operation::finished, this, [this, operation](const Operation::Outcome &outcome) {
        m_progress->hide();
        m_cancelButton->hide();
        m_verifyButton->setEnabled(true);
        m_exportButton->setEnabled(m_model->rowCount() > 0);
        m_running = nullptr;
        operation->deleteLater();
        emit operationFinished(outcome);
    });
    operation->start();
}

void AuditLogPage::verifyChain()
{
    if (m_running)
        return;
    m_integrity->setText(tr("Checking the hash chain..."));
    m_integrity->setStyleSheet(QString());
    auto *operation = new Operation(tr("Verifying the audit chain"), m_workspace.database().path(), [](OperationContext &context) -> Result<QString> {
        const Result<qint64> total = store::AuditLog::count(context.database.connection());
        const qint64 count = total ? total.value() : 0;
        const store::AuditVerification verification = store::AuditLog::verify(context.database.connection(), [&](qint64 checked) {
            context.progress(checked, count);
            return !context.cancelled();
        });
        if (context.cancelled())
            return Error{Operation::kCancelled, tr("cancelled after %n entries", nullptr, int(verification.entries))};
        if (!verification.ok)
            return Error{QStringLiteral("audit.broken"), verification.message};
        // Then the signed checkpoints: they catch a writer who recomputed the chain.
        const store::CheckpointVerification checkpoints = store::AuditCheckpoints::verifyCheckpoints(context.database.connection(), verification);
        if (!checkpoints.ok)
            return Error{QStringLiteral("audit.broken"), checkpoints.message};
        return checkpoints.message;
    }, this);
    connect(operation, &Operation::finished, this, [this](const Operation::Outcome &outcome) {
        const bool ok = outcome.ok();
        const bool cancelled = Operation::wasCancelled(outcome);
        const QString message = ok ? outcome.value() : outcome.error().message;
        const State state = ok ? State::Pass : cancelled ? State::Warn : State::Fail;
        m_integrity->setText(ok ? tr("Integrity: intact (%1)").arg(message)
                                : cancelled ? tr("Integrity: not checked (%1)").arg(message)
                                            : tr("Integrity: BROKEN - %1. Keep this database for investigation; restore from a backup.").arg(message));
        m_integrity->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(stateForeground(state, palette()).name()));
    });
    run(operation);
}

void AuditLogPage::chooseExportFile()
{
    const QString path = m_workspace.prompts().saveFile(this, tr("Export Audit Log"), QStringLiteral("audit-log.csv"), tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportCsv(path);
}

void AuditLogPage::exportCsv(const QString &path)
{
    if (m_running)
        return;
    auto *operation = new Operation(tr("Exporting the audit log"), m_workspace.database().path(), [path](OperationContext &context) -> Result<QString> {
        const Result<qint64> total = store::AuditLog::count(context.database.connection());
        if (!total)
            return total.error();
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return Error{QStringLiteral("audit.export"), tr("Cannot write %1: %2").arg(path, file.errorString())};
        file.write("id,at,actor,action,object_type,object_id,detail_json,entry_hash_sha256\r\n");
        qint64 written = 0;
        bool cancelled = false;
        const Status read = store::AuditLog::forEach(context.database.connection(), [&](const store::AuditEntry &entry) {
            if (context.cancelled()) {
                cancelled = true;
                return false;
            }
            const QStringList fields{csv::field(QString::number(entry.id)), csv::field(entry.at),         csv::field(entry.actor),
                                     csv::field(entry.action),              csv::field(entry.objectType), csv::field(entry.objectId),
                                     csv::field(entry.detailJson),          QString::fromLatin1(entry.entryHash.toHex())};
            file.write(fields.join(QLatin1Char(',')).toUtf8() + "\r\n");
            if (++written % 1000 == 0)
                context.progress(written, total.value());
            return true;
        });
        if (!read)
            return read.error();
        if (cancelled)
            return Error{Operation::kCancelled, tr("Export cancelled; %1 was not written.").arg(path)};
        if (!file.commit())
            return Error{QStringLiteral("audit.export"), tr("Cannot write %1: %2").arg(path, file.errorString())};
        return tr("%n entries exported to %1", nullptr, int(written)).arg(path);
    }, this);
    connect(operation, &Operation::finished, this, [this](const Operation::Outcome &outcome) {
        if (!outcome && !Operation::wasCancelled(outcome))
            m_workspace.prompts().error(this, tr("Export Failed"), outcome.error().message);
    });
    run(operation);
}

} // namespace teep::ui
