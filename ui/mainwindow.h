#pragma once

#include "navigation.h"

#include <QMainWindow>

#include <memory>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace teep::store {
class Database;
}
namespace teep::tam {
class TamHost;
}

namespace teep::ui {

class AttestationPage;
class AuditLogPage;
class DevicesPage;
class HelpDialog;
class IdleLock;
class MessageInspectorPage;
class OverviewPage;
class Prompts;
class SecurityDomainsPage;
class TrustedAppsPage;
class TrustAnchorsView;
class Workspace;

// The console's frame: navigation on the left, one page per view, the database and the TAM
// listener in the status bar. Owns the open database.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // `prompts` answers the views' questions; the window shows real dialogs when it is null.
    explicit MainWindow(std::unique_ptr<store::Database> database, Prompts *prompts = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Switches to another database file; on failure tells the user and keeps the current one.
    bool openDatabase(const QString &path);
    // Creates an empty database at `path` (never over an existing file) and switches to it.
    bool newDatabase(const QString &path);
    // A PostgreSQL database by its URI, with a password typed for it (kept in memory only while
    // it opens and then for the connections to it; forgotten when it does not open).
    bool openSharedDatabase(const QString &uri, const QString &password = {});
    // Help > User Guide: opens (or raises) the guide beside the window.
    HelpDialog *showUserGuide();

    Page currentPage() const;
    void showPage(Page page);
    QWidget *pageWidget(Page page) const;
    const store::Database &database() const { return *m_database; }
    Workspace &workspace() const { return *m_workspace; }
    IdleLock &idleLock() const { return *m_idleLock; }
    TrustAnchorsView *trustAnchorsView() const { return m_trustAnchors; }
    DevicesPage *devicesPage() const { return m_devices; }
    SecurityDomainsPage *securityDomainsPage() const { return m_securityDomains; }
    TrustedAppsPage *trustedAppsPage() const { return m_trustedApps; }
    AttestationPage *attestationPage() const { return m_attestation; }
    OverviewPage *overviewPage() const { return m_overview; }
    // Opens `page` with its list filtered (the Overview's click-through).
    void showFiltered(Page page, const QString &filter);
    AuditLogPage *auditLogPage() const { return m_auditLog; }
    MessageInspectorPage *messageInspectorPage() const { return m_inspector; }
    tam::TamHost &tamHost() const { return *m_tamHost; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *framed(QWidget *view);
    void buildMenus();
    void openAnotherDatabase();
    void askNewDatabase();
    void askSharedDatabase();
    void setDatabase(std::unique_ptr<store::Database> database);
    void saveWindowState() const;
    void restoreWindowState();
    void showAbout();

    void updateKeyStoreLabel(bool unlocked);
    void updateListenerLabel(bool running, const QString &uri);

    std::unique_ptr<Prompts> m_ownPrompts;
    HelpDialog *m_guide = nullptr; // a child of the window, made when first asked for
    Prompts *m_prompts = nullptr;
    // Declared before the workspace: the workspace refers to the database and must go first.
    std::unique_ptr<store::Database> m_database;
    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<IdleLock> m_idleLock; // after the workspace it watches
    // The TAM of this database (listener and engines); after the workspace, so it goes first.
    std::unique_ptr<tam::TamHost> m_tamHost;
    TrustAnchorsView *m_trustAnchors = nullptr;
    DevicesPage *m_devices = nullptr;
    SecurityDomainsPage *m_securityDomains = nullptr;
    TrustedAppsPage *m_trustedApps = nullptr;
    AttestationPage *m_attestation = nullptr;
    OverviewPage *m_overview = nullptr;
    AuditLogPage *m_auditLog = nullptr;
    MessageInspectorPage *m_inspector = nullptr;
    QLabel *m_keyStoreLabel = nullptr;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_databaseLabel = nullptr;
    QLabel *m_listenerLabel = nullptr;
};

} // namespace teep::ui
