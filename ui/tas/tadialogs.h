#pragma once

#include "tam/catalog.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace teep::ui {

class Prompts;

// What the operator fills in to publish a TA version as its SP.
struct PublishRequest
{
    QString spid;
    QString taid;
    QString name;
    qint64 version = 1;
    QString binaryPath;
    QString keyPath;  // the SP's signing key (PEM, unencrypted)
    QString certPath; // the SP's signer certificate (PEM)
};

class PublishDialog : public QDialog
{
    Q_OBJECT

public:
    PublishDialog(const QStringList &spids, Prompts &prompts, QWidget *parent = nullptr);
    PublishRequest request() const;

private:
    QLineEdit *fileRow(const QString &name, const QString &filter);

    Prompts &m_prompts;
    QComboBox *m_sp;
    QLineEdit *m_taid;
    QLineEdit *m_name;
    QSpinBox *m_version;
    QLineEdit *m_binary;
    QLineEdit *m_key;
    QLineEdit *m_cert;
};

struct AssignRequest
{
    QString taid;
    tam::TargetKind kind = tam::TargetKind::All;
    QString target;
    std::optional<qint64> version; // empty: always the latest
    bool allowRollback = false;
};

class AssignDialog : public QDialog
{
    Q_OBJECT

public:
    AssignDialog(const QStringList &taids, const QStringList &devices, const QStringList &groups, QWidget *parent = nullptr);
    AssignRequest request() const;

private:
    QComboBox *m_ta;
    QComboBox *m_kind;
    QComboBox *m_target;
    QSpinBox *m_version;
    QCheckBox *m_rollback;
    QStringList m_devices;
    QStringList m_groups;
};

} // namespace teep::ui
