#include "devices/devicespage.h"

#include "devices/batchdialog.h"
#include "devices/classroomcontrols.h"
#include "devices/registerdevicedialog.h"
#include "tam/teepsettings.h"
#include "transport/listenaddress.h"
#include "common/columnchooser.h"
#include "common/files.h"
#include "common/operation.h"
#include "devices/devicelistdialog.h"
#include "devices/listenersettingsdialog.h"
#include "models/fleetmodel.h"
#include "statecolors.h"
#include "sim/devicecrowd.h"
#include "store/database.h"
#include "tam/deviceregistry.h"
#include "tam/provisioningreport.h"
#include "tam/tamidentity.h"
#include "workspace.h"

#include <QAction>
#include <QComboBox>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
constexpr int kMaxLogLines = 500;
constexpr int kLogFlushMs = 100;
} // namespace

DevicesPage::DevicesPage(Workspace &workspace, tam::TamHost &host, QWidget *parent) : QWidget(parent), m_workspace(workspace), m_host(host)
{
    setObjectName(QStringLiteral("devices-page"));
    setAccessibleName(tr("Devices"));
    auto *layout = new QVBoxLayout(this);

    // The TAM listener: devices can only connect while it runs.
    auto *listener = new QGroupBox(tr("TAM listener"), this);
    auto *listenerLayout = new QHBoxLayout(listener);
    m_listenerStatus = new QLabel(listener);
    m_listenerStatus->setObjectName(QStringLiteral("listener-uri"));
    m_listenerStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_listenerButton = new QPushButton(listener);
    m_listenerButton->setObjectName(QStringLiteral("listener-button"));
    m_listenerButton->setAccessibleName(tr("Start or stop the TAM listener"));
    auto *settingsButton = new QPushButton(tr("Listener Settings..."), listener);
    settingsButton->setObjectName(QStringLiteral("listener-settings-button"));
    settingsButton->setAccessibleName(tr("Signature suites and attestation policy"));
    listenerLayout->addWidget(m_listenerStatus, 1);
    listenerLayout->addWidget(settingsButton);
    listenerLayout->addWidget(m_listenerButton);
    connect(m_listenerButton, &QPushButton::clicked, this, [this] { m_host.isRunning() ? stopListener() : (void)startListener(); });
    connect(settingsButton, &QPushButton::clicked, this, [this] { editListenerSettings(); });

    // The demo: simulated devices over real HTTP against this TAM.
    auto *demo = new QGroupBox(tr("Demo devices"), this);
    auto *demoLayout = new QVBoxLayout(demo);
    auto *demoButtons = new QHBoxLayout;
    m_demoStatus = new QLabel(demo);
    m_demoStatus->setObjectName(QStringLiteral("demo-status"));
    m_demoStatus->setWordWrap(true);
    m_demoSetupButton = new QPushButton(tr("Set Up Demo..."), demo);
    m_demoSetupButton->setObjectName(QStringLiteral("demo-setup-button"));
    m_demoSetupButton->setAccessibleName(tr("Set up a demo in this database"));
    m_demoCount = new QSpinBox(demo);
    m_demoCount->setObjectName(QStringLiteral("demo-count"));
    m_demoCount->setRange(1, 500);
    m_demoCount->setValue(5);
    m_demoCount->setSuffix(tr(" devices"));
    m_demoCount->setAccessibleName(tr("Number of demo devices"));
    m_demoProfile = new QComboBox(demo);
    m_demoProfile->setObjectName(QStringLiteral("demo-profile"));
    m_demoProfile->setAccessibleName(tr("Protocol of the demo devices"));
    m_demoProfile->addItem(tr("TEEP agents (CBOR/COSE, EAT, SUIT)"), QStringLiteral("teep"));
    m_demoProfile->addItem(tr("OTrP devices (JSON/JOSE, security domains)"), QStringLiteral("otrp"));
    m_demoRunButton = new QPushButton(tr("Start Demo Devices"), demo);
    m_demoRunButton->setObjectName(QStringLiteral("demo-run-button"));
    m_demoRunButton->setAccessibleName(tr("Start demo devices"));
    demoButtons->addWidget(m_demoSetupButton);
    demoButtons->addWidget(m_demoCount);
    demoButtons->addWidget(m_demoProfile);
    demoButtons->addWidget(m_demoRunButton);
    demoButtons->addStretch(1);
    m_demoProgress = new QProgressBar(demo);
    m_demoProgress->setObjectName(QStringLiteral("demo-progress"));
    m_demoProgress->setAccessibleName(tr("Demo devices done"));
    m_demoProgress->hide();
    m_demoCancel = new QPushButton(tr("Cancel"), demo);
    m_demoCancel->setObjectName(QStringLiteral("demo-cancel-button"));
    m_demoCancel->setAccessibleName(tr("Stop the demo devices"));
    m_demoCancel->hide();
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_demoProgress, 1);
    progress->addWidget(m_demoCancel);
    demoLayout->addLayout(demoButtons);
    m_classroom = new ClassroomControls(demo);
    demoLayout->addWidget(m_classroom);
    demoLayout->addLayout(progress);
    demoLayout->addWidget(m_demoStatus);
    connect(m_demoSetupButton, &QPushButton::clicked, this, [this] { setUpDemo(); });
    connect(m_demoCancel, &QPushButton::clicked, this, &DevicesPage::cancelDemoDevices);
    connect(m_demoRunButton, &QPushButton::clicked, this,
            [this] { startDemoDevices(m_demoCount->value(), m_demoProfile->currentData().toString() == QLatin1String("teep")); });

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("devices-filter"));
    m_filter->setPlaceholderText(tr("Filter devices by name, serial or group"));
    m_filter->setAccessibleName(tr("Filter devices"));
    m_filter->setClearButtonEnabled(true);

    m_model = new FleetModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    // The filter runs in the database (the model loads page by page), so it finds every device.
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        if (const Status filtered = m_model->setFilter(text.trimmed()); !filtered)
            m_demoStatus->setText(tr("The fleet could not be read: %1").arg(filtered.error().message));
        m_tableOrEmpty->setCurrentIndex(m_model->rowCount() == 0 && m_model->filter().isEmpty() ? 0 : 1);
    });

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("devices-table"));
    m_table->setAccessibleName(tr("Devices"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(FleetModel::Name, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    // One line per device, elided (the whole outcome is in its tooltip and the details pane): a
    // 1024x768 screen shows twice the devices of wrapped, two-line rows.
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &DevicesPage::showDetails);
    auto *sessionsOf = new QAction(tr("Show &Sessions in Message Inspector"), m_table);
    sessionsOf->setObjectName(QStringLiteral("devices-show-sessions"));
    connect(sessionsOf, &QAction::triggered, this, [this] {
        if (const QModelIndex current = m_table->currentIndex(); current.isValid())
            emit sessionsOfDeviceRequested(m_proxy->data(m_proxy->index(current.row(), FleetModel::Name)).toString());
    });
    connect(m_table, &QTableView::doubleClicked, sessionsOf, &QAction::trigger);
    m_table->addAction(sessionsOf);
    new ColumnChooser(m_table, QStringLiteral("devices")); // owned by the table

    auto *empty = new QLabel(tr("<h3>No devices yet</h3><p>Devices appear here when they first connect and attest.</p>"
                                "<p><b>Next:</b> start the TAM listener above and point devices at its URI, or, to see the whole "
                                "flow, <b>Set Up Demo</b> and <b>Start Demo Devices</b>.</p>"),
                             this);
    empty->setObjectName(QStringLiteral("devices-empty"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    m_tableOrEmpty = new QStackedWidget(this);
    m_tableOrEmpty->addWidget(empty);
    m_tableOrEmpty->addWidget(m_table);

    m_details = new QTreeWidget(this);
    m_details->setObjectName(QStringLiteral("device-details"));
    m_details->setAccessibleName(tr("Device details"));
    m_details->setHeaderLabels({tr("Select a device to see its TEEs, SDs and TAs"), QString()});
    m_sessions = new QListWidget(this);
    m_sessions->setObjectName(QStringLiteral("session-log"));
    m_sessions->setAccessibleName(tr("Live session log"));
    m_sessions->setUniformItemSizes(true); // one line each: no measuring of 500 items per update
    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_details);
    auto *logBox = new QWidget(this);
    auto *logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addWidget(new QLabel(tr("Live sessions"), logBox));
    logLayout->addWidget(m_sessions);
    right->addWidget(logBox);

    auto *split = new QSplitter(this);
    split->addWidget(m_tableOrEmpty);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    layout->addWidget(listener);
    layout->addWidget(demo);
    auto *registerList = new QPushButton(tr("&Register"), this);
    registerList->setObjectName(QStringLiteral("devices-register"));
    registerList->setToolTip(tr("Register TEEP devices before they connect: one, or a factory's list"));
    auto *registerMenu = new QMenu(registerList);
    QAction *one = registerMenu->addAction(tr("One Device..."), this, &DevicesPage::askRegisterDevice);
    one->setObjectName(QStringLiteral("register-device"));
    QAction *fromList = registerMenu->addAction(tr("From a List..."), this, &DevicesPage::askRegisterFromList);
    fromList->setObjectName(QStringLiteral("register-device-list"));
    fromList->setToolTip(tr("A CSV file: name,agent-key-file[,group[,profile]] per line"));
    registerMenu->setToolTipsVisible(true);
    registerList->setMenu(registerMenu);
    auto *batch = new QPushButton(tr("&Batch..."), this);
    batch->setObjectName(QStringLiteral("devices-batch"));
    batch->setToolTip(tr("A batch's progress as it is provisioned (a group, a time window), and its record as CSV or PDF"));
    connect(batch, &QPushButton::clicked, this, &DevicesPage::openBatch);
    auto *report = new QPushButton(tr("E&xport Report..."), this);
    report->setObjectName(QStringLiteral("devices-export-report"));
    report->setToolTip(tr("The provisioning record of the devices the filter shows, as CSV: per device and TEE, who registered it, its "
                          "attestation, installed and refused TAs, last contact and outcome"));
    connect(report, &QPushButton::clicked, this, [this] {
        const QString path = m_workspace.prompts().saveFile(this, tr("Export Provisioning Report"), QStringLiteral("provisioning-report.csv"),
                                                            tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportReport(path);
    });
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(registerList);
    filterRow->addWidget(batch);
    filterRow->addWidget(report);
    layout->addLayout(filterRow);
    layout->addWidget(split, 1);

    m_logTimer = new QTimer(this);
    m_logTimer->setSingleShot(true);
    m_logTimer->setInterval(kLogFlushMs);
    connect(m_logTimer, &QTimer::timeout, this, &DevicesPage::flushLog);
    m_crowd = new sim::DeviceCrowd(m_workspace.clock(), this);
    connect(m_crowd, &sim::DeviceCrowd::deviceFinished, this, &DevicesPage::deviceFinished);
    connect(m_crowd, &sim::DeviceCrowd::finished, this, &DevicesPage::demoFinished);
    connect(m_crowd, &sim::DeviceCrowd::messagesWaiting, m_classroom, &ClassroomControls::showWaiting);
    connect(m_classroom, &ClassroomControls::paceChanged, m_crowd, [this](sim::Pace pace) { m_crowd->setPace(pace, m_classroom->slowMs()); });
    connect(m_classroom, &ClassroomControls::nextRequested, m_crowd, &sim::DeviceCrowd::next);
    connect(&m_host, &tam::TamHost::sessionEvents, this, [this](const QList<tam::SessionEvent> &events) {
        // Only the last lines of a burst can stay in the log: the others are not even written. A
        // burst is hundreds of events when 200 devices talk: one clock reading for all of them.
        const QString now = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
        for (qsizetype i = qMax<qsizetype>(0, events.size() - kMaxLogLines); i < events.size(); ++i)
            logEvent(events.at(i), now);
    });
    connect(&m_host, &tam::TamHost::runningChanged, this, &DevicesPage::updateControls);
    connect(&m_workspace, &Workspace::dataChanged, this, &DevicesPage::reload);
    // A rollover or a retirement: the listener signs with the keys the database now says.
    connect(&m_workspace, &Workspace::tamIdentityChanged, this, [this] {
        if (!m_host.isRunning())
            return;
        stopListener();
        startListener();
    });
    reload();
}

DevicesPage::~DevicesPage() = default;

void DevicesPage::reload()
{
    const QString selected = m_table->currentIndex().isValid() ? m_proxy->data(m_proxy->index(m_table->currentIndex().row(), FleetModel::Name)).toString()
                                                               : QString();
    if (const Status loaded = m_model->reload(tam::FleetQueries(m_workspace.database().connection())); !loaded)
        m_demoStatus->setText(tr("The fleet could not be read: %1").arg(loaded.error().message));
    m_tableOrEmpty->setCurrentIndex(m_model->rowCount() == 0 && m_model->filter().isEmpty() ? 0 : 1);
    if (m_model->rowCount() > 0 && !m_columnsSized) {
        // Once, when the first devices appear: measuring every cell costs more than the reload
        // itself, and later reloads keep the widths the operator chose.
        m_table->resizeColumnsToContents();
        // The outcome can be long: a column that shows its start, the whole text in its tooltip.
        m_table->setColumnWidth(FleetModel::LastOutcome, qMin(m_table->columnWidth(FleetModel::LastOutcome), 260));
        m_columnsSized = true;
    }
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        if (m_proxy->data(m_proxy->index(row, FleetModel::Name)).toString() == selected)
            m_table->selectRow(row);
    }
    updateControls();
}

bool DevicesPage::editListenerSettings()
{
    ListenerSettingsDialog dialog(m_workspace, this);
    if (!dialog.load())
        return false;
    const bool saved = dialog.exec() == QDialog::Accepted;
    updateControls();
    return saved;
}

QString DevicesPage::servingSummary() const
{
    // What a device meets when it connects; read on every update (a few settings rows).
    const tam::TeepSettings settings(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const auto suites = settings.suites();
    const auto policy = settings.defaultPolicy();
    const auto groups = settings.groupPolicies();
    if (!suites || !policy || !groups)
        return tr("The listener settings could not be read.");
    const QString suitesText = suites.value() == tam::TeepSuites::Modern   ? tr("ESP256/Ed25519")
                               : suites.value() == tam::TeepSuites::Legacy ? tr("ES256/EdDSA (legacy)")
                                                                           : tr("ESP256 and ES256");
    const QString policyText = policy.value() == tam::AttestationPolicy::Evidence        ? tr("evidence required")
                               : policy.value() == tam::AttestationPolicy::RegisteredKey ? tr("registered key is enough")
                                                                                         : tr("a verifier's result required (passport)");
    return groups.value().isEmpty() ? tr("TEEP signed with %1; %2.").arg(suitesText, policyText)
                                    : tr("TEEP signed with %1; %2 (own policy: %n group(s)).", nullptr, int(groups.value().size())).arg(suitesText, policyText);
}

void DevicesPage::updateControls()
{
    const bool running = m_host.isRunning();
    m_listenerStatus->setText((running ? tr("Listening on <b>%1</b>. Devices POST to this URI.").arg(m_host.uri().toHtmlEscaped())
                                       : tr("Off: devices cannot connect. Start it to accept TEEP-over-HTTP sessions on 127.0.0.1.")) +
                              QStringLiteral("<br>") + servingSummary().toHtmlEscaped());
    m_listenerButton->setText(running ? tr("Stop Listener") : tr("Start Listener"));
    const bool demo = hasDemo();
    const bool demoRunning = m_crowd->isRunning();
    m_demoSetupButton->setEnabled(!demo);
    m_demoRunButton->setEnabled(demo && !demoRunning);
    m_demoCount->setEnabled(demo && !demoRunning);
    m_demoProfile->setEnabled(demo && !demoRunning);
    m_demoProgress->setVisible(demoRunning);
    m_classroom->setRunning(demoRunning);
    m_demoCancel->setVisible(demoRunning);
    if (demoRunning)
        m_demoStatus->setText(tr("Demo devices running: each one attests, gets its TAs and reports below."));
    else if (!demo)
        m_demoStatus->setText(tr("Set up a demo to add a demo TAM identity, demo CAs, two service providers and signed TAs to this "
                                 "database; then start simulated devices that connect over HTTP."));
    else if (m_completed + m_failed == 0)
        m_demoStatus->setText(tr("Demo ready (material in %1). Start demo devices to watch them attest and get their TAs.").arg(demoDirectory()));
}

bool DevicesPage::startListener()
{
    const auto identity = tam::TamIdentities(m_workspace.database().connection(), m_workspace.keys(), m_workspace.clock(), m_workspace.actor()).active();
    if (!identity) {
        m_workspace.prompts().error(this, tr("No TAM identity"),
                                    tr("%1\n\nCreate one under Trust Anchors > TAM Identity, or set up the demo.").arg(identity.error().message));
        return false;
    }
    if (!identity.value().demoUnprotected && !m_workspace.ensureUnlocked(this))
        return false;
    // Where and how, as the database says (shared with teepctl serve); the TLS files read off
    // this thread.
    const auto options = runOffThread(this, tr("Reading the listener's settings..."), m_workspace.database().path(),
                                      [this](OperationContext &context) -> Result<transport::ServerOptions> {
                                          const tam::TeepSettings settings(context.database.connection(), m_workspace.clock(), m_workspace.actor());
                                          const auto address = settings.listenAddress();
                                          const auto tls = settings.tlsFiles();
                                          if (!address || !tls)
                                              return address ? tls.error() : address.error();
                                          return transport::serverOptions(address.value(), tls.value().certificate, tls.value().key);
                                      });
    if (!options) {
        m_workspace.prompts().error(this, tr("The TAM listener did not start"),
                                    tr("%1\n\nCheck Listener Settings.").arg(options.error().message));
        return false;
    }
    const Result<QString> uri = m_host.start(options.value());
    if (!uri) {
        m_workspace.prompts().error(this, tr("The TAM listener did not start"), uri.error().message);
        return false;
    }
    updateControls();
    return true;
}

void DevicesPage::stopListener()
{
    m_host.stop();
    updateControls();
}

void DevicesPage::log(const QString &line)
{
    m_pendingLog << line;
    if (!m_logTimer->isActive())
        m_logTimer->start();
}

void DevicesPage::flushLog()
{
    // The counts go in the bar, which only repaints: a new text in the word-wrapped status line
    // would lay the whole page out again.
    if (m_failed > 0)
        m_demoProgress->setFormat(tr("%v of %m devices done, %1 failed").arg(m_failed));
    if (m_demoProgress->value() != m_completed + m_failed)
        m_demoProgress->setValue(m_completed + m_failed);
    if (m_pendingLog.isEmpty())
        return;
    // Only the last lines can stay: the others are not made into items at all.
    if (m_pendingLog.size() > kMaxLogLines)
        m_pendingLog.erase(m_pendingLog.begin(), m_pendingLog.end() - kMaxLogLines);
    // The oldest lines go in one removal (one at a time, the view re-laid out 500 rows per line).
    if (const int excess = int(m_sessions->count() + m_pendingLog.size()) - kMaxLogLines; excess > 0)
        m_sessions->model()->removeRows(0, qMin(excess, m_sessions->count()));
    m_sessions->addItems(m_pendingLog);
    m_pendingLog.clear();
    m_sessions->scrollToBottom();
}

void DevicesPage::logEvent(const tam::SessionEvent &event, const QString &time)
{
    // Concatenated, not .arg()'d: a burst formats hundreds of these on the GUI thread.
    const QString session = QString::number(event.sessionId);
    if (event.kind == tam::SessionEvent::Kind::MessageIn || event.kind == tam::SessionEvent::Kind::MessageOut) {
        const QLatin1String arrow(event.kind == tam::SessionEvent::Kind::MessageOut ? "TAM -> device" : "device -> TAM");
        log(time + QLatin1String("  session ") + session + QLatin1String("  ") + arrow + QLatin1String(": ") + event.summary);
    } else if (event.kind == tam::SessionEvent::Kind::Closed && event.sessionId == 0) {
        // Nobody answered its first message (a flood's, or a device that went away): nothing was
        // recorded, so there is nothing to reload.
        log(time + QLatin1String("  unanswered request from ") + event.peer + QLatin1String(": ") + event.summary);
    } else if (event.kind == tam::SessionEvent::Kind::Closed) {
        // The fleet reloads with every view, at most four times a second (the main window).
        log(time + QLatin1String("  session ") + session + QLatin1Char(' ') + event.device + QLatin1String(" closed: ") + event.summary);
    }
}

std::optional<tam::DeviceCsv> DevicesPage::readDeviceList(const QString &path)
{
    const auto list = runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                   [&](OperationContext &context) -> Result<tam::DeviceCsv> {
                                       const Result<QByteArray> bytes = readLocalFile(path, tam::kMaxDeviceCsvBytes);
                                       if (!bytes)
                                           return bytes.error();
                                       const tam::DeviceRegistry registry(context.database.connection(), m_workspace.clock(), m_workspace.actor());
                                       const Result<QStringList> known = registry.deviceNames(1000000);
                                       if (!known)
                                           return known.error();
                                       return tam::readDeviceCsv(bytes.value(), QFileInfo(path).absolutePath(),
                                                                 QSet<QString>(known.value().cbegin(), known.value().cend()));
                                   });
    if (!list) {
        m_workspace.prompts().error(this, tr("Device List Not Read"), list.error().toString());
        return std::nullopt;
    }
    return list.value();
}

bool DevicesPage::registerDeviceList(const tam::DeviceCsv &list)
{
    if (list.errorCount() > 0)
        return false;
    const Status registered = runOffThread(this, tr("Registering %n device(s)...", nullptr, int(list.rows.size())), m_workspace.database().path(),
                                           [&](OperationContext &context) {
                                               tam::DeviceRegistry registry(context.database.connection(), m_workspace.clock(), m_workspace.actor());
                                               return registry.registerAgents(list.devices());
                                           });
    if (!registered) {
        m_workspace.prompts().error(this, tr("Devices Not Registered"), registered.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool DevicesPage::exportReport(const QString &path)
{
    const tam::ReportScope scope{m_filter->text().trimmed(), QString(), QString(), QString()};
    const Result<int> written = runOffThread(this, tr("Exporting the provisioning report..."), m_workspace.database().path(),
                                             [&](OperationContext &context) -> Result<int> {
                                                 const auto report = tam::provisioningReport(context.database.connection(), scope);
                                                 if (!report)
                                                     return report.error();
                                                 if (const Status saved = writeLocalFile(path, tam::reportCsv(report.value())); !saved)
                                                     return saved.error();
                                                 return int(report.value().size());
                                             });
    if (!written) {
        m_workspace.prompts().error(this, tr("Report Not Exported"), written.error().toString());
        return false;
    }
    m_demoStatus->setText(tr("Report exported: %n row(s) in %1.", nullptr, written.value()).arg(QFileInfo(path).fileName()));
    return true;
}

bool DevicesPage::registerDevice(const DeviceForm &form)
{
    // The checks a list's line gets; the key file is small and local.
    const tam::DeviceCsvRow row = tam::checkDevice(form.name, form.keyFile, form.group, form.profile);
    if (!row.error.isEmpty()) {
        m_workspace.prompts().error(this, tr("Device Not Registered"), row.error);
        return false;
    }
    tam::DeviceCsv one;
    one.rows << row;
    if (!registerDeviceList(one))
        return false;
    m_demoStatus->setText(tr("%1 registered (%2 agent key%3).").arg(row.device.name, row.keyType,
                                                                    row.device.group.isEmpty() ? QString() : tr(", group %1").arg(row.device.group)));
    return true;
}

BatchDialog *DevicesPage::openBatch()
{
    if (!m_batch) {
        const tam::DeviceRegistry registry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
        const Result<QStringList> groups = registry.groupNames();
        m_batch = new BatchDialog(m_workspace, groups ? groups.value() : QStringList(), this);
        m_batch->setAttribute(Qt::WA_DeleteOnClose);
    }
    // Beside the window, not over it: the devices' log and the bar move together.
    m_batch->show();
    m_batch->raise();
    return m_batch;
}

void DevicesPage::askRegisterDevice()
{
    const tam::DeviceRegistry registry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const Result<QStringList> groups = registry.groupNames();
    RegisterDeviceDialog dialog(groups ? groups.value() : QStringList(), m_workspace.prompts(), this);
    // After a refusal the form comes back as it was: one wrong field is all there is to fix.
    while (dialog.exec() == QDialog::Accepted) {
        if (registerDevice(dialog.form()))
            break;
    }
}

void DevicesPage::askRegisterFromList()
{
    const QStringList files = m_workspace.prompts().openFiles(this, tr("Register Devices from a List"), tr("Device lists (*.csv *.txt);;All files (*)"));
    if (files.isEmpty())
        return;
    const std::optional<tam::DeviceCsv> list = readDeviceList(files.first());
    if (!list)
        return;
    DeviceListDialog preview(*list, QFileInfo(files.first()).fileName(), this);
    if (preview.exec() == QDialog::Accepted)
        registerDeviceList(*list);
}

void DevicesPage::showDetails()
{
    m_details->clear();
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    m_details->setHeaderLabels({current.isValid() ? tr("Selected device") : tr("Select a device to see its TEEs, SDs and TAs"), QString()});
    if (!current.isValid())
        return;
    const tam::DeviceSummary &device = m_model->device(current.row());
    auto *root = new QTreeWidgetItem(m_details, {device.name, device.identitySource});
    new QTreeWidgetItem(root, {tr("Serial"), device.serial});
    new QTreeWidgetItem(root, {tr("Last contact"), device.lastContact.isEmpty() ? tr("never") : device.lastContact});
    if (!device.lastOutcome.isEmpty()) {
        auto *outcome = new QTreeWidgetItem(root, {tr("Last outcome"), device.lastOutcome});
        outcome->setToolTip(1, device.lastOutcome);
    }
    if (device.refusedSignatures > 0) {
        auto *suspicious = new QTreeWidgetItem(root, {tr("Suspicious"), tr("%n message(s) claimed to be this device with a signature that did not verify",
                                                                          nullptr, int(device.refusedSignatures))});
        suspicious->setToolTip(1, tr("Last: %1. Nothing was recorded from them; the device's attestation is unchanged.").arg(device.lastRefusedSignature));
        suspicious->setForeground(1, stateForeground(State::Fail, palette()));
    }
    for (const auto &tee : device.tees) {
        auto *teeItem = new QTreeWidgetItem(root, {tr("TEE %1").arg(tee.name), tr("%1, attestation: %2").arg(tee.protocol.toUpper(), tee.lastTier.isEmpty()                       ? tr("none")
                                                                         : tee.lastTier == QLatin1String("identified") ? tr("identified, not attested")
                                                                                                                       : tee.lastTier)});
        for (const auto &[sd, tas] : tee.sds) {
            auto *sdItem = new QTreeWidgetItem(teeItem, {sd.isEmpty() ? tr("Trusted components") : tr("SD %1").arg(sd),
                                                         tas.isEmpty() ? tr("empty") : tr("%n TA(s)", nullptr, int(tas.size()))});
            for (const QString &ta : tas)
                new QTreeWidgetItem(sdItem, {ta, QString()});
        }
        if (!tee.refused.isEmpty()) {
            // Tried again at every session; the reason is the agent's.
            auto *refusedItem = new QTreeWidgetItem(teeItem, {tr("Refused"), tr("%n TA(s) the TEE would not take", nullptr, int(tee.refused.size()))});
            refusedItem->setForeground(1, stateForeground(State::Fail, palette()));
            for (const QString &ta : tee.refused) {
                auto *item = new QTreeWidgetItem(refusedItem, {ta.section(QStringLiteral(": "), 0, 0), ta.section(QStringLiteral(": "), 1)});
                item->setToolTip(1, ta);
                item->setForeground(0, stateForeground(State::Fail, palette()));
            }
        }
    }
    m_details->expandAll();
    m_details->resizeColumnToContents(0);
}

} // namespace teep::ui
