#pragma once

#include "common/lazypage.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTreeWidget;

namespace teep::ui {

class Workspace;

// Service providers and their TA-signing certificates (which must chain to an SP signer CA), the
// retired ones too.
class ServiceProvidersPage : public LazyPage
{
    Q_OBJECT

public:
    explicit ServiceProvidersPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    bool addProvider(const QString &spid, const QString &name);
    bool addCertificate(const QString &spid, const QByteArray &bytes, const QString &source);
    bool removeProvider(const QString &spid);
    // A signer certificate its successor replaced (key rollover), once confirmed: TAs it signs are
    // no longer accepted; the operator is told which versions to sign again.
    bool retireCertificate(const QString &spid, const QString &fingerprint);

    QTreeWidget *tree() const { return m_tree; }
    QString note() const;
    bool showsEmptyState() const;

private:
    void askAdd();
    void askAddCertificate();
    void askRetireCertificate();
    QString selectedSpid() const;
    QString selectedFingerprint() const; // of a current signer certificate

    Workspace &m_workspace;
    QStackedWidget *m_stack = nullptr;
    QTreeWidget *m_tree = nullptr;
    QPushButton *m_addCertificate = nullptr;
    QPushButton *m_retire = nullptr;
    QLabel *m_note = nullptr; // what a retirement left to do
    QPushButton *m_remove = nullptr;
};

} // namespace teep::ui
