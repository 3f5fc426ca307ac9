#include "trustanchors/truststorepage.h"

#include "common/files.h"
#include "common/operation.h"
#include "crypto/pkcs8.h"
#include "models/trustanchormodel.h"
#include "store/database.h"
#include "store/trustanchors.h"
#include "trustanchors/certificatedetails.h"
#include "workspace.h"

#include <QDragEnterEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
constexpr qint64 kMaxImportedFile = 4 * 1024 * 1024;

QString storeTitle(crypto::TrustStore store)
{
    return QString::fromLatin1(crypto::trustStoreInfo(store).title);
}
} // namespace

TrustStorePage::TrustStorePage(crypto::TrustStore store, Workspace &workspace, QWidget *parent)
    : LazyPage(parent), m_store(store), m_workspace(workspace)
{
    const crypto::TrustStoreInfo &info = crypto::trustStoreInfo(store);
    setObjectName(QString::fromLatin1(info.key) + QStringLiteral("-store"));
    setAccessibleName(storeTitle(store));
    setAcceptDrops(true);

    auto *purpose = new QLabel(QString::fromLatin1(info.purpose), this);
    purpose->setWordWrap(true);

    auto *importButton = new QPushButton(tr("&Import..."), this);
    importButton->setToolTip(tr("Import certificates from PEM, DER or PKCS#7 files"));
    auto *pasteButton = new QPushButton(tr("&Paste PEM..."), this);
    m_export = new QPushButton(tr("&Export..."), this);
    m_remove = new QPushButton(tr("&Remove"), this);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter by name, subject or fingerprint"));
    m_filter->setAccessibleName(tr("Filter %1").arg(storeTitle(store)));
    m_filter->setClearButtonEnabled(true);
    for (QPushButton *button : {importButton, pasteButton, m_export, m_remove})
        button->setAccessibleName(button->text().remove(QLatin1Char('&')).remove(QStringLiteral("...")));
    connect(importButton, &QPushButton::clicked, this, &TrustStorePage::importFiles);
    connect(pasteButton, &QPushButton::clicked, this, &TrustStorePage::pastePem);
    connect(m_export, &QPushButton::clicked, this, &TrustStorePage::exportSelected);
    connect(m_remove, &QPushButton::clicked, this, &TrustStorePage::removeSelected);

    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(importButton);
    toolbar->addWidget(pasteButton);
    toolbar->addWidget(m_export);
    toolbar->addWidget(m_remove);
    toolbar->addStretch();
    toolbar->addWidget(m_filter, 1);

    m_model = new TrustAnchorModel(store, workspace.clock(), this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("anchors-table"));
    m_table->setAccessibleName(storeTitle(store));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(TrustAnchorModel::Label, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &TrustStorePage::showSelection);

    m_details = new CertificateDetails(this);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *empty = new QLabel(this);
    empty->setObjectName(QStringLiteral("empty-state"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    // The store's purpose is already the first line of the page; the empty state says what to do.
    empty->setText(tr("<h3>No %1 yet</h3><p><b>Next step:</b> click <i>Import...</i>, paste PEM text, "
                      "or drop certificate files here.</p>")
                       .arg(storeTitle(store).toHtmlEscaped()));

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(empty);
    m_stack->addWidget(splitter);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(purpose);
    layout->addLayout(toolbar);
    layout->addWidget(m_stack, 1);
    // Hidden, it reloads when next shown: a change made elsewhere (a device session) costs it nothing.
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
    reload();
}

bool TrustStorePage::showsEmptyState() const
{
    return m_stack->currentIndex() == 0;
}

void TrustStorePage::reload()
{
    const qint64 selected = selectedId();
    store::TrustAnchors anchors(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    Result<QList<store::TrustAnchor>> list = anchors.list(m_store);
    if (!list) {
        m_workspace.prompts().error(this, storeTitle(m_store), list.error().toString());
        return;
    }
    m_model->setAnchors(std::move(list).value());
    m_stack->setCurrentIndex(m_model->rowCount() == 0 ? 0 : 1);
    m_table->resizeColumnsToContents();
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        if (m_proxy->index(row, 0).data(TrustAnchorModel::IdRole).toLongLong() == selected)
            m_table->selectRow(row);
    }
    showSelection();
}

qint64 TrustStorePage::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList();
    return rows.isEmpty() ? 0 : rows.first().data(TrustAnchorModel::IdRole).toLongLong();
}

void TrustStorePage::showSelection()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const store::TrustAnchor *anchor = rows.isEmpty() ? nullptr : m_model->anchorAt(m_proxy->mapToSource(rows.first()).row());
    m_export->setEnabled(anchor);
    m_remove->setEnabled(anchor);
    if (!anchor)
        m_details->showNothing(tr("Select an entry to see its details."));
    else if (anchor->isCertificate)
        m_details->showCertificate(anchor->certificate(), m_workspace.clock().now());
    else
        m_details->showPublicKey(anchor->label, anchor->publicKey(), anchor->fingerprint);
}

bool TrustStorePage::importBytes(const QByteArray &bytes, const QString &source)
{
    // Parsing, checking and the commit (a sync to disk) on an Operation's thread and connection.
    Result<QList<qint64>> imported = runOffThread(
        this, tr("Importing into %1...").arg(storeTitle(m_store)), m_workspace.database().path(),
        [&](OperationContext &context) -> Result<QList<qint64>> {
            store::TrustAnchors anchors(context.database.connection(), m_workspace.clock(), m_workspace.actor());
            Result<QList<qint64>> certificates = anchors.importCertificates(m_store, bytes);
            // A Verifier may be known by its bare public key rather than a certificate.
            if (!certificates && m_store == crypto::TrustStore::VerifierKey && bytes.contains("PUBLIC KEY")) {
                const Result<qint64> key = anchors.importPublicKey(m_store, bytes, QFileInfo(source).completeBaseName());
                return key ? Result<QList<qint64>>(QList<qint64>{key.value()}) : Result<QList<qint64>>(key.error());
            }
            return certificates;
        });
    if (!imported) {
        m_workspace.prompts().error(this, tr("Import into %1").arg(storeTitle(m_store)),
                                    tr("Nothing was imported from %1:\n\n%2").arg(source, imported.error().message));
        return false;
    }
    m_workspace.notifyChanged(); // every page reloads, this one included
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        if (m_proxy->index(row, 0).data(TrustAnchorModel::IdRole).toLongLong() == imported.value().last())
            m_table->selectRow(row);
    }
    return true;
}

void TrustStorePage::importFiles()
{
    const QStringList files = m_workspace.prompts().openFiles(
        this, tr("Import into %1").arg(storeTitle(m_store)),
        tr("Certificates (*.pem *.crt *.cer *.der *.p7b *.p7c);;Public keys (*.pem *.pub);;All files (*)"));
    for (const QString &path : files)
        importFile(path);
}

bool TrustStorePage::importFile(const QString &path)
{
    const Result<QByteArray> bytes = runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                                  [&](OperationContext &) { return readLocalFile(path, kMaxImportedFile); });
    if (!bytes) {
        m_workspace.prompts().error(this, tr("Import into %1").arg(storeTitle(m_store)), bytes.error().toString());
        return false;
    }
    return importBytes(bytes.value(), QFileInfo(path).fileName());
}

void TrustStorePage::pastePem()
{
    const std::optional<QString> text =
        m_workspace.prompts().text(this, tr("Paste PEM into %1").arg(storeTitle(m_store)),
                                   tr("Paste one or more -----BEGIN CERTIFICATE----- blocks:"));
    if (text && !text->trimmed().isEmpty())
        importBytes(text->toUtf8(), tr("the pasted text"));
}

void TrustStorePage::exportSelected()
{
    const qint64 id = selectedId();
    store::TrustAnchors anchors(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const Result<store::TrustAnchor> anchor = anchors.get(id);
    if (!anchor)
        return;
    const QString path = m_workspace.prompts().saveFile(this, tr("Export"), anchor.value().label + QStringLiteral(".pem"),
                                                        tr("PEM (*.pem);;DER (*.der *.cer)"));
    if (path.isEmpty())
        return;
    const bool der = path.endsWith(QLatin1String(".der")) || path.endsWith(QLatin1String(".cer"));
    const QByteArray bytes = der ? anchor.value().der
                                 : crypto::pemEncode(anchor.value().der, anchor.value().isCertificate ? "CERTIFICATE" : "PUBLIC KEY");
    const Status written = runOffThread(this, tr("Exporting %1...").arg(anchor.value().label), m_workspace.database().path(),
                                        [&](OperationContext &) { return writeLocalFile(path, bytes); });
    if (!written)
        m_workspace.prompts().error(this, tr("Export"), written.error().toString());
}

void TrustStorePage::removeSelected()
{
    const qint64 id = selectedId();
    store::TrustAnchors anchors(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const Result<store::TrustAnchor> anchor = anchors.get(id);
    if (!anchor)
        return;
    if (!m_workspace.prompts().confirm(this, tr("Remove Trust Anchor"),
                                       tr("Remove '%1' from %2?\n\nAnything that chains only to it will no longer be "
                                          "trusted. The removal is recorded in the audit log.")
                                           .arg(anchor.value().label, storeTitle(m_store))))
        return;
    if (const Status removed = anchors.remove(id); !removed) {
        m_workspace.prompts().error(this, tr("Remove Trust Anchor"), removed.error().message);
        return;
    }
    m_workspace.notifyChanged();
}

void TrustStorePage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->text().contains(QLatin1String("-----BEGIN ")))
        event->acceptProposedAction();
}

void TrustStorePage::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->hasUrls()) {
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile())
                importFile(url.toLocalFile());
            else
                m_workspace.prompts().error(this, tr("Import"), tr("%1 is not a local file.").arg(url.toDisplayString()));
        }
    } else {
        importBytes(mime->text().toUtf8(), tr("the dropped text"));
    }
    event->acceptProposedAction();
}

} // namespace teep::ui
