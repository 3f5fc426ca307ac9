#include "tas/trustedappspage.h"

#include "common/files.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "crypto/certificate.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/catalog.h"
#include "tam/deviceregistry.h"
#include "tam/fleetqueries.h"
#include "tam/serviceproviders.h"
#include "tam/tapublisher.h"
#include "tas/requestspanel.h"
#include "workspace.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QTabWidget>
#include <QVBoxLayout>

namespace teep::ui {

TrustedAppsPage::TrustedAppsPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("trusted-apps-page"));
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("ta-tabs"));

    // Catalog.
    m_catalog = new RowsModel({tr("TA"), tr("Service provider"), tr("Version"), tr("Size"), tr("Code SHA-256"), tr("Profiles")}, this);
    auto *catalogTable = new FilteredTable(m_catalog, QStringLiteral("catalog"),
                                           tr("The catalog is empty. Add a service provider with its signer certificate (Trust Anchors), then "
                                              "Publish TA Version: the binary is signed for OTrP devices and as a SUIT manifest for TEEP devices."),
                                           this);
    catalogTable->offerExport(m_workspace.prompts());
    auto *publish = new QPushButton(tr("&Publish TA Version..."), this);
    publish->setObjectName(QStringLiteral("ta-publish"));
    connect(publish, &QPushButton::clicked, this, &TrustedAppsPage::openPublishDialog);
    auto *catalogPage = new QWidget(this);
    auto *catalogBar = new QHBoxLayout;
    catalogBar->addWidget(new QLabel(tr("Every version a service provider signed. Devices get what is assigned or what they ask for."), catalogPage), 1);
    catalogBar->addWidget(publish);
    auto *catalogLayout = new QVBoxLayout(catalogPage);
    catalogLayout->addLayout(catalogBar);
    catalogLayout->addWidget(catalogTable, 1);
    m_tabs->addTab(catalogPage, tr("Catalog"));

    // Inventory.
    m_inventory = new RowsModel({tr("TA"), tr("Version"), tr("Device"), tr("TEE"), tr("Security domain"), tr("State"), tr("Updated (UTC)"), tr("Detail")}, this);
    m_inventory->setStateColumn(5);
    auto *inventoryTable = new FilteredTable(m_inventory, QStringLiteral("inventory"),
                                             tr("Nothing installed yet. Assign a TA (Assignments) and let devices connect to the TAM listener "
                                                "(Devices, Start Listener)."),
                                             this);
    inventoryTable->offerExport(m_workspace.prompts());
    m_tabs->addTab(inventoryTable, tr("Inventory"));
    m_inventoryTable = inventoryTable;
    auto *removeHere = new QAction(tr("&Remove From This Device..."), inventoryTable->view());
    removeHere->setObjectName(QStringLiteral("inventory-remove-from-device"));
    removeHere->setShortcut(QKeySequence::Delete);
    removeHere->setShortcutContext(Qt::WidgetShortcut);
    removeHere->setToolTip(tr("The device removes the TA at its next session and does not get it again, whatever its group's or everyone's "
                              "assignments say (undo: unassign the exclusion in Assignments)."));
    connect(removeHere, &QAction::triggered, this, &TrustedAppsPage::removeSelectedFromDevice);
    inventoryTable->view()->insertAction(inventoryTable->view()->actions().value(0), removeHere);

    // Assignments.
    m_assignments = new RowsModel({tr("#"), tr("TA"), tr("Service provider"), tr("Assigned to"), tr("Version"), tr("Rollback")}, this);
    m_assignmentTable = new FilteredTable(m_assignments, QStringLiteral("assignments"),
                                          tr("No assignments: devices get only what they ask for. Assign a TA to every device, a group or one device."),
                                          this);
    m_assignmentTable->offerExport(m_workspace.prompts());
    auto *assignButton = new QPushButton(tr("&Assign..."), this);
    assignButton->setObjectName(QStringLiteral("ta-assign"));
    auto *unassignButton = new QPushButton(tr("&Unassign"), this);
    unassignButton->setObjectName(QStringLiteral("ta-unassign"));
    connect(assignButton, &QPushButton::clicked, this, &TrustedAppsPage::openAssignDialog);
    connect(unassignButton, &QPushButton::clicked, this, &TrustedAppsPage::unassignSelected);
    auto *unassignKey = new QAction(tr("&Unassign..."), m_assignmentTable->view());
    unassignKey->setObjectName(QStringLiteral("assignments-unassign"));
    unassignKey->setShortcut(QKeySequence::Delete);
    unassignKey->setShortcutContext(Qt::WidgetShortcut);
    connect(unassignKey, &QAction::triggered, this, &TrustedAppsPage::unassignSelected);
    m_assignmentTable->view()->insertAction(m_assignmentTable->view()->actions().value(0), unassignKey);
    auto *assignmentPage = new QWidget(this);
    auto *assignmentBar = new QHBoxLayout;
    assignmentBar->addWidget(new QLabel(tr("What devices should have; each device converges at its next session (removals included)."), assignmentPage), 1);
    assignmentBar->addWidget(assignButton);
    assignmentBar->addWidget(unassignButton);
    auto *assignmentLayout = new QVBoxLayout(assignmentPage);
    assignmentLayout->addLayout(assignmentBar);
    assignmentLayout->addWidget(m_assignmentTable, 1);
    m_tabs->addTab(assignmentPage, tr("Assignments"));

    m_requests = new RequestsPanel(m_workspace, this);
    m_tabs->addTab(m_requests, tr("Requests"));
    connect(m_requests, &RequestsPanel::pendingCountChanged, this, &TrustedAppsPage::updateRequestsTab);
    updateRequestsTab(m_requests->pendingCount());

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

void TrustedAppsPage::updateRequestsTab(int pending)
{
    m_tabs->setTabText(m_tabs->indexOf(m_requests), pending ? tr("Requests (%1 waiting)").arg(pending) : tr("Requests"));
}

void TrustedAppsPage::reload()
{
    const QSqlDatabase db = m_workspace.database().connection();
    tam::Catalog catalog(db, m_workspace.clock(), m_workspace.actor());
    QList<RowsModel::Row> rows;
    if (const auto versions = catalog.versions()) {
        for (const tam::TaVersion &version : versions.value()) {
            const QString profiles = version.manifest.isEmpty() ? tr("OTrP only (no SUIT manifest)") : tr("OTrP, TEEP");
            rows << RowsModel::Row{{version.taid, version.spid, QString::number(version.sequence), QLocale().formattedDataSize(version.binarySize),
                                    version.binarySha256, profiles},
                                   version.id, version.manifest.isEmpty() ? State::Warn : State::Neutral,
                                   tr("%1 (%2), component id [h'%3'], SUIT manifest %4 bytes")
                                       .arg(version.taname, version.taid, QString::fromLatin1(version.taid.toUtf8().toHex()))
                                       .arg(version.manifest.size())};
        }
    }
    m_catalog->setRows(rows);

    QList<RowsModel::Row> inventoryRows;
    if (const auto inventory = tam::FleetQueries(db).inventory()) {
        for (const tam::InventoryRecord &record : inventory.value())
            inventoryRows << RowsModel::Row{{record.taid, QString::number(record.version), record.device, record.tee, record.securityDomain, record.state,
                                             record.updatedAt, record.detail},
                                            QVariant(QStringList{record.taid, record.device}), stateForWord(record.state), record.detail};
    }
    m_inventory->setRows(inventoryRows);

    QList<RowsModel::Row> assignmentRows;
    if (const auto assignments = catalog.assignments()) {
        for (const tam::Assignment &assignment : assignments.value()) {
            const QString target = assignment.kind == tam::TargetKind::All     ? tr("every device")
                                   : assignment.kind == tam::TargetKind::Group ? tr("group %1").arg(assignment.target)
                                   : assignment.excluded                       ? tr("not on device %1 (removed)").arg(assignment.target)
                                                                               : tr("device %1").arg(assignment.target);
            assignmentRows << RowsModel::Row{{QString::number(assignment.id), assignment.taid, assignment.spid, target,
                                              assignment.sequence ? QString::number(*assignment.sequence) : tr("latest"),
                                              assignment.allowRollback ? tr("allowed") : tr("refused")},
                                             assignment.id, assignment.excluded ? State::Warn : State::Neutral,
                                             assignment.excluded ? tr("Kept off this device whatever else is assigned; unassign to undo.") : QString()};
        }
    }
    m_assignments->setRows(assignmentRows);
}

bool TrustedAppsPage::publish(const PublishRequest &request)
{
    if (request.taid.isEmpty()) {
        m_workspace.prompts().error(this, tr("TA Not Published"), tr("Give the TA an id (e.g. acme-wallet)."));
        return false;
    }
    // Reading up to 64 MiB, hashing and signing it: off this thread, on a connection of its own.
    Operation publishing(tr("Publishing %1...").arg(request.taid), m_workspace.database().path(),
                         [request, &clock = m_workspace.clock(), actor = m_workspace.actor()](OperationContext &context) -> Result<QString> {
                             const auto binary = readLocalFile(request.binaryPath, 64 * 1024 * 1024);
                             const auto keyPem = readLocalFile(request.keyPath, 1024 * 1024);
                             const auto certPem = readLocalFile(request.certPath, 1024 * 1024);
                             if (!binary || !keyPem || !certPem)
                                 return !binary ? binary.error() : !keyPem ? keyPem.error() : certPem.error();
                             const auto key = crypto::readPrivateKeyPem(keyPem.value(), {});
                             const auto certificates = crypto::parseCertificates(certPem.value());
                             if (!key)
                                 return Error{key.error().code, tr("The SP signing key cannot be read: %1").arg(key.error().message)};
                             if (!certificates || certificates.value().isEmpty())
                                 return Error{QStringLiteral("ui.no-certificate"),
                                              tr("The SP signer certificate cannot be read: %1").arg(certificates ? tr("no certificate") : certificates.error().message)};
                             tam::Catalog catalog(context.database.connection(), clock, actor);
                             const auto published = tam::publishTa(catalog, request.spid, {request.taid, request.name, request.version, binary.value()}, key.value(),
                                                                   certificates.value().first());
                             if (!published)
                                 return published.error();
                             return QString();
                         });
    // Not cancellable: the TA is published in one transaction at the end, or not at all.
    const Operation::Outcome outcome = publishing.runAndWait(this, Operation::Cancel::NotAllowed);
    if (!outcome) {
        m_workspace.prompts().error(this, tr("TA Not Published"), outcome.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool TrustedAppsPage::assign(const AssignRequest &request)
{
    tam::Catalog catalog(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const auto assigned = catalog.assign(request.taid, request.kind, request.target, request.version, request.allowRollback); !assigned) {
        m_workspace.prompts().error(this, tr("TA Not Assigned"), assigned.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

void TrustedAppsPage::showList(const QString &filter)
{
    if (filter == QLatin1String("requests")) {
        m_tabs->setCurrentWidget(m_requests);
        return;
    }
    m_tabs->setCurrentWidget(m_inventoryTable);
    m_inventoryTable->filter()->setText(filter);
}

bool TrustedAppsPage::removeFromDevice(const QString &taid, const QString &device)
{
    tam::Catalog catalog(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const auto removed = catalog.removeFromDevice(taid, device); !removed) {
        m_workspace.prompts().error(this, tr("TA Not Removed"), removed.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

void TrustedAppsPage::removeSelectedFromDevice()
{
    QList<QStringList> pairs;
    for (const QVariant &key : m_inventoryTable->selectedKeys()) {
        const QStringList pair = key.toStringList();
        if (pair.size() == 2 && !pairs.contains(pair))
            pairs << pair;
    }
    if (pairs.isEmpty())
        return;
    QStringList named;
    for (const QStringList &pair : std::as_const(pairs))
        named << tr("%1 from %2").arg(pair.at(0), pair.at(1));
    if (!m_workspace.prompts().confirm(this, tr("Remove From Device"),
                                       tr("Remove %1? Each device removes the TA at its next session and keeps it off until you unassign the "
                                          "exclusion (Assignments).")
                                           .arg(named.join(QStringLiteral(", ")))))
        return;
    for (const QStringList &pair : std::as_const(pairs)) {
        if (!removeFromDevice(pair.at(0), pair.at(1)))
            return;
    }
}

bool TrustedAppsPage::unassign(qint64 assignmentId)
{
    tam::Catalog catalog(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    if (const Status removed = catalog.unassign(assignmentId); !removed) {
        m_workspace.prompts().error(this, tr("TA Not Unassigned"), removed.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

void TrustedAppsPage::openPublishDialog()
{
    QStringList spids;
    if (const auto sps = tam::ServiceProviders(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).list()) {
        for (const tam::ServiceProvider &sp : sps.value())
            spids << sp.spid;
    }
    if (spids.isEmpty()) {
        m_workspace.prompts().error(this, tr("No Service Provider"), tr("Add a service provider with its signer certificate first (Trust Anchors, Service Providers)."));
        return;
    }
    PublishDialog dialog(spids, m_workspace.prompts(), this);
    // After a refusal the form comes back as it was, so that one wrong path is all there is to fix.
    while (dialog.exec() == QDialog::Accepted) {
        if (publish(dialog.request()))
            break;
    }
}

void TrustedAppsPage::openAssignDialog()
{
    const QSqlDatabase db = m_workspace.database().connection();
    const tam::DeviceRegistry fleet(db, m_workspace.clock(), m_workspace.actor());
    const Result<QStringList> taids = tam::Catalog(db, m_workspace.clock(), m_workspace.actor()).taNames();
    const Result<QStringList> devices = fleet.deviceNames();
    const Result<QStringList> groups = fleet.groupNames();
    for (const Result<QStringList> *read : {&taids, &devices, &groups}) {
        if (!*read) {
            m_workspace.prompts().error(this, tr("Cannot Assign"), read->error().toString());
            return;
        }
    }
    if (taids.value().isEmpty()) {
        m_workspace.prompts().error(this, tr("Nothing to Assign"), tr("The catalog is empty: publish a TA version first (Catalog)."));
        return;
    }
    AssignDialog dialog(taids.value(), devices.value(), groups.value(), this);
    if (dialog.exec() == QDialog::Accepted)
        assign(dialog.request());
}

void TrustedAppsPage::unassignSelected()
{
    const QVariant key = m_assignmentTable->selectedKey();
    if (!key.isValid())
        return;
    const int row = m_assignments->rowFor(key);
    if (!m_workspace.prompts().confirm(this, tr("Unassign TA"),
                                       tr("Unassign %1 from %2? Devices that have it only because of this assignment remove it at their next session.")
                                           .arg(m_assignments->row(row).cells.value(1), m_assignments->row(row).cells.value(3))))
        return;
    unassign(key.toLongLong());
}

} // namespace teep::ui
