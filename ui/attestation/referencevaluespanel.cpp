#include "attestation/referencevaluespanel.h"

#include "common/filteredtable.h"
#include "common/files.h"
#include "common/operation.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/corimreferences.h"
#include "tam/referencevalues.h"
#include "workspace.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
constexpr qint64 kMaxCorimFile = 4 * 1024 * 1024;

// Short enough for a column: "ACME RoadRunner", "ACME RoadRunner #01b5e16b…" for one device.
QString environmentLabel(const attestation::corim::Environment &environment)
{
    QStringList parts;
    for (const QString &part : {environment.vendor, environment.model})
        if (!part.isEmpty())
            parts << part;
    if (parts.isEmpty() && !environment.classId.isEmpty())
        parts << environment.classId;
    QString label = parts.join(QLatin1Char(' '));
    if (!environment.instanceUeid.isEmpty())
        label += QStringLiteral(" #") + QString::fromLatin1(environment.instanceUeid.toHex().left(8)) + QStringLiteral("…");
    else if (!environment.instanceOther.isEmpty())
        label += QStringLiteral(" #") + environment.instanceOther.left(16);
    return label;
}
} // namespace

ReferenceValuesPanel::ReferenceValuesPanel(Workspace &workspace, QWidget *parent) : QWidget(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("reference-values-panel"));
    setAcceptDrops(true);

    // Typed in, per device model.
    m_references = new RowsModel({tr("Device model (EAT hwmodel)"), tr("Claim"), tr("Expected")}, this);
    m_referenceTable = new FilteredTable(m_references, QStringLiteral("reference-values"),
                                         tr("No reference values typed in. Add the oemid and hwversion a device model must claim."), this);
    m_referenceTable->offerExport(m_workspace.prompts());
    auto *add = new QPushButton(tr("&Add Reference Value..."), this);
    add->setObjectName(QStringLiteral("reference-add"));
    auto *remove = new QPushButton(tr("&Remove Model..."), this);
    remove->setObjectName(QStringLiteral("reference-remove"));
    connect(add, &QPushButton::clicked, this, &ReferenceValuesPanel::promptReferenceValue);
    connect(remove, &QPushButton::clicked, this, &ReferenceValuesPanel::removeReferenceValue);
    auto *typed = new QWidget(this);
    auto *typedButtons = new QHBoxLayout;
    typedButtons->addWidget(new QLabel(tr("<b>Per device model</b>: a difference fails the attestation, the device gets nothing installed."), typed), 1);
    typedButtons->addWidget(add);
    typedButtons->addWidget(remove);
    auto *typedLayout = new QVBoxLayout(typed);
    typedLayout->setContentsMargins(0, 0, 0, 0);
    typedLayout->addLayout(typedButtons);
    typedLayout->addWidget(m_referenceTable, 1);

    // Imported from CoRIM.
    // The long values (digests) last: what a row is about stays in view.
    m_corim = new RowsModel({tr("Environment"), tr("Measurement"), tr("Source"), tr("Signer"), tr("Kind"), tr("Values")}, this);
    m_corimTable = new FilteredTable(m_corim, QStringLiteral("corim-references"),
                                     tr("No CoRIM imported. Import the reference values your supply chain publishes (CoRIM, "
                                        "signed or not) or drop the files here: each device's measurements are then appraised "
                                        "against them, component by component."),
                                     this);
    m_corimTable->offerExport(m_workspace.prompts());
    auto *import = new QPushButton(tr("&Import CoRIM..."), this);
    import->setObjectName(QStringLiteral("corim-import"));
    m_removeImport = new QPushButton(tr("Remove &CoRIM..."), this);
    m_removeImport->setObjectName(QStringLiteral("corim-remove"));
    m_removeImport->setToolTip(tr("Remove every reference value the selected row's CoRIM file brought"));
    m_removeImport->setEnabled(false);
    connect(import, &QPushButton::clicked, this, &ReferenceValuesPanel::chooseCorimFiles);
    connect(m_removeImport, &QPushButton::clicked, this, &ReferenceValuesPanel::askRemoveCorimImport);
    connect(m_corimTable, &FilteredTable::selectionChanged, this, [this] { m_removeImport->setEnabled(m_corimTable->selectedKey().isValid()); });
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("corim-note"));
    m_note->setWordWrap(true);
    m_note->setVisible(false);
    auto *imported = new QWidget(this);
    auto *corimButtons = new QHBoxLayout;
    corimButtons->addWidget(new QLabel(tr("<b>From CoRIM</b>: a signed file must verify with a key under Trust Anchors &gt; Verifier Keys."), imported), 1);
    corimButtons->addWidget(import);
    corimButtons->addWidget(m_removeImport);
    auto *corimLayout = new QVBoxLayout(imported);
    corimLayout->setContentsMargins(0, 0, 0, 0);
    corimLayout->addLayout(corimButtons);
    corimLayout->addWidget(m_note);
    corimLayout->addWidget(m_corimTable, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(imported);
    split->addWidget(typed);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
}

void ReferenceValuesPanel::reload()
{
    const QSqlDatabase db = m_workspace.database().connection();
    const auto values = tam::ReferenceValues(db, m_workspace.clock(), m_workspace.actor()).list();
    QList<RowsModel::Row> rows;
    if (values) {
        for (const tam::ReferenceValue &value : values.value())
            rows << RowsModel::Row{{value.model, value.claim, value.expected}, value.model, State::Neutral, {}};
    }
    m_references->setRows(rows);

    tam::CorimReferences corim(db, m_workspace.clock(), m_workspace.actor());
    const auto imports = corim.imports();
    const auto measurements = corim.rows();
    QList<RowsModel::Row> corimRows;
    if (imports && measurements) {
        QHash<qint64, tam::CorimImport> byId;
        for (const tam::CorimImport &import : imports.value())
            byId.insert(import.id, import);
        for (const tam::CorimReferenceRow &row : measurements.value()) {
            const tam::CorimImport import = byId.value(row.importId);
            const QString measured = row.measurement.describeValues();
            corimRows << RowsModel::Row{{environmentLabel(row.environment), row.measurement.label(), row.source,
                                         import.signer.isEmpty() ? tr("unsigned") : import.signer, row.kind, measured},
                                        row.importId, State::Neutral,
                                        tr("%1\n%2\nCoRIM %3, imported %4 by %5")
                                            .arg(row.environment.describe(), measured, import.corimId, import.importedAt, import.importedBy)};
        }
    }
    m_corim->setRows(corimRows);
    m_removeImport->setEnabled(m_corimTable->selectedKey().isValid());
}

bool ReferenceValuesPanel::addReferenceValue(const QString &model, const QString &claim, const QString &expected)
{
    tam::ReferenceValues values(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const Status set = values.set(model, claim, expected); !set) {
        m_workspace.prompts().error(this, tr("Reference Value Not Set"), set.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool ReferenceValuesPanel::importCorimFile(const QString &path)
{
    const Result<QByteArray> bytes = runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                                  [&](OperationContext &) { return readLocalFile(path, kMaxCorimFile); });
    if (!bytes) {
        m_workspace.prompts().error(this, tr("Import CoRIM"), bytes.error().toString());
        return false;
    }
    return importCorim(bytes.value(), QFileInfo(path).fileName());
}

bool ReferenceValuesPanel::importCorim(const QByteArray &bytes, const QString &source)
{
    // Verified, read and stored on the operation's own connection: a large CoRIM never stalls the window.
    const Clock &clock = m_workspace.clock();
    const QString actor = m_workspace.actor();
    const auto imported = runOffThread(this, tr("Importing %1...").arg(source), m_workspace.database().path(), [&](OperationContext &context) {
        return tam::CorimReferences(context.database.connection(), clock, actor).importFile(bytes, source);
    });
    if (!imported) {
        m_workspace.prompts().error(this, tr("Import CoRIM"), tr("%1 was not imported; nothing of it is kept.\n\n%2").arg(source, imported.error().toString()));
        return false;
    }
    m_note->setText(tr("Imported %1 from %2: %3 reference and %4 endorsed measurement(s), %5.")
                        .arg(imported.value().corimId, source)
                        .arg(imported.value().references)
                        .arg(imported.value().endorsements)
                        .arg(imported.value().signer.isEmpty() ? tr("unsigned") : tr("signed by %1").arg(imported.value().signer)));
    m_note->setVisible(true);
    m_workspace.notifyChanged();
    return true;
}

bool ReferenceValuesPanel::removeCorimImport(qint64 importId)
{
    if (const Status removed = tam::CorimReferences(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).remove(importId); !removed) {
        m_workspace.prompts().error(this, tr("Remove CoRIM"), removed.error().message);
        return false;
    }
    m_note->setVisible(false);
    m_workspace.notifyChanged();
    return true;
}

void ReferenceValuesPanel::chooseCorimFiles()
{
    const QStringList files =
        m_workspace.prompts().openFiles(this, tr("Import CoRIM"), tr("CoRIM (*.cbor *.corim *.cose);;All files (*)"));
    for (const QString &path : files)
        importCorimFile(path);
}

void ReferenceValuesPanel::askRemoveCorimImport()
{
    const QVariant key = m_corimTable->selectedKey();
    if (!key.isValid())
        return;
    const int row = m_corim->rowFor(key);
    const QString source = row >= 0 ? m_corim->row(row).cells.value(2) : QString();
    if (m_workspace.prompts().confirm(this, tr("Remove CoRIM"),
                                      tr("Remove every reference value imported from %1? Devices measured against them are then only a warning, "
                                         "unless other reference values speak about them.")
                                          .arg(source)))
        removeCorimImport(key.toLongLong());
}

void ReferenceValuesPanel::promptReferenceValue()
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

void ReferenceValuesPanel::removeReferenceValue()
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

void ReferenceValuesPanel::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void ReferenceValuesPanel::dropEvent(QDropEvent *event)
{
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            importCorimFile(url.toLocalFile());
        else
            m_workspace.prompts().error(this, tr("Import CoRIM"), tr("%1 is not a local file.").arg(url.toDisplayString()));
    }
    event->acceptProposedAction();
}

} // namespace teep::ui
