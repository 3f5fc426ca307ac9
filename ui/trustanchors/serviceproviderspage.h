#pragma once

#include "common/lazypage.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTreeWidget;

namespace teep::ui {

class Workspace;

// Service providers and their TA-signing certificates (which must chain to an SP signer CA).
class ServiceProvidersPage : public LazyPage
{
    Q_OBJECT

public:
    explicit ServiceProvidersPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    bool addProvider(const QString &spid, const QString &name);
    bool addCertificate(const QString &spid, const QByteArray &bytes, const QString &source);
    bool removeProvider(const QString &spid);

    QTreeWidget *tree() const { return m_tree; }
    bool showsEmptyState() const;

private:
    void askAdd();
    void askAddCertificate();
    QString selectedSpid() const;

    Workspace &m_workspace;
    QStackedWidget *m_stack = nullptr;
    QTreeWidget *m_tree = nullptr;
    QPushButton *m_addCertificate = nullptr;
    QPushButton *m_remove = nullptr;
};

} // namespace teep::ui
