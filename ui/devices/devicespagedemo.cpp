// DevicesPage: the demo — its set-up in this database, the simulated devices it starts on a thread
// of their own, and what they came to.
#include "devices/devicespage.h"

#include "common/operation.h"
#include "devices/classroomcontrols.h"
#include "common/paths.h"
#include "demo/demosetup.h"
#include "sim/devicecrowd.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/location.h"
#include "tam/tamhost.h"
#include "workspace.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QRegularExpression>
#include <QUrl>

namespace teep::ui {

QString DevicesPage::demoDirectory() const
{
    // Beside the database file; for a shared database, in this user's data folder, by its name.
    if (store::isPostgresUri(m_workspace.database().path())) {
        QString name = store::shortName(m_workspace.database().path());
        name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
        return QFileInfo(paths::defaultDatabasePath()).dir().filePath(name + QStringLiteral("-demo"));
    }
    const QFileInfo database(m_workspace.database().path());
    return database.dir().filePath(database.completeBaseName() + QStringLiteral("-demo"));
}

bool DevicesPage::hasDemo() const
{
    const Result<QString> directory = tam::demoDirectory(m_workspace.database().connection());
    return directory && !directory.value().isEmpty();
}

bool DevicesPage::setUpDemo()
{
    if (!m_workspace.prompts().confirm(this, tr("Set up a demo"),
                                       tr("Add a demo to this database?\n\nIt adds a demo TAM identity whose keys are stored UNPROTECTED (unless "
                                          "a TAM identity exists), demo TEE, firmware and SP signer CAs, two service providers, three "
                                          "signed TA versions and assignments to every device. Simulated devices' material goes to %1.\n\n"
                                          "Use a separate database for production.")
                                           .arg(demoDirectory())))
        return false;
    // Keys, certificates and signed TAs: seconds on a slow machine, off this thread.
    const store::KeyStore keys(QSqlDatabase(), m_workspace.keys());
    Operation setUp(tr("Setting up the demo..."), m_workspace.database().path(),
                    [&keys, &clock = m_workspace.clock(), actor = m_workspace.actor(), directory = demoDirectory()](OperationContext &context) -> Result<QString> {
                        store::KeyStore ownKeys(context.database.connection(), keys);
                        const Result<tam::DemoSetup> setup = tam::initDemo(context.database.connection(), ownKeys, clock, actor, directory);
                        if (!setup)
                            return setup.error();
                        return QString();
                    });
    // Not cancellable: it is one transaction, done or not at all.
    const Operation::Outcome outcome = setUp.runAndWait(this, Operation::Cancel::NotAllowed);
    if (!outcome) {
        m_workspace.prompts().error(this, tr("The demo could not be set up"), outcome.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool DevicesPage::startDemoDevices(int count, bool teep)
{
    if (m_crowd->isRunning())
        return false;
    if (!m_host.isRunning() && !startListener())
        return false;
    sim::DeviceCrowd::Plan plan;
    for (int i = 1; i <= count; ++i)
        plan.names << QStringLiteral("%1-%2").arg(teep ? QStringLiteral("teep") : QStringLiteral("otrp")).arg(i, 3, 10, QLatin1Char('0'));
    plan.demoDirectory = demoDirectory();
    plan.tam = QUrl(m_host.uri());
    plan.stateDir = demoDirectory() + QStringLiteral("/devices");
    plan.profile = teep ? sim::SimProfile::Teep : sim::SimProfile::Otrp;
    plan.faults = m_classroom->faults();
    plan.pace = m_classroom->pace();
    plan.slowMs = m_classroom->slowMs();
    m_completed = m_failed = 0;
    m_demoProgress->setRange(0, count);
    m_demoProgress->setFormat(tr("%v of %m devices done"));
    m_demoProgress->setValue(0);
    m_crowd->start(std::move(plan));
    updateControls();
    return true;
}

bool DevicesPage::demoDevicesRunning() const
{
    return m_crowd->isRunning();
}

void DevicesPage::cancelDemoDevices()
{
    m_crowd->cancel();
}

void DevicesPage::deviceFinished(const sim::DeviceOutcome &outcome)
{
    (outcome.ok ? m_completed : m_failed)++;
    log(tr("%1  %2: %3; TAs now: %4")
            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), outcome.device, outcome.ok ? tr("session complete") : tr("FAILED (%1)").arg(outcome.detail),
                 outcome.installed.isEmpty() ? tr("none") : outcome.installed.join(QStringLiteral(", "))));
    // The counts reach the bar with the log, ten times a second at most: QProgressBar repaints at
    // once on every new value, and devices finish by the dozen.
}

void DevicesPage::demoFinished(const sim::CrowdOutcome &outcome)
{
    flushLog();
    if (!outcome.error.isEmpty()) {
        m_workspace.prompts().error(this, tr("The demo devices did not start"), outcome.error);
        updateControls();
        return;
    }
    updateControls();
    m_demoStatus->setText((outcome.cancelled ? tr("Demo devices cancelled: %1 completed, %2 failed before.")
                                             : tr("Demo devices finished: %1 completed, %2 failed. Run them again to see nothing to do, or change "
                                                  "assignments (teepctl ta assign) and run again."))
                              .arg(outcome.completed)
                              .arg(outcome.failed));
    // Every view shows what the sessions changed, in a pass of its own after this one's layout.
    QTimer::singleShot(0, this, [this, outcome] {
        m_workspace.notifyChanged();
        emit demoDevicesFinished(outcome.completed, outcome.failed);
    });
}

} // namespace teep::ui
