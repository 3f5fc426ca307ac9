#pragma once

#include "tam/devicecsv.h"

#include "tam/tamhost.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QTimer;
class QTreeWidget;

namespace teep::sim {
class DeviceCrowd;
struct CrowdOutcome;
struct DeviceOutcome;
} // namespace teep::sim

namespace teep::ui {

class BatchDialog;
class ClassroomControls;
struct DeviceForm;
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
    // A factory's device list (name,agent-key-file[,group[,profile]]): read and checked off the
    // window's thread, every line with its problem; then registered all together or not at all.
    std::optional<tam::DeviceCsv> readDeviceList(const QString &path);
    bool registerDeviceList(const tam::DeviceCsv &list);
    void askRegisterFromList();
    // One device typed into a form (the checks a list's line gets); false, with the reason shown, when refused.
    bool registerDevice(const DeviceForm &form);
    void askRegisterDevice();
    // The batch window (one, not modal): a group's live progress and its record.
    BatchDialog *openBatch();
    // The provisioning record of the devices the filter shows (all of them, not only the loaded
    // page), as CSV: tam/provisioningreport.
    bool exportReport(const QString &path);
    // `teep`: TEEP agents (CBOR/COSE, EAT, SUIT); otherwise OTrP devices (JSON/JOSE, SDs). They
    // run on their own thread; demoDevicesFinished() tells when the last one is done.
    bool startDemoDevices(int count, bool teep = true);
    bool demoDevicesRunning() const;
    void cancelDemoDevices();
    // Where the demo's material (keys and certificates the simulated devices use) is written:
    // beside the database file, or for a shared database in this user's data folder.
    QString demoDirectory() const;
    // The demo devices' pace (real time, slow, step by step) and faults.
    ClassroomControls *classroom() const { return m_classroom; }

signals:
    void demoDevicesFinished(int completed, int failed);
    // The context menu's Show Sessions (or a double click): the main window opens the inspector.
    void sessionsOfDeviceRequested(const QString &device);

private:
    bool hasDemo() const;
    void updateControls();
    QString servingSummary() const;
    void showDetails();
    void logEvent(const tam::SessionEvent &event, const QString &time);
    // Lines reach the log at most ten times a second, however many devices talk at once.
    void log(const QString &line);
    void flushLog();
    void deviceFinished(const sim::DeviceOutcome &outcome);
    void demoFinished(const sim::CrowdOutcome &outcome);

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
    QProgressBar *m_demoProgress = nullptr;
    QPushButton *m_demoCancel = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_tableOrEmpty = nullptr;
    QTableView *m_table = nullptr;
    QTreeWidget *m_details = nullptr;
    QListWidget *m_sessions = nullptr;
    QStringList m_pendingLog;
    QTimer *m_logTimer = nullptr;
    sim::DeviceCrowd *m_crowd = nullptr;
    ClassroomControls *m_classroom = nullptr;
    QPointer<BatchDialog> m_batch;
    bool m_columnsSized = false;
    int m_completed = 0;
    int m_failed = 0;
};

} // namespace teep::ui
