#include "devices/listenersettingsdialog.h"

#include "tam/deviceregistry.h"

#include "store/database.h"
#include "workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
// A group's choice in its row: its own policy, or "follows the default" (no data).
QComboBox *groupPolicyBox(QWidget *parent)
{
    auto *box = new QComboBox(parent);
    box->addItem(ListenerSettingsDialog::tr("Default"), QString());
    box->addItem(ListenerSettingsDialog::tr("Evidence required (attested)"), tam::attestationPolicyName(tam::AttestationPolicy::Evidence));
    box->addItem(ListenerSettingsDialog::tr("Registered key is enough (identified)"), tam::attestationPolicyName(tam::AttestationPolicy::RegisteredKey));
    box->addItem(ListenerSettingsDialog::tr("Result from a verifier (passport)"), tam::attestationPolicyName(tam::AttestationPolicy::Passport));
    return box;
}
} // namespace

ListenerSettingsDialog::ListenerSettingsDialog(Workspace &workspace, QWidget *parent) : QDialog(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("listener-settings"));
    setWindowTitle(tr("TEEP Listener Settings"));
    auto *layout = new QVBoxLayout(this);

    auto *where = new QGroupBox(tr("Where devices reach the TAM"), this);
    auto *whereForm = new QFormLayout(where);
    m_listen = new QLineEdit(where);
    m_listen->setObjectName(QStringLiteral("listen-address"));
    m_listen->setAccessibleName(tr("Listen address and port"));
    m_listen->setPlaceholderText(tr("a free port on 127.0.0.1 (e.g. 0.0.0.0:8765 for a factory line)"));
    whereForm->addRow(tr("&Listen on:"), m_listen);
    m_tlsCertificate = new QLineEdit(where);
    m_tlsCertificate->setObjectName(QStringLiteral("tls-certificate"));
    m_tlsCertificate->setAccessibleName(tr("TLS certificate file"));
    m_tlsCertificate->setPlaceholderText(tr("none: plain HTTP"));
    whereForm->addRow(tr("HTTPS &certificate (PEM):"), m_tlsCertificate);
    m_tlsKey = new QLineEdit(where);
    m_tlsKey->setObjectName(QStringLiteral("tls-key"));
    m_tlsKey->setAccessibleName(tr("TLS key file"));
    whereForm->addRow(tr("HTTPS &key (PEM, unencrypted):"), m_tlsKey);
    auto *whereHelp = new QLabel(tr("Kept in the database: teepctl serve on it listens the same way unless told otherwise. The key stays in "
                                    "its file (readable by you only). Applies at the listener's next start."),
                                 where);
    whereHelp->setWordWrap(true);
    whereForm->addRow(whereHelp);
    layout->addWidget(where);

    auto *signing = new QGroupBox(tr("What the TAM's messages are signed with"), this);
    auto *signingForm = new QFormLayout(signing);
    m_suites = new QComboBox(signing);
    m_suites->setObjectName(QStringLiteral("suites"));
    m_suites->setAccessibleName(tr("Signature suites"));
    m_suites->addItem(tr("Modern: ESP256 / Ed25519 (RFC 9864)"), tam::teepSuitesName(tam::TeepSuites::Modern));
    m_suites->addItem(tr("Legacy: ES256 / EdDSA (deployed agents)"), tam::teepSuitesName(tam::TeepSuites::Legacy));
    m_suites->addItem(tr("Both: one COSE_Sign with a signature of each"), tam::teepSuitesName(tam::TeepSuites::Both));
    signingForm->addRow(tr("Signature suites:"), m_suites);
    auto *suitesHelp = new QLabel(tr("The first QueryRequest leaves before the TAM knows the device, so this holds for every device. "
                                     "Agents built before RFC 9864 (libteep's) verify only ES256: choose Legacy for them."),
                                  signing);
    suitesHelp->setWordWrap(true);
    signingForm->addRow(suitesHelp);
    m_updateLimit = new QSpinBox(signing);
    m_updateLimit->setObjectName(QStringLiteral("update-limit"));
    m_updateLimit->setAccessibleName(tr("Largest Update for devices with the compatibility profile"));
    m_updateLimit->setRange(512, 4 * 1024 * 1024);
    m_updateLimit->setSuffix(tr(" bytes"));
    signingForm->addRow(tr("Largest Update, compatibility profile:"), m_updateLimit);
    layout->addWidget(signing);

    auto *proof = new QGroupBox(tr("What a device must prove"), this);
    auto *proofLayout = new QVBoxLayout(proof);
    auto *proofForm = new QFormLayout;
    m_defaultPolicy = new QComboBox(proof);
    m_defaultPolicy->setObjectName(QStringLiteral("default-policy"));
    m_defaultPolicy->setAccessibleName(tr("Default attestation policy"));
    m_defaultPolicy->addItem(tr("Evidence required (attested)"), tam::attestationPolicyName(tam::AttestationPolicy::Evidence));
    m_defaultPolicy->addItem(tr("Registered key is enough (identified, not attested)"), tam::attestationPolicyName(tam::AttestationPolicy::RegisteredKey));
    m_defaultPolicy->addItem(tr("Attestation result from a trusted verifier (passport; registered devices)"),
                             tam::attestationPolicyName(tam::AttestationPolicy::Passport));
    proofForm->addRow(tr("Default:"), m_defaultPolicy);
    m_admission = new QComboBox(proof);
    m_admission->setObjectName(QStringLiteral("admission"));
    m_admission->setAccessibleName(tr("Which devices are accepted"));
    m_admission->addItem(tr("Any device whose TEE attests (learned at first contact)"), int(tam::Admission::Attested));
    m_admission->addItem(tr("Registered devices only (a factory list or Register)"), int(tam::Admission::RegisteredOnly));
    proofForm->addRow(tr("Accepted:"), m_admission);
    proofLayout->addLayout(proofForm);
    m_groups = new QTableWidget(0, 2, proof);
    m_groups->setObjectName(QStringLiteral("group-policies"));
    m_groups->setAccessibleName(tr("Attestation policy per device group"));
    m_groups->setHorizontalHeaderLabels({tr("Device group"), tr("Policy")});
    m_groups->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_groups->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_groups->verticalHeader()->hide();
    m_groups->setSelectionMode(QAbstractItemView::NoSelection);
    proofLayout->addWidget(m_groups);
    auto *proofHelp = new QLabel(tr("A device without an attester (many development boards, libteep's agent) can only be served by its "
                                    "registered agent key: it is then shown as <i>identified, not attested</i>. Groups are made when "
                                    "devices are registered into them."),
                                 proof);
    proofHelp->setWordWrap(true);
    proofLayout->addWidget(proofHelp);
    layout->addWidget(proof, 1);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("settings-error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b00020; padding: 4px;"));
    m_error->hide();
    layout->addWidget(m_error);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ListenerSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ListenerSettingsDialog::reject);
    layout->addWidget(buttons);
    resize(620, 640);
}

tam::TeepSettings ListenerSettingsDialog::settings() const
{
    return tam::TeepSettings(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
}

bool ListenerSettingsDialog::load()
{
    const tam::TeepSettings stored = settings();
    const auto suites = stored.suites();
    const auto limit = stored.compatibleUpdateLimit();
    const auto policy = stored.defaultPolicy();
    const auto groups = stored.allGroups();
    const auto listen = stored.listenAddress();
    const auto admission = tam::DeviceRegistry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).admission();
    const auto tls = stored.tlsFiles();
    const Error *failed = !suites   ? &suites.error()
                          : !limit  ? &limit.error()
                          : !policy ? &policy.error()
                          : !groups ? &groups.error()
                          : !listen ? &listen.error()
                          : !tls    ? &tls.error()
                          : !admission ? &admission.error()
                                    : nullptr;
    if (failed) {
        m_error->setText(tr("The settings could not be read: %1").arg(failed->message));
        m_error->show();
        return false;
    }
    m_loadedSuites = suites.value();
    m_loadedLimit = limit.value();
    m_loadedDefault = policy.value();
    m_loadedGroups = groups.value();
    m_loadedListen = listen.value();
    m_loadedAdmission = admission.value();
    m_admission->setCurrentIndex(m_admission->findData(int(m_loadedAdmission)));
    m_loadedTls = tls.value();
    m_listen->setText(m_loadedListen);
    m_tlsCertificate->setText(m_loadedTls.certificate);
    m_tlsKey->setText(m_loadedTls.key);
    m_suites->setCurrentIndex(m_suites->findData(tam::teepSuitesName(m_loadedSuites)));
    m_updateLimit->setValue(int(m_loadedLimit));
    m_defaultPolicy->setCurrentIndex(m_defaultPolicy->findData(tam::attestationPolicyName(m_loadedDefault)));
    m_groups->setRowCount(int(m_loadedGroups.size()));
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        auto *name = new QTableWidgetItem(m_loadedGroups.at(row).first);
        name->setFlags(Qt::ItemIsEnabled);
        m_groups->setItem(row, 0, name);
        QComboBox *box = groupPolicyBox(m_groups);
        const auto &own = m_loadedGroups.at(row).second;
        box->setCurrentIndex(box->findData(own ? tam::attestationPolicyName(*own) : QString()));
        box->setAccessibleName(tr("Attestation policy of group %1").arg(m_loadedGroups.at(row).first));
        m_groups->setCellWidget(row, 1, box);
    }
    return true;
}

bool ListenerSettingsDialog::apply()
{
    tam::TeepSettings stored = settings();
    auto refuse = [this](const Error &error) {
        m_error->setText(tr("Not saved: %1").arg(error.message));
        m_error->show();
        return false;
    };
    if (const auto chosen = tam::Admission(m_admission->currentData().toInt()); chosen != m_loadedAdmission) {
        tam::DeviceRegistry registry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
        if (const Status set = registry.setAdmission(chosen); !set)
            return refuse(set.error());
        m_loadedAdmission = chosen;
    }
    if (m_listen->text().trimmed() != m_loadedListen) {
        if (const Status set = stored.setListenAddress(m_listen->text()); !set)
            return refuse(set.error());
        m_loadedListen = m_listen->text().trimmed();
    }
    const tam::TeepSettings::TlsFiles tls{m_tlsCertificate->text().trimmed(), m_tlsKey->text().trimmed()};
    if (tls.certificate != m_loadedTls.certificate || tls.key != m_loadedTls.key) {
        if (const Status set = stored.setTlsFiles(tls); !set)
            return refuse(set.error());
        m_loadedTls = tls;
    }
    const auto suites = tam::parseTeepSuites(m_suites->currentData().toString());
    if (suites && suites.value() != m_loadedSuites) {
        if (const Status set = stored.setSuites(suites.value()); !set)
            return refuse(set.error());
        m_loadedSuites = suites.value();
    }
    if (m_updateLimit->value() != m_loadedLimit) {
        if (const Status set = stored.setCompatibleUpdateLimit(m_updateLimit->value()); !set)
            return refuse(set.error());
        m_loadedLimit = m_updateLimit->value();
    }
    const auto policy = tam::parseAttestationPolicy(m_defaultPolicy->currentData().toString());
    if (policy && policy.value() != m_loadedDefault) {
        if (const Status set = stored.setPolicy({}, policy.value()); !set)
            return refuse(set.error());
        m_loadedDefault = policy.value();
    }
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        const auto *box = qobject_cast<QComboBox *>(m_groups->cellWidget(row, 1));
        const QString chosen = box ? box->currentData().toString() : QString();
        std::optional<tam::AttestationPolicy> own;
        if (!chosen.isEmpty()) {
            const auto parsed = tam::parseAttestationPolicy(chosen);
            if (!parsed)
                return refuse(parsed.error());
            own = parsed.value();
        }
        auto &loaded = m_loadedGroups[row];
        if (own == loaded.second)
            continue;
        if (const Status set = stored.setPolicy(loaded.first, own); !set)
            return refuse(set.error());
        loaded.second = own;
    }
    m_error->hide();
    m_workspace.notifyChanged();
    return true;
}

void ListenerSettingsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

} // namespace teep::ui
