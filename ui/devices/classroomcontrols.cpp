#include "devices/classroomcontrols.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>

namespace teep::ui {

namespace {
struct FaultChoice
{
    const char *id; // teep-devsim's --fault name, and the action's object name
    const char *text;
    const char *why;
};
// Every fault teep-devsim injects (its "slow" is the pace here).
constexpr FaultChoice kFaults[] = {
    {"bad-signature", QT_TRANSLATE_NOOP("ClassroomControls", "Corrupt the Device's Signatures"),
     QT_TRANSLATE_NOOP("ClassroomControls", "The TAM refuses a message whose signature does not verify, and records nothing from it.")},
    {"replay", QT_TRANSLATE_NOOP("ClassroomControls", "Replay the Previous Message"),
     QT_TRANSLATE_NOOP("ClassroomControls", "The device answers with its previous message again: the TAM sees it was spent.")},
    {"untrusted-tee-ca", QT_TRANSLATE_NOOP("ClassroomControls", "TEE Certificate From an Untrusted CA"),
     QT_TRANSLATE_NOOP("ClassroomControls", "The device's TEE is vouched for by a CA the TAM's TEE trust anchors do not hold.")},
    {"tampered-ta", QT_TRANSLATE_NOOP("ClassroomControls", "Tamper With a TA on Its Way"),
     QT_TRANSLATE_NOOP("ClassroomControls", "A TA is altered between the TAM and the TEE: the TEE refuses it, its signature no longer matches.")},
    {"tampered-firmware", QT_TRANSLATE_NOOP("ClassroomControls", "Tampered Boot Loader (TEEP)"),
     QT_TRANSLATE_NOOP("ClassroomControls", "The TEE's boot loader measures other than its vendor's reference value: its evidence is contraindicated.")},
    {"disconnect", QT_TRANSLATE_NOOP("ClassroomControls", "Disconnect After Two Messages"),
     QT_TRANSLATE_NOOP("ClassroomControls", "The device goes away in the middle of its session: the TAM's session expires.")},
    {"sgx-agents", QT_TRANSLATE_NOOP("ClassroomControls", "Agents in SGX Enclaves (TEEP)"),
     QT_TRANSLATE_NOOP("ClassroomControls", "Not a fault: the TEEP agents attest with Intel SGX quotes from the demo's simulated platform, "
                                            "checked up to its root and rated by its collateral (Attestation > SGX Collateral).")},
};
} // namespace

ClassroomControls::ClassroomControls(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *paceLabel = new QLabel(tr("&Pace:"), this);
    m_pace = new QComboBox(this);
    m_pace->setObjectName(QStringLiteral("demo-pace"));
    m_pace->setAccessibleName(tr("Pace of the demo devices"));
    m_pace->addItem(tr("Real time"), int(sim::Pace::RealTime));
    m_pace->addItem(tr("Slow (a message a second)"), int(sim::Pace::Slow));
    m_pace->addItem(tr("Step by step (Next)"), int(sim::Pace::Step));
    m_pace->setToolTip(tr("How fast the demo devices talk: step by step, each device message waits for Next, so a class can follow every "
                          "exchange in the session log and the Message Inspector."));
    paceLabel->setBuddy(m_pace);
    m_next = new QPushButton(tr("&Next Message"), this);
    m_next->setObjectName(QStringLiteral("demo-next-button"));
    m_next->setAccessibleName(tr("Let the next device message go"));
    m_next->setEnabled(false);
    m_waiting = new QLabel(this);
    m_waiting->setObjectName(QStringLiteral("demo-waiting"));
    m_waiting->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_faults = new QMenu(this);
    m_faults->setObjectName(QStringLiteral("demo-faults-menu"));
    m_faults->setToolTipsVisible(true);
    for (const FaultChoice &choice : kFaults) {
        QAction *action = m_faults->addAction(tr(choice.text));
        action->setObjectName(QLatin1String("fault-") + QLatin1String(choice.id));
        action->setCheckable(true);
        action->setToolTip(tr(choice.why));
        connect(action, &QAction::toggled, this, &ClassroomControls::updateFaultsButton);
    }
    m_faultsButton = new QToolButton(this);
    m_faultsButton->setObjectName(QStringLiteral("demo-faults-button"));
    m_faultsButton->setAccessibleName(tr("Faults the demo devices inject"));
    m_faultsButton->setMenu(m_faults);
    m_faultsButton->setPopupMode(QToolButton::InstantPopup);
    m_faultsButton->setToolTip(tr("Faults the next demo devices inject, as teep-devsim --fault does."));
    updateFaultsButton();
    // Room for the longest text and the menu's arrow.
    m_faultsButton->setMinimumWidth(m_faultsButton->fontMetrics().horizontalAdvance(tr("Faults: none")) + 32);

    layout->addWidget(paceLabel);
    layout->addWidget(m_pace);
    layout->addWidget(m_next);
    layout->addWidget(m_faultsButton);
    layout->addWidget(m_waiting, 1);
    connect(m_pace, &QComboBox::currentIndexChanged, this, [this] {
        if (pace() != sim::Pace::Step)
            showWaiting(0, QString());
        emit paceChanged(pace());
    });
    connect(m_next, &QPushButton::clicked, this, &ClassroomControls::nextRequested);
}

sim::Pace ClassroomControls::pace() const
{
    return sim::Pace(m_pace->currentData().toInt());
}

void ClassroomControls::setPace(sim::Pace pace)
{
    m_pace->setCurrentIndex(m_pace->findData(int(pace)));
}

sim::SimFaults ClassroomControls::faults() const
{
    const auto on = [this](const char *id) {
        const auto *action = m_faults->findChild<QAction *>(QLatin1String("fault-") + QLatin1String(id));
        return action && action->isChecked();
    };
    sim::SimFaults faults;
    faults.badSignature = on("bad-signature");
    faults.replay = on("replay");
    faults.untrustedTeeCa = on("untrusted-tee-ca");
    faults.tamperedTa = on("tampered-ta");
    faults.tamperedFirmware = on("tampered-firmware");
    faults.disconnectAfter = on("disconnect") ? 2 : -1;
    faults.sgxAgents = on("sgx-agents");
    return faults;
}

void ClassroomControls::setRunning(bool running)
{
    m_running = running;
    m_faultsButton->setEnabled(!running); // faults are made into the devices when they start
    if (!running)
        showWaiting(0, QString());
}

void ClassroomControls::showWaiting(int count, const QString &nextMessage)
{
    m_next->setEnabled(m_running && count > 0);
    if (pace() != sim::Pace::Step || !m_running)
        m_waiting->clear();
    else if (count == 0)
        m_waiting->setText(tr("Waiting for the TAM..."));
    else
        m_waiting->setText(count == 1 ? tr("Next: %1").arg(nextMessage) : tr("Next: %1 (%2 waiting)").arg(nextMessage).arg(count));
}

void ClassroomControls::updateFaultsButton()
{
    int checked = 0;
    for (const QAction *action : m_faults->actions())
        checked += action->isChecked() ? 1 : 0;
    m_faultsButton->setText(checked == 0 ? tr("Faults: none") : tr("Faults: %1").arg(checked));
}

} // namespace teep::ui
