#include "tas/tadialogs.h"

#include "prompts.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace teep::ui {

PublishDialog::PublishDialog(const QStringList &spids, Prompts &prompts, QWidget *parent) : QDialog(parent), m_prompts(prompts)
{
    setObjectName(QStringLiteral("publish-dialog"));
    setWindowTitle(tr("Publish TA Version"));
    m_sp = new QComboBox(this);
    m_sp->addItems(spids);
    m_sp->setAccessibleName(tr("Service provider"));
    m_taid = new QLineEdit(this);
    m_taid->setPlaceholderText(tr("e.g. acme-wallet"));
    m_taid->setAccessibleName(tr("TA id"));
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("optional display name"));
    m_name->setAccessibleName(tr("TA name"));
    m_version = new QSpinBox(this);
    m_version->setRange(0, 1000000);
    m_version->setValue(1);
    m_version->setAccessibleName(tr("Version"));
    auto *form = new QFormLayout;
    form->addRow(tr("&Service provider:"), m_sp);
    form->addRow(tr("TA &id:"), m_taid);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Version (SUIT sequence number):"), m_version);
    m_binary = fileRow(tr("TA binary"), tr("All files (*)"));
    form->addRow(tr("TA &binary:"), m_binary->parentWidget());
    m_key = fileRow(tr("SP signing key"), tr("PEM files (*.pem *.key);;All files (*)"));
    form->addRow(tr("SP signing &key (PEM):"), m_key->parentWidget());
    m_cert = fileRow(tr("SP signer certificate"), tr("PEM files (*.pem *.crt);;All files (*)"));
    form->addRow(tr("SP signer &certificate:"), m_cert->parentWidget());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Sign and Publish"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QLineEdit *PublishDialog::fileRow(const QString &name, const QString &filter)
{
    auto *row = new QWidget(this);
    auto *edit = new QLineEdit(row);
    edit->setAccessibleName(name);
    auto *browse = new QPushButton(tr("Browse..."), row);
    browse->setAccessibleName(tr("Browse for %1").arg(name));
    connect(browse, &QPushButton::clicked, this, [this, edit, name, filter] {
        const QStringList files = m_prompts.openFiles(this, tr("Choose %1").arg(name), filter);
        if (!files.isEmpty())
            edit->setText(files.first());
    });
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return edit;
}

PublishRequest PublishDialog::request() const
{
    return {m_sp->currentText(), m_taid->text().trimmed(), m_name->text().trimmed(), m_version->value(), m_binary->text(), m_key->text(), m_cert->text()};
}

AssignDialog::AssignDialog(const QStringList &taids, const QStringList &devices, const QStringList &groups, QWidget *parent)
    : QDialog(parent), m_devices(devices), m_groups(groups)
{
    setObjectName(QStringLiteral("assign-dialog"));
    setWindowTitle(tr("Assign a TA"));
    m_ta = new QComboBox(this);
    m_ta->addItems(taids);
    m_ta->setAccessibleName(tr("TA"));
    m_kind = new QComboBox(this);
    m_kind->addItem(tr("Every device"), int(tam::TargetKind::All));
    m_kind->addItem(tr("A device group"), int(tam::TargetKind::Group));
    m_kind->addItem(tr("One device"), int(tam::TargetKind::Device));
    m_kind->setAccessibleName(tr("Assign to"));
    m_target = new QComboBox(this);
    m_target->setEditable(true);
    m_target->setEnabled(false);
    m_target->setAccessibleName(tr("Device or group"));
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        const auto kind = tam::TargetKind(m_kind->currentData().toInt());
        m_target->clear();
        m_target->addItems(kind == tam::TargetKind::Device ? m_devices : kind == tam::TargetKind::Group ? m_groups : QStringList());
        m_target->setEnabled(kind != tam::TargetKind::All);
    });
    m_version = new QSpinBox(this);
    m_version->setRange(-1, 1000000);
    m_version->setSpecialValueText(tr("latest (follows new versions)"));
    m_version->setValue(-1);
    m_version->setAccessibleName(tr("Version"));
    m_rollback = new QCheckBox(tr("Allow installing an older version than a device has (rollback)"), this);
    auto *form = new QFormLayout;
    form->addRow(tr("&TA:"), m_ta);
    form->addRow(tr("Assign &to:"), m_kind);
    form->addRow(tr("&Device or group:"), m_target);
    form->addRow(tr("&Version:"), m_version);
    form->addRow(QString(), m_rollback);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Assign"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

AssignRequest AssignDialog::request() const
{
    AssignRequest request;
    request.taid = m_ta->currentText();
    request.kind = tam::TargetKind(m_kind->currentData().toInt());
    request.target = m_target->currentText().trimmed();
    if (m_version->value() >= 0)
        request.version = m_version->value();
    request.allowRollback = m_rollback->isChecked();
    return request;
}

} // namespace teep::ui
