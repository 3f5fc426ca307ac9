#include "workspace.h"

#include "store/auditlog.h"
#include "store/database.h"

#include <QTimer>

namespace teep::ui {

Workspace::Workspace(store::Database &database, Prompts &prompts, const Clock &clock, QObject *parent)
    : QObject(parent), m_database(database), m_prompts(prompts), m_clock(clock), m_keys(database.connection()),
      m_actor(store::operatorActor(QStringLiteral("teep-console")))
{
}

bool Workspace::ensureUnlocked(QWidget *parent)
{
    if (m_keys.isUnlocked())
        return true;
    const Result<bool> existing = m_keys.hasProtectedKeys();
    if (!existing) {
        m_prompts.error(parent, tr("Key Store"), existing.error().toString());
        return false;
    }
    const bool choosing = !existing.value();
    const QString text = choosing
                             ? tr("Private keys are stored encrypted with a passphrase you choose now. You will "
                                  "need it whenever TEEP Console uses them; it cannot be recovered.")
                             : tr("Enter the key store passphrase to use the private keys in this database.");
    std::optional<crypto::Secret> passphrase = m_prompts.passphrase(parent, text, choosing);
    if (!passphrase)
        return false;
    const Status unlocked = m_keys.unlock(std::move(*passphrase));
    if (!unlocked) {
        m_prompts.error(parent, tr("Key Store"), unlocked.error().message);
        return false;
    }
    emit keyStoreStateChanged(true);
    return true;
}

void Workspace::lock()
{
    m_keys.lock();
    emit keyStoreStateChanged(false);
}

void Workspace::notifyChangedSoon()
{
    if (!m_changeTimer) {
        m_changeTimer = new QTimer(this);
        m_changeTimer->setSingleShot(true);
        m_changeTimer->setInterval(250);
        connect(m_changeTimer, &QTimer::timeout, this, &Workspace::notifyChanged);
    }
    if (!m_changeTimer->isActive())
        m_changeTimer->start();
}

} // namespace teep::ui
