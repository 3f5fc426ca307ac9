#include "trustanchors/serviceproviderspage.h"

#include "common/files.h"
#include "common/operation.h"
#include "statecolors.h"
#include "store/database.h"
#include "tam/serviceproviders.h"
#include "workspace.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
constexpr int kSpidRole = Qt::UserRole + 1;
constexpr int kFingerprintRole = Qt::UserRole + 2;
}

ServiceProvidersPage::ServiceProvidersPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("service-providers"));
    setAccessibleName(tr("Service Providers"));
    auto *purpose = new QLabel(tr("Service providers own security domains and sign their Trusted Applications. Each "
                                  "signing certificate must chain to an SP Signer CA."),
                               this);
    purpose->setWordWrap(true);
    auto *add = new QPushButton(tr("&Add Service Provider..."), this);
    m_addCertificate = new QPushButton(tr("Add &Signer Certificate..."), this);
    m_retire = new QPushButton(tr("Re&tire Certificate..."), this);
    m_retire->setToolTip(tr("A signer certificate its successor replaced: TAs it signs are no longer accepted."));
    m_remove = new QPushButton(tr("&Remove"), this);
    connect(m_retire, &QPushButton::clicked, this, &ServiceProvidersPage::askRetireCertificate);
    for (QPushButton *button : {add, m_addCertificate, m_retire, m_remove})
        button->setAccessibleName(button->text().remove(QLatin1Char('&')).remove(QStringLiteral("...")));
    connect(add, &QPushButton::clicked, this, &ServiceProvidersPage::askAdd);
    connect(m_addCertificate, &QPushButton::clicked, this, &ServiceProvidersPage::askAddCertificate);
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const QString spid = selectedSpid();
        if (!spid.isEmpty() && m_workspace.prompts().confirm(this, tr("Remove Service Provider"),
                                                             tr("Remove service provider '%1' and its signer certificates?").arg(spid)))
            removeProvider(spid);
    });
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(add);
    toolbar->addWidget(m_addCertificate);
    toolbar->addWidget(m_retire);
    toolbar->addWidget(m_remove);
    toolbar->addStretch();

    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("providers-tree"));
    m_tree->setAccessibleName(tr("Service providers"));
    m_tree->setHeaderLabels({tr("Service provider / signer certificate"), tr("Id / valid until"), tr("SHA-256 fingerprint")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, [this] {
        m_addCertificate->setEnabled(!selectedSpid().isEmpty());
        m_retire->setEnabled(!selectedFingerprint().isEmpty());
        m_remove->setEnabled(!selectedSpid().isEmpty());
    });

    auto *empty = new QLabel(tr("<h3>No service providers yet</h3><p><b>Next step:</b> import the CA that issues your "
                                "service providers' signing certificates under <i>SP Signer CAs</i>, then click "
                                "<i>Add Service Provider...</i>.</p>"),
                             this);
    empty->setObjectName(QStringLiteral("empty-state"));
    empty->setWordWrap(true);
    empty->setAlignment(Qt::AlignCenter);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(empty);
    m_stack->addWidget(m_tree);

    auto *layout = new QVBoxLayout(this);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("providers-note"));
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setVisible(false);
    layout->addWidget(purpose);
    layout->addLayout(toolbar);
    layout->addWidget(m_note);
    layout->addWidget(m_stack, 1);
    // Hidden, it reloads when next shown: a change made elsewhere (a device session) costs it nothing.
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
    reload();
}

QString ServiceProvidersPage::note() const
{
    return m_note->isVisible() ? m_note->text() : QString();
}

bool ServiceProvidersPage::showsEmptyState() const
{
    return m_stack->currentIndex() == 0;
}

QString ServiceProvidersPage::selectedFingerprint() const
{
    const QList<QTreeWidgetItem *> items = m_tree->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(0, kFingerprintRole).toString();
}

QString ServiceProvidersPage::selectedSpid() const
{
    const QList<QTreeWidgetItem *> items = m_tree->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(0, kSpidRole).toString();
}

void ServiceProvidersPage::reload()
{
    const QString selected = selectedSpid();
    m_tree->clear();
    tam::ServiceProviders providers(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const auto list = providers.list();
    if (!list) {
        m_workspace.prompts().error(this, tr("Service Providers"), list.error().toString());
        return;
    }
    const QDateTime now = m_workspace.clock().now();
    for (const tam::ServiceProvider &sp : list.value()) {
        auto *item = new QTreeWidgetItem(m_tree, {sp.name, sp.spid});
        item->setData(0, kSpidRole, sp.spid);
        if (sp.certificates.isEmpty()) {
            auto *hint = new QTreeWidgetItem(item, {tr("(no signer certificate yet: add one to let this SP sign TAs)")});
            hint->setData(0, kSpidRole, sp.spid);
            hint->setForeground(0, palette().color(QPalette::PlaceholderText));
        }
        for (const crypto::Certificate &cert : sp.certificates) {
            const crypto::Validity validity = crypto::validityAt(cert, now);
            auto *child = new QTreeWidgetItem(item, {cert.subject(), cert.notAfter().date().toString(Qt::ISODate),
                                                     cert.fingerprintSha256()});
            child->setData(0, kSpidRole, sp.spid);
            child->setData(0, kFingerprintRole, cert.fingerprintSha256());
            child->setForeground(1, stateForeground(stateForValidity(validity), palette()));
            child->setToolTip(1, validityText(validity));
        }
        for (const crypto::Certificate &cert : sp.retired) {
            auto *child = new QTreeWidgetItem(item, {tr("%1 (retired)").arg(cert.subject()), cert.notAfter().date().toString(Qt::ISODate),
                                                     cert.fingerprintSha256()});
            child->setData(0, kSpidRole, sp.spid);
            for (int column = 0; column < 3; ++column)
                child->setForeground(column, palette().color(QPalette::PlaceholderText));
        }
        item->setExpanded(true);
        if (sp.spid == selected)
            item->setSelected(true);
    }
    m_stack->setCurrentIndex(list.value().isEmpty() ? 0 : 1);
    m_addCertificate->setEnabled(!selectedSpid().isEmpty());
    m_retire->setEnabled(!selectedFingerprint().isEmpty());
    m_remove->setEnabled(!selectedSpid().isEmpty());
}

bool ServiceProvidersPage::retireCertificate(const QString &spid, const QString &fingerprint)
{
    const auto toSignAgain = runOffThread(this, tr("Retiring the signer certificate..."), m_workspace.database().path(), [&](OperationContext &context) {
        return tam::ServiceProviders(context.database.connection(), m_workspace.clock(), m_workspace.actor()).retireCertificate(spid, fingerprint);
    });
    if (!toSignAgain) {
        m_workspace.prompts().error(this, tr("Retire Signer Certificate"), toSignAgain.error().message);
        return false;
    }
    m_note->setText(toSignAgain.value().isEmpty()
                        ? tr("Retired a signer certificate of '%1'; no TA version in the catalog was signed with it.").arg(spid)
                        : tr("Retired a signer certificate of '%1'. Sign these TA versions again with the new key and publish them: %2")
                              .arg(spid, toSignAgain.value().join(QStringLiteral(", "))));
    m_note->setVisible(true);
    m_workspace.notifyChanged();
    return true;
}

void ServiceProvidersPage::askRetireCertificate()
{
    const QString spid = selectedSpid();
    const QString fingerprint = selectedFingerprint();
    if (fingerprint.isEmpty())
        return;
    if (m_workspace.prompts().confirm(this, tr("Retire Signer Certificate"),
                                      tr("Retire this signer certificate of '%1'? TAs signed with it will no longer be accepted.\n\n%2")
                                          .arg(spid, fingerprint)))
        retireCertificate(spid, fingerprint);
}

bool ServiceProvidersPage::addProvider(const QString &spid, const QString &name)
{
    tam::ServiceProviders providers(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const auto added = providers.add(spid, name); !added) {
        m_workspace.prompts().error(this, tr("Add Service Provider"), added.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool ServiceProvidersPage::addCertificate(const QString &spid, const QByteArray &bytes, const QString &source)
{
    const auto added = runOffThread(this, tr("Adding the signer certificate..."), m_workspace.database().path(),
                                    [&](OperationContext &context) {
                                        tam::ServiceProviders providers(context.database.connection(), m_workspace.clock(), m_workspace.actor());
                                        return providers.addCertificate(spid, bytes);
                                    });
    if (!added) {
        m_workspace.prompts().error(this, tr("Add Signer Certificate"),
                                    tr("%1 was not added:\n\n%2").arg(source, added.error().message));
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool ServiceProvidersPage::removeProvider(const QString &spid)
{
    tam::ServiceProviders providers(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const Status removed = providers.remove(spid); !removed) {
        m_workspace.prompts().error(this, tr("Remove Service Provider"), removed.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

void ServiceProvidersPage::askAdd()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add Service Provider"));
    auto *spid = new QLineEdit(&dialog);
    spid->setAccessibleName(tr("SP id"));
    spid->setPlaceholderText(tr("letters, digits, '.', '_', '-'"));
    auto *name = new QLineEdit(&dialog);
    name->setAccessibleName(tr("Name"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("SP &id:"), spid);
    form->addRow(tr("&Name:"), name);
    form->addRow(buttons);
    if (dialog.exec() == QDialog::Accepted)
        addProvider(spid->text().trimmed(), name->text().trimmed());
}

void ServiceProvidersPage::askAddCertificate()
{
    const QString spid = selectedSpid();
    const QStringList paths = m_workspace.prompts().openFiles(this, tr("Signer Certificate for %1").arg(spid),
                                                              tr("Certificates (*.pem *.crt *.cer *.der);;All files (*)"));
    for (const QString &path : paths) {
        const Result<QByteArray> bytes = runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                                      [&](OperationContext &) { return readLocalFile(path, 4 * 1024 * 1024); });
        if (!bytes) {
            m_workspace.prompts().error(this, tr("Add Signer Certificate"), bytes.error().toString());
            continue;
        }
        addCertificate(spid, bytes.value(), QFileInfo(path).fileName());
    }
}

} // namespace teep::ui
