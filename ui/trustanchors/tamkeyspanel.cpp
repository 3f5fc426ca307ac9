#include "trustanchors/tamkeyspanel.h"

#include "common/operation.h"
#include "statecolors.h"
#include "store/database.h"
#include "store/keystore.h"
#include "tam/teepsettings.h"
#include "workspace.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {

QString stateText(const QString &state)
{
    if (state == QLatin1String("active"))
        return QObject::tr("active");
    if (state == QLatin1String("overlap"))
        return QObject::tr("signs beside the active one");
    if (state == QLatin1String("csr-pending"))
        return QObject::tr("waiting for its certificate");
    return state;
}

QString tokenText(const tam::TamKey &key)
{
    if (key.tokenUri.isEmpty())
        return QString();
    const crypto::TokenDescription &token = key.token;
    if (!token.present)
        return QObject::tr("'%1' (not found: %2)").arg(token.label, token.problem);
    return QObject::tr("'%1' · %2 %3 · serial %4 · slot %5").arg(token.label, token.manufacturer, token.model, token.serial).arg(token.slotId);
}

} // namespace

TamKeysPanel::TamKeysPanel(Workspace &workspace, QWidget *parent) : QWidget(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("tam-keys"));
    auto *heading = new QLabel(tr("<b>Keys</b>"), this);
    m_keys = new QTreeWidget(this);
    m_keys->setObjectName(QStringLiteral("tam-key-list"));
    m_keys->setAccessibleName(tr("TAM keys"));
    m_keys->setRootIsDecorated(false);
    // The token's description last, stretched and elided (its whole text in the tooltip), so that
    // whether it is plugged in stays in view at 1024 pixels.
    m_keys->setHeaderLabels({tr("Identity"), tr("State"), tr("Key"), tr("Where"), tr("Present"), tr("Token")});
    m_keys->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_keys->header()->setSectionResizeMode(5, QHeaderView::Stretch);
    m_keys->setTextElideMode(Qt::ElideRight);
    m_keys->setMaximumHeight(150);
    m_rollover = new QLabel(this);
    m_rollover->setObjectName(QStringLiteral("rollover-status"));
    m_rollover->setWordWrap(true);
    m_rollover->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rolloverButton = new QPushButton(tr("&Roll Over to a New Key..."), this);
    m_rolloverButton->setAccessibleName(tr("Roll Over to a New Key"));
    m_rolloverButton->setToolTip(tr("A new TAM key and certificate; the current key keeps signing beside it until you retire it."));
    m_retireButton = new QPushButton(this);
    m_retireButton->setVisible(false);
    m_legacyLabel = new QLabel(tr("&Deployed agents (legacy suites, one signature) get:"), this);
    m_legacyKey = new QComboBox(this);
    m_legacyKey->setAccessibleName(tr("Key that signs for deployed agents during the overlap"));
    m_legacyKey->addItems({tr("the previous key (what they have built in)"), tr("the new key (they have been updated)")});
    m_legacyKey->setToolTip(tr("Deployed agents take one COSE_Sign1 and verify it with the TAM key built into them. Switch once "
                               "their firmware has the new key; other agents get a signature by each key."));
    m_legacyLabel->setBuddy(m_legacyKey);
    connect(m_legacyKey, &QComboBox::activated, this, &TamKeysPanel::chooseLegacyKey);
    connect(m_rolloverButton, &QPushButton::clicked, this, &TamKeysPanel::rolloverRequested);
    connect(m_retireButton, &QPushButton::clicked, this, [this] { emit retireRequested(m_overlapping); });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_rolloverButton);
    buttons->addWidget(m_retireButton);
    buttons->addStretch();
    auto *legacy = new QHBoxLayout;
    legacy->addWidget(m_legacyLabel);
    legacy->addWidget(m_legacyKey);
    legacy->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(heading);
    layout->addWidget(m_keys);
    layout->addWidget(m_rollover);
    layout->addLayout(legacy);
    layout->addLayout(buttons);
}

QString TamKeysPanel::rolloverText() const
{
    return m_rollover->text();
}

void TamKeysPanel::reload()
{
    if (m_running) {
        m_again = true; // once the running read is in
        return;
    }
    auto snapshot = std::make_shared<Snapshot>();
    // The work holds nothing of the panel's: a window closed mid-read destroys the panel while the
    // Operation (its child) waits for the thread. The clock outlives the window.
    const Clock *clock = &m_workspace.clock();
    m_running = new Operation(tr("Reading the TAM's keys..."), m_workspace.database().path(),
                              [snapshot, clock](OperationContext &context) -> Operation::Outcome {
                                  auto keys = tam::tamKeys(context.database.connection());
                                  if (!keys)
                                      return keys.error();
                                  snapshot->keys = std::move(keys.value());
                                  store::KeyStore noKeys(context.database.connection());
                                  auto status = tam::TamRollover(context.database.connection(), noKeys, *clock, QString()).status();
                                  if (status)
                                      snapshot->status = std::move(status.value());
                                  const auto byNew = tam::TeepSettings(context.database.connection(), *clock, QString()).singleSignatureByNewKey();
                                  snapshot->legacyByNewKey = byNew && byNew.value();
                                  return QString();
                              },
                              this);
    connect(m_running, &Operation::finished, this, [this, snapshot](const Operation::Outcome &outcome) {
        m_running->deleteLater();
        m_running = nullptr;
        if (outcome)
            show(*snapshot);
        else
            m_rollover->setText(tr("The TAM's keys could not be read: %1").arg(outcome.error().message.toHtmlEscaped()));
        if (std::exchange(m_again, false))
            reload();
        else
            emit reloaded();
    });
    m_running->start();
}

void TamKeysPanel::show(const Snapshot &snapshot)
{
    m_keys->clear();
    for (const tam::TamKey &key : snapshot.keys) {
        const QString present = key.tokenUri.isEmpty() ? QString() : key.token.present ? tr("yes") : tr("NO");
        auto *item = new QTreeWidgetItem(m_keys, {key.identity, stateText(key.identityState), tr("%1 (%2)").arg(key.role, key.algorithm),
                                                  key.tokenUri.isEmpty() ? key.storage : tr("PKCS#11 token"), present, tokenText(key)});
        item->setToolTip(3, key.tokenUri.isEmpty() ? key.label : key.tokenUri);
        item->setToolTip(5, tokenText(key) + QLatin1Char('\n') + key.tokenUri);
        if (!key.tokenUri.isEmpty() && !key.token.present && key.identityState != QLatin1String("retired"))
            item->setForeground(4, stateForeground(State::Fail, m_keys->palette()));
        if (key.storage.contains(QLatin1String("NOT ENCRYPTED")))
            item->setForeground(3, stateForeground(State::Warn, m_keys->palette()));
    }
    m_overlapping.clear();
    const bool overlap = snapshot.status && !snapshot.status->overlapping.isEmpty();
    m_retireButton->setVisible(overlap);
    m_legacyLabel->setVisible(overlap);
    m_legacyKey->setVisible(overlap);
    m_legacyKey->setCurrentIndex(snapshot.legacyByNewKey ? 1 : 0);
    if (!snapshot.status) {
        m_rollover->clear();
        return;
    }
    const tam::RolloverStatus &status = *snapshot.status;
    if (!overlap) {
        m_rollover->setText(tr("No previous key signs beside this identity."));
        return;
    }
    const tam::TamIdentity &previous = status.overlapping.first();
    m_overlapping = previous.name;
    QString text = tr("<b>Rollover in progress:</b> every TEEP message carries a signature by <b>%1</b> (previous) and by this "
                      "identity, so that devices that know only the previous key still talk to this TAM (deployed agents: one "
                      "signature, by the key chosen below). Overlap planned until %2.<br>"
                      "Devices that completed a session since the rollover (%3 UTC): <b>%4 of %5</b>.")
                       .arg(previous.name.toHtmlEscaped(), previous.overlapUntil.toString(QStringLiteral("yyyy-MM-dd")),
                            status.since.toString(QStringLiteral("yyyy-MM-dd HH:mm")))
                       .arg(status.talkedSince)
                       .arg(status.devices);
    if (!status.notYetSeen.isEmpty()) {
        const QStringList shown = status.notYetSeen.mid(0, 8);
        text += tr(" Not yet seen: %1%2.").arg(shown.join(QStringLiteral(", ")).toHtmlEscaped(),
                                                status.devices - status.talkedSince > shown.size()
                                                    ? tr(" and %1 more").arg(status.devices - status.talkedSince - shown.size())
                                                    : QString());
    }
    if (previous.overlapUntil < m_workspace.clock().now())
        text += tr(" <span style='color:#b01e1e'>The planned overlap has ended.</span>");
    m_rollover->setText(text);
    m_retireButton->setText(tr("Re&tire '%1'...").arg(previous.name));
    m_retireButton->setAccessibleName(tr("Retire the previous key"));
}

void TamKeysPanel::chooseLegacyKey(int index)
{
    const Status set = runOffThread(this, tr("Saving..."), m_workspace.database().path(), [&](OperationContext &context) {
        return tam::TeepSettings(context.database.connection(), m_workspace.clock(), m_workspace.actor()).setSingleSignatureByNewKey(index == 1);
    });
    if (!set)
        m_workspace.prompts().error(this, tr("Deployed Agents' Key"), set.error().message);
    m_workspace.notifyChanged();
}

} // namespace teep::ui
