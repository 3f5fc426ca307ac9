#include "mainwindow.h"

#include "common/filteredtable.h"
#include "idlelock.h"
#include "overview/overviewpage.h"
#include "attestation/attestationpage.h"
#include "audit/auditlogpage.h"
#include "common/operation.h"
#include "common/shareddatabasedialog.h"
#include "devices/devicespage.h"
#include "inspector/messageinspectorpage.h"
#include "sds/securitydomainspage.h"
#include "tas/trustedappspage.h"
#include "emptystatepage.h"
#include "helpdialog.h"
#include "prompts.h"
#include "trustanchors/trustanchorsview.h"
#include "workspace.h"
#include "store/database.h"
#include "teep/version.h"
#include "theme.h"
#include "uilogging.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QLineEdit>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QActionGroup>
#include <QSettings>
#include <QSplitter>
#include <QScrollArea>
#include <QSpinBox>
#include <QUrl>
#include <QStackedWidget>
#include <QStatusBar>

namespace teep::ui {

namespace {
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kPageKey = QStringLiteral("mainWindow/page");
} // namespace

MainWindow::MainWindow(std::unique_ptr<store::Database> database, Prompts *prompts, QWidget *parent)
    : QMainWindow(parent)
{
    if (!prompts) {
        m_ownPrompts = std::make_unique<DialogPrompts>();
        prompts = m_ownPrompts.get();
    }
    m_prompts = prompts;
    setObjectName(QStringLiteral("main-window"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/teep-console.png")));
    resize(1100, 720);

    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setAccessibleName(tr("Views"));
    m_navigation->setIconSize(QSize(22, 22));
    m_navigation->setSpacing(2);
    // As narrow as its longest entry allows: at 1024x768 every pixel goes to the views.
    m_navigation->setMinimumWidth(170);
    m_navigation->setMaximumWidth(240);

    m_pages = new QStackedWidget(this);
    m_pages->setObjectName(QStringLiteral("pages"));
    for (const PageInfo &info : pages()) {
        auto *item = new QListWidgetItem(info.icon, info.title, m_navigation);
        item->setData(Qt::UserRole, info.key);
        item->setToolTip(info.body);
        // Real views replace their empty-state placeholder as they are built (setDatabase).
        m_pages->addWidget(new EmptyStatePage(info, m_pages));
    }
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("main-splitter"));
    splitter->addWidget(m_navigation);
    splitter->addWidget(m_pages);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({180, 1000});
    splitter->setChildrenCollapsible(false);
    setCentralWidget(splitter);

    m_databaseLabel = new QLabel(this);
    m_databaseLabel->setObjectName(QStringLiteral("database-status"));
    m_databaseLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_listenerLabel = new QLabel(this);
    m_listenerLabel->setObjectName(QStringLiteral("listener-status"));
    m_keyStoreLabel = new QLabel(this);
    m_keyStoreLabel->setObjectName(QStringLiteral("keystore-status"));
    // Wide enough for either state, so the status bar does not clip or jump when it changes.
    m_keyStoreLabel->setMinimumWidth(m_keyStoreLabel->fontMetrics().horizontalAdvance(tr("Key store: unlocked")) + 12);
    statusBar()->addWidget(m_databaseLabel, 1);
    statusBar()->addPermanentWidget(m_keyStoreLabel);
    statusBar()->addPermanentWidget(m_listenerLabel);

    buildMenus();
    setDatabase(std::move(database));
    restoreWindowState();
}

MainWindow::~MainWindow()
{
    // The views refer to the TAM, the workspace and the database: they go before those members.
    for (int index = m_pages->count() - 1; index >= 0; --index)
        delete m_pages->widget(index);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *create = file->addAction(tr("&New Database..."), this, &MainWindow::askNewDatabase);
    create->setShortcut(QKeySequence::New);
    create->setToolTip(tr("Start an empty database (another line, another customer, a class): the current one stays as it is."));
    QAction *open = file->addAction(tr("&Open Database..."), this, &MainWindow::openAnotherDatabase);
    open->setShortcut(QKeySequence::Open);
    QAction *shared = file->addAction(tr("Open &Shared Database..."), this, &MainWindow::askSharedDatabase);
    shared->setObjectName(QStringLiteral("open-shared-database"));
    shared->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    shared->setToolTip(tr("A PostgreSQL database that several consoles and TAM servers share."));
    QAction *unlock = file->addAction(tr("&Unlock Key Store..."), this, [this] { m_workspace->ensureUnlocked(this); });
    unlock->setObjectName(QStringLiteral("unlock-key-store"));
    QAction *lock = file->addAction(tr("&Lock Key Store"), this, [this] { m_workspace->lock(); });
    lock->setObjectName(QStringLiteral("lock-key-store"));
    lock->setToolTip(tr("Forget the passphrase and stop all signing at once: the TAM listener answers devices 503 until you unlock."));
    QMenu *autoLock = file->addMenu(tr("&Auto-Lock"));
    autoLock->setObjectName(QStringLiteral("auto-lock-menu"));
    autoLock->setToolTipsVisible(true);
    auto *autoLockChoices = new QActionGroup(autoLock);
    for (const int minutes : {0, 5, 15, 30, 60}) {
        QAction *choice = autoLock->addAction(minutes == 0 ? tr("&Never") : tr("After %n Minute(s) Idle", nullptr, minutes));
        choice->setObjectName(QStringLiteral("auto-lock-%1").arg(minutes));
        choice->setCheckable(true);
        choice->setChecked(minutes == IdleLock::savedMinutes());
        choice->setToolTip(tr("Lock the key store (and stop the listener's signing) when nobody has touched keyboard or mouse for this long."));
        autoLockChoices->addAction(choice);
        connect(choice, &QAction::triggered, this, [this, minutes] {
            IdleLock::saveMinutes(minutes);
            if (m_idleLock)
                m_idleLock->setTimeout(std::chrono::minutes(minutes));
        });
    }
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    int number = 1;
    for (const PageInfo &info : pages()) {
        QAction *action = view->addAction(info.icon, info.title, this,
                                          [this, page = info.page] { showPage(page); });
        action->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(number++)));
    }

    view->addSeparator();
    QMenu *themes = view->addMenu(tr("&Theme"));
    auto *themeGroup = new QActionGroup(this);
    for (const auto &[theme, title] : {std::pair{Theme::System, tr("&System")}, std::pair{Theme::Light, tr("&Light")}, std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction *action = themes->addAction(title, this, [theme = theme] {
            applyTheme(theme);
            saveTheme(theme);
        });
        action->setObjectName(QStringLiteral("theme-") + themeName(theme));
        action->setCheckable(true);
        action->setChecked(savedTheme() == theme);
        themeGroup->addAction(action);
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *guide = help->addAction(tr("&User Guide"), this, &MainWindow::showUserGuide);
    guide->setObjectName(QStringLiteral("user-guide"));
    guide->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About TEEP Console"), this, &MainWindow::showAbout);
}

Page MainWindow::currentPage() const
{
    return pages().at(m_pages->currentIndex()).page;
}

void MainWindow::showPage(Page page)
{
    m_navigation->setCurrentRow(pageIndex(page));
}

QWidget *MainWindow::pageWidget(Page page) const
{
    QWidget *slot = m_pages->widget(pageIndex(page));
    const auto *frame = qobject_cast<QScrollArea *>(slot);
    return frame ? frame->widget() : slot;
}

QWidget *MainWindow::framed(QWidget *view)
{
    // Each view in a scroll area of its own: the window fits a 1024x768 screen whatever the
    // widest view needs (it scrolls instead), and a view whose content changes (a status line, a
    // progress bar) re-lays out itself only, not the whole window with every other view in it
    // (70-120 ms a time in the sanitizer build while 200 devices provision).
    auto *frame = new QScrollArea(m_pages);
    frame->setObjectName(view->objectName() + QStringLiteral("-frame"));
    frame->setFrameShape(QFrame::NoFrame);
    frame->setWidgetResizable(true);
    frame->setWidget(view);
    frame->setFocusProxy(view);
    return frame;
}

void MainWindow::setDatabase(std::unique_ptr<store::Database> database)
{
    // Views of the previous database go first, then its TAM, its workspace, the database itself.
    for (int index = 0; index < m_pages->count(); ++index) {
        QWidget *previous = m_pages->widget(index);
        m_pages->removeWidget(previous);
        m_pages->insertWidget(index, new QWidget(m_pages)); // keeps the indexes while views are rebuilt
        delete previous;
    }
    m_tamHost.reset();
    m_idleLock.reset();
    m_workspace.reset();
    m_database = std::move(database);
    m_workspace = std::make_unique<Workspace>(*m_database, *m_prompts);
    m_idleLock = std::make_unique<IdleLock>(*m_workspace);
    m_idleLock->setTimeout(std::chrono::minutes(IdleLock::savedMinutes()));
    connect(m_idleLock.get(), &IdleLock::lockedForIdleness, this, [this] {
        statusBar()->showMessage(tr("Key store locked after %n minute(s) without input.", nullptr, int(IdleLock::savedMinutes())));
    });
    m_tamHost = std::make_unique<tam::TamHost>(m_database->connection(), m_database->path(), m_workspace->keys(), m_workspace->clock());
    connect(m_tamHost.get(), &tam::TamHost::runningChanged, this, &MainWindow::updateListenerLabel);
    connect(m_tamHost.get(), &tam::TamHost::sessionEvents, m_workspace.get(), [workspace = m_workspace.get()](const QList<tam::SessionEvent> &events) {
        const bool recorded = std::any_of(events.cbegin(), events.cend(), [](const tam::SessionEvent &event) {
            return event.kind == tam::SessionEvent::Kind::Closed && event.sessionId != 0; // 0: unanswered, nothing recorded
        });
        if (recorded)
            workspace->notifyChangedSoon(); // whatever device connected, the views catch up
    });
    updateListenerLabel(false, QString());
    m_trustAnchors = new TrustAnchorsView(*m_workspace, m_pages);
    m_devices = new DevicesPage(*m_workspace, *m_tamHost, m_pages);
    m_securityDomains = new SecurityDomainsPage(*m_workspace, m_pages);
    m_trustedApps = new TrustedAppsPage(*m_workspace, m_pages);
    m_attestation = new AttestationPage(*m_workspace, m_pages);
    m_auditLog = new AuditLogPage(*m_workspace, m_pages);
    m_inspector = new MessageInspectorPage(*m_workspace, *m_tamHost, m_pages);
    m_overview = new OverviewPage(*m_workspace, m_pages);
    connect(m_overview, &OverviewPage::navigate, this, &MainWindow::showFiltered);
    connect(m_devices, &DevicesPage::sessionsOfDeviceRequested, this, [this](const QString &device) {
        showPage(Page::MessageInspector);
        m_inspector->showSessionsOf(device);
    });
    const std::pair<Page, QWidget *> views[] = {{Page::Overview, m_overview},         {Page::Devices, m_devices},         {Page::SecurityDomains, m_securityDomains},
                                                {Page::TrustedApps, m_trustedApps}, {Page::TrustAnchors, m_trustAnchors},
                                                {Page::Attestation, m_attestation}, {Page::AuditLog, m_auditLog},
                                                {Page::MessageInspector, m_inspector}};
    for (const auto &[page, view] : views) {
        const int index = pageIndex(page);
        QWidget *placeholder = m_pages->widget(index);
        m_pages->removeWidget(placeholder);
        delete placeholder;
        m_pages->insertWidget(index, framed(view));
        view->setAccessibleName(pages().at(index).title);
    }
    if (m_navigation->currentRow() >= 0)
        m_pages->setCurrentIndex(m_navigation->currentRow());
    connect(m_workspace.get(), &Workspace::keyStoreStateChanged, this, &MainWindow::updateKeyStoreLabel);
    // A lock that locks: the console's TAM stops signing with the key store, and resumes with it.
    connect(m_workspace.get(), &Workspace::keyStoreStateChanged, m_tamHost.get(), [this](bool unlocked) {
        unlocked ? m_tamHost->unlock() : m_tamHost->lock();
        updateListenerLabel(m_tamHost->isRunning(), m_tamHost->uri());
    });
    updateKeyStoreLabel(false);
    m_databaseLabel->setText(tr("Database: %1 (schema %2)")
                                 .arg(m_database->path())
                                 .arg(m_database->schemaVersion()));
    setWindowFilePath(m_database->path());
    // The platform adds " — TEEP Console" (the application's display name) itself.
    setWindowTitle(store::shortName(m_database->path()));
}

void MainWindow::updateListenerLabel(bool running, const QString &uri)
{
    const bool locked = m_tamHost && m_tamHost->isLocked();
    m_listenerLabel->setText(!running ? tr("TAM listener: off") : locked ? tr("TAM listener: %1 (locked)").arg(uri) : tr("TAM listener: %1").arg(uri));
    m_listenerLabel->setToolTip(!running ? tr("The TEEP-over-HTTP listener that devices connect to is not running (Devices view: Start Listener).")
                                : locked ? tr("The key store is locked: devices are answered 503 (try again later) until you unlock it (File > Unlock Key Store).")
                                         : tr("Devices connect to this TAM URI (TEEP over HTTP)."));
}

void MainWindow::updateKeyStoreLabel(bool unlocked)
{
    m_keyStoreLabel->setText(unlocked ? tr("Key store: unlocked") : tr("Key store: locked"));
    m_keyStoreLabel->setToolTip(unlocked ? tr("Private keys can be used until you lock the key store or quit.")
                                         : tr("TEEP Console asks for the passphrase when a private key is needed."));
}

void MainWindow::openAnotherDatabase()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open TEEP Console Database"), store::isPostgresUri(m_database->path()) ? QString() : QFileInfo(m_database->path()).absolutePath(),
        tr("TEEP Console databases (*.db *.sqlite);;All files (*)"));
    if (!path.isEmpty())
        openDatabase(path);
}

void MainWindow::askSharedDatabase()
{
    SharedDatabaseDialog dialog(this);
    if (store::isPostgresUri(m_database->path())) {
        const QUrl current(m_database->path());
        dialog.host()->setText(current.host());
        dialog.port()->setValue(current.port(5432));
        dialog.database()->setText(current.path().mid(1));
        dialog.user()->setText(current.userName());
    }
    if (dialog.exec() != QDialog::Accepted)
        return;
    openSharedDatabase(dialog.uri(), dialog.password());
}

bool MainWindow::openSharedDatabase(const QString &uri, const QString &password)
{
    if (!password.isEmpty())
        store::rememberPassword(uri, password);
    const bool opened = openDatabase(uri);
    if (!opened && !password.isEmpty())
        store::rememberPassword(uri, QString()); // a wrong one is not kept
    return opened;
}

void MainWindow::askNewDatabase()
{
    QString path = m_prompts->saveFile(this, tr("New TEEP Console Database"),
                                       QFileInfo(m_database->path()).dir().filePath(QStringLiteral("teep-console-new.db")),
                                       tr("TEEP Console databases (*.db)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".db");
    newDatabase(path);
}

bool MainWindow::newDatabase(const QString &path)
{
    if (QFileInfo::exists(path)) {
        m_prompts->error(this, tr("Database Not Created"),
                         tr("%1 already exists, and a new database never replaces a file. Choose another name, or open it with "
                            "File > Open Database.")
                             .arg(path));
        return false;
    }
    return openDatabase(path);
}

bool MainWindow::openDatabase(const QString &path)
{
    // Opening checks and migrates the database, which can take a while on a large one: an
    // Operation's thread opens it first (as every connection does); here it is then ready.
    const Status checked = runOffThread(this, tr("Opening %1...").arg(store::shortName(path)), path, [](OperationContext &) { return Status(); });
    if (!checked) {
        m_prompts->error(this, tr("Cannot Open Database"), tr("%1\n\nThe current database stays open.").arg(checked.error().toString()));
        return false;
    }
    auto opened = store::Database::open(path);
    if (!opened) {
        m_prompts->error(this, tr("Cannot Open Database"),
                         tr("%1\n\nThe current database stays open.").arg(opened.error().toString()));
        return false;
    }
    qCInfo(lcUi) << "switched database to" << path;
    setDatabase(std::move(opened).value());
    return true;
}

HelpDialog *MainWindow::showUserGuide()
{
    if (!m_guide) {
        m_guide = new HelpDialog(this);
        m_guide->setAttribute(Qt::WA_DeleteOnClose, false);
    }
    m_guide->show();
    m_guide->raise();
    m_guide->activateWindow();
    return m_guide;
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About TEEP Console"),
                       tr("<h3>TEEP Console %1</h3><p>%2.</p><p>Manages Trusted Applications, "
                          "security domains, trust anchors and attestation of devices' TEEs over "
                          "TEEP and OTrP.</p>")
                           .arg(QString::fromLatin1(kVersion), QString::fromLatin1(kDescription)));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    QMainWindow::closeEvent(event);
}

void MainWindow::showFiltered(Page page, const QString &filter)
{
    showPage(page);
    switch (page) {
    case Page::Devices:
        if (auto *box = m_devices->findChild<QLineEdit *>(QStringLiteral("devices-filter")))
            box->setText(filter);
        break;
    case Page::Attestation:
        m_attestation->table()->filter()->setText(filter);
        break;
    case Page::MessageInspector:
        m_inspector->reload();
        m_inspector->table()->filter()->setText(filter);
        break;
    case Page::TrustedApps:
        m_trustedApps->showList(filter);
        break;
    default:
        break;
    }
}

void MainWindow::saveWindowState() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kPageKey, pages().at(m_pages->currentIndex()).key);
}

void MainWindow::restoreWindowState()
{
    QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    const QString key = settings.value(kPageKey).toString();
    int row = 0;
    for (qsizetype i = 0; i < pages().size(); ++i) {
        if (pages()[i].key == key)
            row = static_cast<int>(i);
    }
    m_navigation->setCurrentRow(row);
}

} // namespace teep::ui
