#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "prompts.h"
#include "store/keystore.h"

#include <QObject>

#include <functional>

namespace teep::store {
class Database;
}

namespace teep::ui {

// What every view of one open database shares: the database, its key store (unlocked at most
// once per run, lockable), the clock, who acts, and the prompts. Owned by the main window.
class Workspace : public QObject
{
    Q_OBJECT

public:
    Workspace(store::Database &database, Prompts &prompts, const Clock &clock = SystemClock::instance(),
              QObject *parent = nullptr);

    store::Database &database() const { return m_database; }
    store::KeyStore &keys() { return m_keys; }
    const Clock &clock() const { return m_clock; }
    Prompts &prompts() const { return m_prompts; }
    QString actor() const { return m_actor; }

    // Unlocks the key store by asking for the passphrase if needed, and for the PIN of the
    // PKCS#11 token the TAM's keys are in, if any (checked by logging in). False when the user
    // cancels or gives a wrong passphrase or PIN (and has been told so).
    bool ensureUnlocked(QWidget *parent);
    void lock();

    // Views call this after changing data so that other views and the status bar refresh.
    void notifyChanged();
    // The same, coalesced: many changes within a quarter second (e.g. device sessions) refresh once.
    void notifyChangedSoon();

    // The active TAM identity or the keys signing beside it changed (a rollover, a retirement):
    // a running listener starts again with them.
    void notifyTamIdentityChanged() { emit tamIdentityChanged(); }

signals:
    void dataChanged();
    void tamIdentityChanged();
    void keyStoreStateChanged(bool unlocked);

private:
    bool unlockWithPassphrase(QWidget *parent);
    bool ensureTokenPin(QWidget *parent);
    // `check` on an Operation's thread, waited for; false (the user told why) when it fails or is cancelled.
    bool checkedOffThread(QWidget *parent, const QString &title, const std::function<Status()> &check);

    store::Database &m_database;
    Prompts &m_prompts;
    const Clock &m_clock;
    store::KeyStore m_keys;
    QString m_actor;
    class QTimer *m_changeTimer = nullptr;
    static constexpr int kWatchIntervalMs = 2000;
    Result<qint64> m_lastVersion = qint64(0);
};

} // namespace teep::ui
