#pragma once

#include "common/lazypage.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// The approval queue: TAs that devices asked for (a client app needs them) with who asked, the
// TA's signer and version, and the decision; Approve / Refuse take effect at the device's next
// session. Below it, the policy per SP and device group that decides new requests.
class RequestsPanel : public LazyPage
{
    Q_OBJECT

public:
    explicit RequestsPanel(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    RowsModel *model() const { return m_model; }
    FilteredTable *table() const { return m_table; }
    bool decide(qint64 requestId, bool approve, const QString &reason);
    // Approves (or refuses, asking once why) every selected request it applies to; how many.
    int decideSelected(bool approve);
    bool setPolicy(const QString &spid, const QString &group, const QString &decision);
    int pendingCount() const { return m_pending; }

signals:
    void pendingCountChanged(int pending);

private:
    void updateButtons();
    QString statusOf(const QVariant &key) const; // "" when not listed

    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
    QComboBox *m_status;
    QPushButton *m_approve;
    QPushButton *m_refuse;
    QLabel *m_summary;
    RowsModel *m_policies;
    FilteredTable *m_policyTable;
    QComboBox *m_policySp;
    QLineEdit *m_policyGroup;
    QComboBox *m_policyDecision;
    int m_pending = 0;
};

} // namespace teep::ui
