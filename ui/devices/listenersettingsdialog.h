#pragma once

#include "tam/deviceregistry.h"
#include "tam/teepsettings.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace teep::ui {

class Workspace;

// Where the TAM listens (address, port, HTTPS files: `teepctl tam listener`) and how it serves
// TEEP agents, as `teepctl tam suites|update-limit` and `teepctl devices
// attestation-policy` set it: what its messages are signed with (modern, legacy, both), the
// largest Update for devices with the compatibility profile, and what a device must prove, by
// default and per device group. Applies what changed when accepted (each change audited); a
// refusal is shown in the dialog, which keeps what was chosen.
class ListenerSettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ListenerSettingsDialog(Workspace &workspace, QWidget *parent = nullptr);

    // Reads the settings into the form; false (and the reason shown) when they cannot be read.
    bool load();
    // Saves what differs from what was read; false (the reason shown, the form kept) on refusal.
    bool apply();

    QComboBox *suites() const { return m_suites; }
    QComboBox *defaultPolicy() const { return m_defaultPolicy; }
    QTableWidget *groups() const { return m_groups; }

    void accept() override;

private:
    tam::TeepSettings settings() const;

    Workspace &m_workspace;
    QLineEdit *m_listen = nullptr;
    QLineEdit *m_tlsCertificate = nullptr;
    QLineEdit *m_tlsKey = nullptr;
    QComboBox *m_suites = nullptr;
    QSpinBox *m_updateLimit = nullptr;
    QComboBox *m_defaultPolicy = nullptr;
    QComboBox *m_admission = nullptr;
    QTableWidget *m_groups = nullptr;
    QLabel *m_error = nullptr;
    // As read by load(), so that apply() changes (and audits) only what the operator changed.
    QString m_loadedListen;
    tam::Admission m_loadedAdmission = tam::Admission::Attested;
    tam::TeepSettings::TlsFiles m_loadedTls;
    tam::TeepSuites m_loadedSuites = tam::TeepSuites::Modern;
    qsizetype m_loadedLimit = 0;
    tam::AttestationPolicy m_loadedDefault = tam::AttestationPolicy::Evidence;
    QList<std::pair<QString, std::optional<tam::AttestationPolicy>>> m_loadedGroups;
};

} // namespace teep::ui
