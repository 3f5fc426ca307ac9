#include "tas/requestspanel.h"

#include "common/filteredtable.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/serviceproviders.h"
#include "tam/tarequests.h"
#include "workspace.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace teep::ui {

RequestsPanel::RequestsPanel(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("requests-panel"));
    m_model = new RowsModel({tr("#"), tr("Status"), tr("Device"), tr("TA"), tr("Signed by"), tr("Version"), tr("Binary"), tr("Requested (UTC)"),
                             tr("Decided by"), tr("Reason")},
                            this);
    m_model->setStateColumn(1);
    m_table = new FilteredTable(m_model, QStringLiteral("requests"),
                                tr("No requests. A device asks for a TA when one of its client apps needs it (try: teep-devsim "
                                   "--install-app media:globex-player)."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    m_table->sortBy(0, Qt::DescendingOrder); // newest first
    connect(m_table, &FilteredTable::selectionChanged, this, &RequestsPanel::updateButtons);

    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("requests-status"));
    m_status->setAccessibleName(tr("Show requests"));
    m_status->addItem(tr("Waiting for approval"), QStringLiteral("pending"));
    m_status->addItem(tr("All requests"), QString());
    m_status->addItem(tr("Approved"), QStringLiteral("approved"));
    m_status->addItem(tr("Refused"), QStringLiteral("refused"));
    m_status->addItem(tr("Withdrawn by the device"), QStringLiteral("withdrawn"));
    connect(m_status, &QComboBox::currentIndexChanged, this, &RequestsPanel::reload);
    m_approve = new QPushButton(tr("&Approve"), this);
    m_approve->setObjectName(QStringLiteral("requests-approve"));
    m_refuse = new QPushButton(tr("Re&fuse..."), this);
    m_refuse->setObjectName(QStringLiteral("requests-refuse"));
    connect(m_approve, &QPushButton::clicked, this, [this] { decideSelected(true); });
    connect(m_refuse, &QPushButton::clicked, this, [this] { decideSelected(false); });
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("requests-summary"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_approve);
    bar->addWidget(m_refuse);
    auto *queue = new QWidget(this);
    auto *queueLayout = new QVBoxLayout(queue);
    queueLayout->setContentsMargins(0, 0, 0, 0);
    queueLayout->addLayout(bar);
    queueLayout->addWidget(m_table, 1);

    // Policies.
    m_policies = new RowsModel({tr("Service provider"), tr("Device group"), tr("New requests are")}, this);
    m_policyTable = new FilteredTable(m_policies, QStringLiteral("request-policies"),
                                      tr("No policy: every request waits here for approval."), this);
    m_policyTable->offerExport(m_workspace.prompts());
    m_policySp = new QComboBox(this);
    m_policySp->setAccessibleName(tr("Policy service provider"));
    m_policyGroup = new QLineEdit(this);
    m_policyGroup->setPlaceholderText(tr("any group"));
    m_policyGroup->setAccessibleName(tr("Policy device group"));
    m_policyDecision = new QComboBox(this);
    m_policyDecision->setAccessibleName(tr("Policy decision"));
    m_policyDecision->addItem(tr("approved automatically"), QStringLiteral("approve"));
    m_policyDecision->addItem(tr("held for approval"), QStringLiteral("hold"));
    m_policyDecision->addItem(tr("refused"), QStringLiteral("refuse"));
    auto *setPolicyButton = new QPushButton(tr("&Set Policy"), this);
    setPolicyButton->setObjectName(QStringLiteral("policy-set"));
    connect(setPolicyButton, &QPushButton::clicked, this,
            [this] { setPolicy(m_policySp->currentData().toString(), m_policyGroup->text().trimmed(), m_policyDecision->currentData().toString()); });
    auto *removePolicyButton = new QPushButton(tr("Remove"), this);
    removePolicyButton->setObjectName(QStringLiteral("policy-remove"));
    connect(removePolicyButton, &QPushButton::clicked, this, [this] {
        const int row = m_policies->rowFor(m_policyTable->selectedKey());
        if (row < 0)
            return;
        const QStringList scope = m_policies->row(row).key.toStringList();
        tam::TaRequests requests(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
        if (const Status removed = requests.removePolicy(scope.value(0), scope.value(1)); !removed)
            m_workspace.prompts().error(this, tr("Policy Not Removed"), removed.error().message);
        m_workspace.notifyChanged();
    });
    auto *policyForm = new QHBoxLayout;
    policyForm->addWidget(new QLabel(tr("Requests for TAs of"), this));
    policyForm->addWidget(m_policySp);
    policyForm->addWidget(new QLabel(tr("from group"), this));
    policyForm->addWidget(m_policyGroup);
    policyForm->addWidget(new QLabel(tr("are"), this));
    policyForm->addWidget(m_policyDecision);
    policyForm->addWidget(setPolicyButton);
    policyForm->addWidget(removePolicyButton);
    auto *policyBox = new QGroupBox(tr("Policy (the most specific wins: SP and group, SP, group, everything)"), this);
    auto *policyLayout = new QVBoxLayout(policyBox);
    policyLayout->addLayout(policyForm);
    policyLayout->addWidget(m_policyTable, 1);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(queue);
    splitter->addWidget(policyBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    // Hidden, it reloads when next shown: a change made elsewhere (a device session) costs it nothing.
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
    reload();
}

void RequestsPanel::reload()
{
    const QVariant selected = m_table->selectedKey();
    tam::TaRequests requests(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const auto found = requests.list(m_status->currentData().toString());
    QList<RowsModel::Row> rows;
    if (found) {
        for (const tam::TaRequest &request : found.value())
            rows << RowsModel::Row{{QString::number(request.id), request.status, request.device, request.taid, request.spName,
                                    request.latestVersion >= 0 ? QString::number(request.latestVersion) : QString(),
                                    request.haveBinary ? tr("bundled in the app") : tr("from the TAM"), request.requestedAt, request.decidedBy,
                                    request.reason},
                                   request.id, stateForWord(request.status), {}};
    }
    m_model->setRows(rows);
    if (selected.isValid())
        m_table->selectKey(selected);
    const auto pending = requests.list(QStringLiteral("pending"));
    const int pendingNow = pending ? int(pending.value().size()) : 0;
    m_summary->setText(pendingNow == 0   ? tr("Nothing waits for approval.")
                       : pendingNow == 1 ? tr("1 request waits for your decision.")
                                         : tr("%1 requests wait for your decision.").arg(pendingNow));
    if (pendingNow != m_pending) {
        m_pending = pendingNow;
        emit pendingCountChanged(m_pending);
    }

    const QString currentSp = m_policySp->currentData().toString();
    m_policySp->clear();
    m_policySp->addItem(tr("any SP"), QString());
    if (const auto sps = tam::ServiceProviders(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).list()) {
        for (const tam::ServiceProvider &sp : sps.value())
            m_policySp->addItem(QStringLiteral("%1 (%2)").arg(sp.spid, sp.name), sp.spid);
    }
    m_policySp->setCurrentIndex(qMax(0, m_policySp->findData(currentSp)));
    QList<RowsModel::Row> policyRows;
    if (const auto policies = requests.policies()) {
        for (const tam::RequestPolicy &policy : policies.value()) {
            const QString decision = policy.decision == tam::RequestDecision::Approve ? tr("approved automatically")
                                     : policy.decision == tam::RequestDecision::Refuse ? tr("refused")
                                                                                        : tr("held for approval");
            policyRows << RowsModel::Row{{policy.spid.isEmpty() ? tr("any") : policy.spid, policy.group.isEmpty() ? tr("any") : policy.group, decision},
                                         QStringList{policy.spid, policy.group}, State::Neutral, {}};
        }
    }
    m_policies->setRows(policyRows);
    updateButtons();
}

void RequestsPanel::updateButtons()
{
    bool approvable = false, refusable = false;
    for (const QVariant &key : m_table->selectedKeys()) {
        const QString status = statusOf(key);
        approvable = approvable || (!status.isEmpty() && status != QLatin1String("approved") && status != QLatin1String("withdrawn"));
        refusable = refusable || (!status.isEmpty() && status != QLatin1String("refused") && status != QLatin1String("withdrawn"));
    }
    m_approve->setEnabled(approvable);
    m_refuse->setEnabled(refusable);
}

QString RequestsPanel::statusOf(const QVariant &key) const
{
    const int row = m_model->rowFor(key);
    return row >= 0 ? m_model->row(row).cells.value(1) : QString();
}

int RequestsPanel::decideSelected(bool approve)
{
    // Every selected request the decision applies to (a line's worth at once): one reason for all
    // refused ones; each decision is its own audited change.
    QList<qint64> ids;
    for (const QVariant &key : m_table->selectedKeys()) {
        const QString status = statusOf(key);
        if (status != QLatin1String("withdrawn") && status != (approve ? QLatin1String("approved") : QLatin1String("refused")))
            ids << key.toLongLong();
    }
    if (ids.isEmpty())
        return 0;
    QString reason;
    if (!approve) {
        const auto why = m_workspace.prompts().text(this, ids.size() == 1 ? tr("Refuse Request") : tr("Refuse %n Requests", nullptr, int(ids.size())),
                                                    tr("Why is this refused? (kept with each request and in the audit log)"));
        if (!why)
            return 0;
        reason = why->trimmed();
    }
    int decided = 0;
    for (const qint64 id : std::as_const(ids)) {
        if (!decide(id, approve, reason))
            break; // the error is shown; the rest stay as they were
        ++decided;
    }
    return decided;
}

bool RequestsPanel::decide(qint64 requestId, bool approve, const QString &reason)
{
    tam::TaRequests requests(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    // Decided as the operator saw it: a request another console decided meanwhile is refused.
    if (const Status decided = requests.decide(requestId, approve, reason, statusOf(requestId)); !decided) {
        m_workspace.prompts().error(this, approve ? tr("Request Not Approved") : tr("Request Not Refused"), decided.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool RequestsPanel::setPolicy(const QString &spid, const QString &group, const QString &decision)
{
    const auto parsed = tam::decisionFromName(decision);
    tam::TaRequests requests(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor());
    const Status set = parsed ? requests.setPolicy({spid, group, *parsed}) : Status(Error{QStringLiteral("ui.policy"), tr("Choose a decision.")});
    if (!set) {
        m_workspace.prompts().error(this, tr("Policy Not Set"),
                                    set.error().code == QLatin1String("requests.unknown-group")
                                        ? tr("%1\n\nGroups come from device registration (teepctl devices add --group) and assignments.").arg(set.error().message)
                                        : set.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

} // namespace teep::ui
