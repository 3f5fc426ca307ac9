#include "workspace.h"

#include "common/operation.h"
#include "crypto/pkcs11key.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "tam/tamkeys.h"

#include <QTimer>

namespace teep::ui {

Workspace::Workspace(store::Database &database, Prompts &prompts, const Clock &clock, QObject *parent)
    : QObject(parent), m_database(database), m_prompts(prompts), m_clock(clock), m_keys(database.connection()),
      m_actor(store::operatorActor(QStringLiteral("teep-console")))
{
    // Other writers (teepctl, servers, other consoles, this console's own TAM thread) commit on
    // other connections: every two seconds, a look at whether the data moved, and the views follow.
    m_lastVersion = m_database.dataVersion();
    auto *watch = new QTimer(this);
    watch->setInterval(kWatchIntervalMs);
    connect(watch, &QTimer::timeout, this, [this] {
        const Result<qint64> version = m_database.dataVersion();
        if (version && m_lastVersion && version.value() != m_lastVersion.value())
            notifyChangedSoon();
        m_lastVersion = version;
    });
    watch->start();
    // A shared PostgreSQL database says so at once (LISTEN); the poll stays as the safety net.
    m_database.onChangesElsewhere(this, [this] { notifyChangedSoon(); });
}

bool Workspace::ensureUnlocked(QWidget *parent)
{
    if (!m_keys.isUnlocked() && !unlockWithPassphrase(parent))
        return false;
    return ensureTokenPin(parent);
}

bool Workspace::ensureTokenPin(QWidget *parent)
{
    if (m_keys.hasTokenPin())
        return true;
    const Result<QStringList> tokens = tam::tokenKeysInUse(m_database.connection());
    if (!tokens) {
        m_prompts.error(parent, tr("Key Store"), tokens.error().toString());
        return false;
    }
    if (tokens.value().isEmpty())
        return true;
    const QString uri = tokens.value().first();
    std::optional<crypto::Secret> pin = m_prompts.passphrase(
        parent, tr("The TAM's key is in a PKCS#11 token (%1). Enter the token's PIN:").arg(uri.section(QLatin1Char('?'), 0, 0).toHtmlEscaped()), false);
    if (!pin)
        return false;
    // Loading the module and logging in may take a moment with a hardware token: off this thread.
    if (!checkedOffThread(parent, tr("Opening the token..."), [&]() -> Status {
            const Result<crypto::Key> key = crypto::loadPkcs11Key(uri, *pin);
            return key ? Status() : Status(key.error());
        }))
        return false;
    m_keys.setTokenPin(std::move(*pin));
    emit keyStoreStateChanged(true);
    return true;
}

bool Workspace::checkedOffThread(QWidget *parent, const QString &title, const std::function<Status()> &check)
{
    Operation operation(title, m_database.path(), [&](OperationContext &) -> Result<QString> {
        if (const Status checked = check(); !checked)
            return checked.error();
        return QString();
    });
    const Operation::Outcome checked = operation.runAndWait(parent);
    if (Operation::wasCancelled(checked))
        return false;
    if (!checked) {
        m_prompts.error(parent, tr("Key Store"), checked.error().message);
        return false;
    }
    return true;
}

bool Workspace::unlockWithPassphrase(QWidget *parent)
{
    const Result<store::KeyStore::PassphraseProbe> probe = m_keys.probe();
    if (!probe) {
        m_prompts.error(parent, tr("Key Store"), probe.error().toString());
        return false;
    }
    const bool choosing = !probe.value().protectedKey;
    const QString text = choosing
                             ? tr("Private keys are stored encrypted with a passphrase you choose now. You will "
                                  "need it whenever TEEP Console uses them; it cannot be recovered.")
                             : tr("Enter the key store passphrase to use the private keys in this database.");
    std::optional<crypto::Secret> passphrase = m_prompts.passphrase(parent, text, choosing);
    if (!passphrase)
        return false;
    // The key derivation takes a third of a second (longer on a slow machine): off this thread.
    if (!checkedOffThread(parent, tr("Unlocking the key store..."), [&] { return store::KeyStore::check(probe.value(), *passphrase); }))
        return false;
    m_keys.unlockChecked(std::move(*passphrase));
    emit keyStoreStateChanged(true);
    return true;
}

void Workspace::lock()
{
    m_keys.lock();
    emit keyStoreStateChanged(false);
}

void Workspace::notifyChanged()
{
    // Whatever was coming within the quarter second is included now.
    if (m_changeTimer)
        m_changeTimer->stop();
    emit dataChanged();
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
