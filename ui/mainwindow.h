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

namespace teep::ui {

// The console's frame: navigation on the left, one page per view, the database and the TAM
// listener in the status bar. Owns the open database.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(std::unique_ptr<store::Database> database, QWidget *parent = nullptr);
    ~MainWindow() override;

    Page currentPage() const;
    void showPage(Page page);
    QWidget *pageWidget(Page page) const;
    const store::Database &database() const { return *m_database; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void openAnotherDatabase();
    void setDatabase(std::unique_ptr<store::Database> database);
    void saveWindowState() const;
    void restoreWindowState();
    void showAbout();

    std::unique_ptr<store::Database> m_database;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_databaseLabel = nullptr;
    QLabel *m_listenerLabel = nullptr;
};

} // namespace teep::ui
