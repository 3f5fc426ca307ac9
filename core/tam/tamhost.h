#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "tam/enginesessions.h"
#include "transport/tamserver.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QSqlDatabase>
#include <QThread>

namespace teep::store {
class KeyStore;
}

// The TAM running inside a program (the console): the engines, the HTTP listener and group commit
// on a thread of their own with their own database connection, as in `teepctl serve`, so that
// the program's own thread never waits for a device, a signature or an fsync. Session events
// reach the program's thread queued.
namespace teep::tam {

class TamHost : public QObject
{
    Q_OBJECT

public:
    // `db`: the caller's connection, from which the TAM's key is loaded; the TAM opens its own
    // connection to the same database, `databasePath` (the file, or the PostgreSQL URI: a
    // connection's databaseName() is only the database's name there).
    TamHost(QSqlDatabase db, QString databasePath, store::KeyStore &keys, const Clock &clock, QObject *parent = nullptr);
    ~TamHost() override;

    // Loads the active TAM identity (the key store must be unlocked unless it is the demo one)
    // and listens. Returns the TAM URI. The caller's event loop keeps turning meanwhile (the
    // key's derivation alone takes a third of a second): a second start() then is refused.
    Result<QString> start(const transport::ServerOptions &options = transport::ServerOptions());
    // Stops listening, closes the open sessions as interrupted and ends the TAM thread.
    void stop();
    bool isRunning() const { return m_worker != nullptr; }
    // The operator locked the key store: the TAM signs nothing until unlock() (sessions in
    // progress fail, devices get 503 with Retry-After), however it was started, the demo's
    // unprotected identity included. It stays so across stop() and start().
    void lock();
    void unlock();
    bool isLocked() const { return m_locked; }
    QString uri() const { return m_uri; }

signals:
    // The session events since the last batch, in order, on the thread of the TamHost: however
    // many devices talk, the caller's thread handles one batch per pass of its event loop. The
    // events carry no message bodies (the database has them).
    void sessionEvents(const QList<teep::tam::SessionEvent> &events);
    void runningChanged(bool running, const QString &uri);

private:
    class Worker;
    // From the TAM thread.
    void enqueue(const SessionEvent &event);
    void deliverEvents();

    QSqlDatabase m_db;
    QString m_databasePath;
    store::KeyStore &m_keys;
    const Clock &m_clock;
    QThread m_thread;
    Worker *m_worker = nullptr; // lives on m_thread
    bool m_starting = false;
    bool m_locked = false;
    QMutex m_eventsMutex;
    QList<SessionEvent> m_events; // guarded by m_eventsMutex
    QString m_uri;
};

} // namespace teep::tam
