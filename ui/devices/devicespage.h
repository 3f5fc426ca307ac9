#pragma once

#include "tam/tamhost.h"

#include <QNetworkAccessManager>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QTreeWidget;

namespace teep::sim {
class SimDevice;
struct DeviceOutcome;
} // namespace teep::sim

namespace teep::ui {

class FleetModel;
class Workspace;

// The fleet: every device the TAM knows with its attestation and installed TAs, one device's
// TEEs, SDs and TAs, the live session log, the TAM listener's start/stop control, and the demo
// (set up a demo, start demo devices) a trainer runs with two clicks.
class DevicesPage : public QWidget
{
    Q_OBJECT

public:
    DevicesPage(Workspace &workspace, tam::TamHost &host, QWidget *parent = nullptr);
    ~DevicesPage() override;

    FleetModel *model() const { return m_model; }
    void reload();

    // The actions behind the buttons (also for tests).
    bool startListener();
    void stopListener();
    // The listener's signature suites and attestation policy (a dialog); true when saved.
    bool editListenerSettings();
    bool setUpDemo();
    // `teep`: TEEP agents (CBOR/COSE, EAT, SUIT); otherwise OTrP devices (JSON/JOSE, SDs).
    bool startDemoDevices(int count, bool teep = true);
    int demoDevicesRunning() const { return int(m_running.size()); }

signals:
    void demoDevicesFinished(int completed, int failed);

private:
    QString demoDirectory() const;
    bool hasDemo() const;
    void updateControls();
    QString servingSummary() const;
    void showDetails();
    void logEvent(const tam::SessionEvent &event);
    void deviceFinished(sim::SimDevice *device, const sim::DeviceOutcome &outcome);

    Workspace &m_workspace;
    tam::TamHost &m_host;
    FleetModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QLabel *m_listenerStatus = nullptr;
    QPushButton *m_listenerButton = nullptr;
    QPushButton *m_demoSetupButton = nullptr;
    QPushButton *m_demoRunButton = nullptr;
    QSpinBox *m_demoCount = nullptr;
    QComboBox *m_demoProfile = nullptr;
    QLabel *m_demoStatus = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_tableOrEmpty = nullptr;
    QTableView *m_table = nullptr;
    QTreeWidget *m_details = nullptr;
    QListWidget *m_sessions = nullptr;
    QNetworkAccessManager m_network;
    std::vector<std::unique_ptr<sim::SimDevice>> m_running;
    int m_completed = 0;
    int m_failed = 0;
};

} // namespace teep::ui
