#pragma once

#include <QDialog>

class QComboBox;
class QLineEdit;

namespace teep::ui {

class Prompts;

// One TEEP device registered before it connects, as a line of a factory's list would: its name,
// the agent's public key, a group, and whether it is a deployed agent (the compatibility profile).
struct DeviceForm
{
    QString name;
    QString keyFile;
    QString group;
    QString profile; // "standard" or "compatible"
};

class RegisterDeviceDialog : public QDialog
{
    Q_OBJECT

public:
    RegisterDeviceDialog(const QStringList &groups, Prompts &prompts, QWidget *parent = nullptr);
    DeviceForm form() const;
    void setForm(const DeviceForm &form);

private:
    QLineEdit *m_name;
    QLineEdit *m_key;
    QComboBox *m_group;
    QComboBox *m_profile;
};

} // namespace teep::ui
