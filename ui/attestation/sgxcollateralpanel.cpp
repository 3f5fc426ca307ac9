#include "attestation/sgxcollateralpanel.h"

#include "attestation/sgxcollateral.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/sgxcollateralstore.h"
#include "workspace.h"

#include <QDateTime>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QVBoxLayout>

namespace teep::ui {

namespace {

QString kindLabel(const QString &kind)
{
    if (kind == QLatin1String("tcb-info"))
        return SgxCollateralPanel::tr("TCB info");
    if (kind == QLatin1String("qe-identity"))
        return SgxCollateralPanel::tr("QE identity");
    if (kind == QLatin1String("crl"))
        return SgxCollateralPanel::tr("CRL");
    return SgxCollateralPanel::tr("Certificates");
}

// "2026-12-04 15:36" out of a stored ISO 8601 UTC time: the columns stay narrow.
QString shortTime(const QString &iso)
{
    const QDateTime at = QDateTime::fromString(iso, Qt::ISODate);
    return at.isValid() ? at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : iso;
}

// "CN=Intel SGX PCK Processor CA" out of a CRL issuer's distinguished name: what a column has room for.
QString shortSubject(const QString &subject)
{
    const qsizetype at = subject.indexOf(QLatin1String("CN="));
    if (at < 0)
        return subject;
    const qsizetype end = subject.indexOf(QLatin1Char(','), at);
    return subject.mid(at + 3, end < 0 ? -1 : end - at - 3);
}

} // namespace

SgxCollateralPanel::SgxCollateralPanel(Workspace &workspace, QWidget *parent) : QWidget(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("sgx-collateral-panel"));
    setAcceptDrops(true);
    m_model = new RowsModel({tr("Kind"), tr("About"), tr("Source"), tr("Issued (UTC)"), tr("Next Update (UTC)"), tr("Imported (UTC)")}, this);
    m_table = new FilteredTable(m_model, QStringLiteral("sgx-collateral"),
                                tr("No SGX collateral. Devices that attest with an Intel SGX quote are verified up to the Intel SGX Root CA "
                                   "(Trust Anchors > TEE Roots), but their TCB status is unknown and their tier at most a warning. Import "
                                   "the TCB info, QE identity, CRLs and signing chains Intel's PCS (or your PCCS) publishes, or drop them here."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    auto *import = new QPushButton(tr("&Import Collateral..."), this);
    import->setObjectName(QStringLiteral("sgx-collateral-import"));
    import->setToolTip(tr("Choose every file at once (tcb-info.json, qe-identity.json, the CRLs and the .pem signing chains): "
                          "each is verified with the chains beside it"));
    m_remove = new QPushButton(tr("&Remove..."), this);
    m_remove->setObjectName(QStringLiteral("sgx-collateral-remove"));
    m_remove->setEnabled(false);
    connect(import, &QPushButton::clicked, this, &SgxCollateralPanel::chooseFiles);
    connect(m_remove, &QPushButton::clicked, this, &SgxCollateralPanel::askRemove);
    connect(m_table, &FilteredTable::selectionChanged, this, [this] { m_remove->setEnabled(m_table->selectedKey().isValid()); });
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("sgx-collateral-note"));
    m_note->setWordWrap(true);
    m_note->setVisible(false);
    auto *buttons = new QHBoxLayout;
    auto *about = new QLabel(tr("<b>Intel SGX collateral</b>: rates each SGX platform's TCB (up to date, needs hardening, out of date, "
                                "revoked) and revokes PCK certificates."),
                             this);
    about->setWordWrap(true); // the buttons stay in view at 1024 pixels
    buttons->addWidget(about, 1);
    buttons->addWidget(import);
    buttons->addWidget(m_remove);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_note);
    layout->addWidget(m_table, 1);
}

void SgxCollateralPanel::reload()
{
    const auto rows = tam::SgxCollateralStore(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).rows();
    QList<RowsModel::Row> out;
    const QDateTime now = m_workspace.clock().now();
    if (rows) {
        for (const tam::SgxCollateralRow &row : rows.value()) {
            const QDateTime next = QDateTime::fromString(row.nextUpdate, Qt::ISODate);
            const bool stale = next.isValid() && next < now;
            const QString about = row.kind == QLatin1String("crl") ? tr("revocations by %1").arg(shortSubject(row.subject)) : row.subject;
            out << RowsModel::Row{{kindLabel(row.kind), about, row.source, shortTime(row.issued), shortTime(row.nextUpdate), shortTime(row.importedAt)}, row.id,
                                  stale ? State::Warn : State::Neutral,
                                  (stale ? tr("Past its next update: Intel has published a newer one; import it.") : tr("Imported by %1").arg(row.importedBy)) +
                                      QLatin1Char('\n') + row.subject};
        }
    }
    m_model->setRows(out);
    m_remove->setEnabled(m_table->selectedKey().isValid());
}

bool SgxCollateralPanel::importPaths(const QStringList &paths)
{
    const Clock &clock = m_workspace.clock();
    const QString actor = m_workspace.actor();
    // Read, verified and stored on the operation's own connection.
    const auto imported = runOffThread(this, tr("Importing SGX collateral..."), m_workspace.database().path(), [&](OperationContext &context) -> Result<tam::SgxCollateralImport> {
        QList<std::pair<QString, QByteArray>> files;
        for (const QString &path : paths) {
            const auto read = attestation::sgx::readCollateralFiles(path);
            if (!read)
                return read.error();
            files << read.value();
        }
        return tam::SgxCollateralStore(context.database.connection(), clock, actor).importFiles(files);
    });
    if (!imported) {
        m_workspace.prompts().error(this, tr("Import SGX Collateral"), tr("Nothing was imported.\n\n%1").arg(imported.error().toString()));
        return false;
    }
    QStringList added;
    for (const tam::SgxCollateralRow &row : imported.value().added)
        added << QStringLiteral("%1 (%2)").arg(kindLabel(row.kind), row.kind == QLatin1String("crl") ? shortSubject(row.subject) : row.subject);
    QString note = added.isEmpty() ? tr("Nothing new: every file was imported before.") : tr("Imported %1.").arg(added.join(QStringLiteral(", ")));
    if (!imported.value().replaced.isEmpty())
        note += QLatin1Char(' ') + tr("Replaced the older %1.").arg(imported.value().replaced.join(QStringLiteral(", ")));
    m_note->setText(note);
    m_note->setVisible(true);
    m_workspace.notifyChanged();
    return true;
}

bool SgxCollateralPanel::removeCollateral(qint64 id)
{
    if (const Status removed = tam::SgxCollateralStore(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).remove(id); !removed) {
        m_workspace.prompts().error(this, tr("Remove SGX Collateral"), removed.error().message);
        return false;
    }
    m_note->setVisible(false);
    m_workspace.notifyChanged();
    return true;
}

void SgxCollateralPanel::chooseFiles()
{
    const QStringList files = m_workspace.prompts().openFiles(this, tr("Import SGX Collateral"),
                                                              tr("SGX collateral (*.json *.pem *.crt *.cer *.crl *.der);;All files (*)"));
    if (!files.isEmpty())
        importPaths(files);
}

void SgxCollateralPanel::askRemove()
{
    const QVariant key = m_table->selectedKey();
    const int row = key.isValid() ? m_model->rowFor(key) : -1;
    if (row < 0)
        return;
    const QStringList cells = m_model->row(row).cells;
    if (m_workspace.prompts().confirm(this, tr("Remove SGX Collateral"),
                                      tr("Remove %1 (%2, from %3)? SGX devices it rated are then at most a warning until it is imported again.")
                                          .arg(cells.value(0), cells.value(1), cells.value(2))))
        removeCollateral(key.toLongLong());
}

void SgxCollateralPanel::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void SgxCollateralPanel::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (!url.isLocalFile()) {
            m_workspace.prompts().error(this, tr("Import SGX Collateral"), tr("%1 is not a local file.").arg(url.toDisplayString()));
            return;
        }
        paths << url.toLocalFile();
    }
    event->acceptProposedAction();
    importPaths(paths);
}

} // namespace teep::ui
