#pragma once

#include "tas/tadialogs.h"

#include "common/lazypage.h"

class QTabWidget;

namespace teep::ui {

class FilteredTable;
class RequestsPanel;
class RowsModel;
class Workspace;

// Trusted Applications: the catalog (every version an SP signed, with its SUIT manifest),
// publishing a new version, the inventory (where each version is installed, failed or removed),
// the operator's assignments, and the approval queue of device requests.
class TrustedAppsPage : public LazyPage
{
    Q_OBJECT

public:
    explicit TrustedAppsPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    bool publish(const PublishRequest &request);
    bool assign(const AssignRequest &request);
    bool unassign(qint64 assignmentId);
    // Keeps the TA off one device (Inventory's context menu, Delete): tam::Catalog::removeFromDevice.
    bool removeFromDevice(const QString &taid, const QString &device);
    // "requests": the approval queue; otherwise the Inventory filtered by `filter` (a TA id).
    void showList(const QString &filter);

    RowsModel *catalog() const { return m_catalog; }
    RowsModel *inventory() const { return m_inventory; }
    RowsModel *assignments() const { return m_assignments; }
    RequestsPanel *requests() const { return m_requests; }
    QTabWidget *tabs() const { return m_tabs; }

private:
    void openPublishDialog();
    void openAssignDialog();
    void unassignSelected();
    void removeSelectedFromDevice();
    void updateRequestsTab(int pending);

    Workspace &m_workspace;
    QTabWidget *m_tabs;
    RowsModel *m_catalog;
    RowsModel *m_inventory;
    RowsModel *m_assignments;
    FilteredTable *m_assignmentTable;
    FilteredTable *m_inventoryTable = nullptr;
    RequestsPanel *m_requests;
};

} // namespace teep::ui
