#include "devices/registerdevicedialog.h"

#include "prompts.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace teep::ui {

RegisterDeviceDialog::RegisterDeviceDialog(const QStringList &groups, Prompts &prompts, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("register-device-dialog"));
    setWindowTitle(tr("Register a Device"));
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("register-name"));
    m_name->setAccessibleName(tr("Device name"));
    m_name->setPlaceholderText(tr("e.g. line2-0001"));
    m_name->setMaxLength(128);

    auto *keyRow = new QWidget(this);
    m_key = new QLineEdit(keyRow);
    m_key->setObjectName(QStringLiteral("register-key"));
    m_key->setAccessibleName(tr("Agent key file"));
    m_key->setPlaceholderText(tr("the TEEP agent's public key, PEM or DER"));
    auto *browse = new QPushButton(tr("Browse..."), keyRow);
    browse->setAccessibleName(tr("Browse for the agent key file"));
    connect(browse, &QPushButton::clicked, this, [this, &prompts] {
        const QStringList files = prompts.openFiles(this, tr("Choose the Agent's Public Key"), tr("Public keys (*.pem *.der *.pub);;All files (*)"));
        if (!files.isEmpty())
            m_key->setText(files.first());
    });
    auto *keyLayout = new QHBoxLayout(keyRow);
    keyLayout->setContentsMargins(0, 0, 0, 0);
    keyLayout->addWidget(m_key, 1);
    keyLayout->addWidget(browse);

    m_group = new QComboBox(this);
    m_group->setObjectName(QStringLiteral("register-group"));
    m_group->setAccessibleName(tr("Group"));
    m_group->setEditable(true);
    m_group->addItem(QString());
    m_group->addItems(groups);
    m_group->lineEdit()->setPlaceholderText(tr("optional, e.g. line-2 or batch-2026-12"));
    m_group->lineEdit()->setMaxLength(128);

    m_profile = new QComboBox(this);
    m_profile->setObjectName(QStringLiteral("register-profile"));
    m_profile->setAccessibleName(tr("Agent profile"));
    m_profile->addItem(tr("Standard (draft-ietf-teep-protocol-26)"), QStringLiteral("standard"));
    m_profile->addItem(tr("Compatible (deployed agents: ES256, no kid)"), QStringLiteral("compatible"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Agent &key:"), keyRow);
    form->addRow(tr("&Group:"), m_group);
    form->addRow(tr("&Profile:"), m_profile);
    auto *why = new QLabel(tr("The device is known by its agent key: with admission set to registered devices only, it is the only way a "
                              "device is accepted."),
                           this);
    why->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Register"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(why);
    layout->addWidget(buttons);
    setMinimumWidth(460);
}

DeviceForm RegisterDeviceDialog::form() const
{
    return {m_name->text().trimmed(), m_key->text().trimmed(), m_group->currentText().trimmed(), m_profile->currentData().toString()};
}

void RegisterDeviceDialog::setForm(const DeviceForm &form)
{
    m_name->setText(form.name);
    m_key->setText(form.keyFile);
    m_group->setCurrentText(form.group);
    m_profile->setCurrentIndex(qMax(0, m_profile->findData(form.profile)));
}

} // namespace teep::ui
