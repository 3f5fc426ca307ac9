#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace teep::ui {

// File > Open Shared Database: a PostgreSQL database that several consoles and `teepctl serve`
// instances share, named by its server, port, database and user, with how the connection is
// protected (TLS). The password is optional: without one, libpq looks in ~/.pgpass and
// PGPASSWORD; one typed here stays in memory for this session and is never saved.
class SharedDatabaseDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SharedDatabaseDialog(QWidget *parent = nullptr);

    // What --database takes: postgresql://user@host:port/database?sslmode=... (no password).
    QString uri() const;
    QString password() const;

    QLineEdit *host() const { return m_host; }
    QSpinBox *port() const { return m_port; }
    QLineEdit *database() const { return m_database; }
    QLineEdit *user() const { return m_user; }
    QComboBox *tls() const { return m_tls; }
    QLineEdit *caFile() const { return m_caFile; }
    QLineEdit *passwordEdit() const { return m_password; }

private:
    void updatePreview();

    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_database;
    QLineEdit *m_user;
    QComboBox *m_tls;
    QLineEdit *m_caFile;
    QLineEdit *m_password;
    QLabel *m_preview;
    QLineEdit *m_command; // what to type elsewhere, to copy
    QPushButton *m_open = nullptr;
};

} // namespace teep::ui
