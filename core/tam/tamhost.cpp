#include "tam/tamhost.h"

#include "tam/tamservers.h"

#include "common/logging.h"
#include "common/threadpriority.h"
#include "store/database.h"
#include "store/keystore.h"
#include "tam/tamcredentials.h"
#include "tam/tamservice.h"

#include <QEventLoop>
#include <QTimer>

#include <memory>
#include <optional>

namespace teep::tam {

// What runs on the TAM thread: its connection, the engines and the server, made and destroyed
// there (sockets and SQLite connections belong to the thread that made them).
class TamHost::Worker : public QObject
{
public:
    explicit Worker(TamHost &host) : m_host(host) {}

    Result<QString> start(const QString &path, const store::KeyStore &unlockedAs, const transport::ServerOptions &options, bool locked)
    {
        // In the console the window comes first: the TAM at nice 5 gives way to it when both
        // want the processor (without it, the window stalled up to 180 ms in the sanitizer build
        // while 200 devices provisioned). `teepctl serve` has no window and runs at nice 0.
        niceCurrentThread(5);
        auto database = store::Database::open(path);
        if (!database)
            return database.error();
        if (const Status servable = store::checkServable(database.value()->connection()); !servable)
            return servable.error();
        // The key is decrypted here (PBKDF2), not on the thread that started the TAM.
        store::KeyStore keys(database.value()->connection(), unlockedAs);
        const Result<TamCredentials> credentials = loadActiveTam(database.value()->connection(), keys);
        if (!credentials)
            return credentials.error();
        auto service = std::make_unique<TamService>(database.value()->connection(), credentials.value(), m_host.m_clock);
        if (locked) {
            if (const Status done = service->lock(); !done)
                return done.error();
        }
        // The window shows what happened, not the bytes (its inspector reads those from the
        // database): a message's body is released here, on this thread. Freed on the window's
        // thread, a burst of large Updates cost it 110 ms in the sanitizer build.
        service->setListener([this](const SessionEvent &event) {
            SessionEvent summary = event;
            summary.body.clear();
            m_host.enqueue(summary);
        });
        // Other servers on the same database see this one alive even when no device calls.
        m_heartbeat = std::make_unique<QTimer>();
        connect(m_heartbeat.get(), &QTimer::timeout, this, [this] {
            if (m_service)
                m_service->keepAlive();
        });
        m_heartbeat->start(std::chrono::seconds(TamServers::kHeartbeatSeconds));
        auto server = std::make_unique<transport::TamServer>(*service, options);
        const Result<QString> uri = server->start();
        if (!uri)
            return uri.error();
        m_database = std::move(database).value();
        m_service = std::move(service);
        m_server = std::move(server);
        return uri;
    }

    void setLocked(bool locked)
    {
        if (!m_service || m_service->isLocked() == locked)
            return;
        if (!locked) {
            m_service->unlock();
            return;
        }
        if (const Status done = m_service->lock(); !done)
            qCWarning(lcTam) << "sessions in progress not closed at the lock:" << done.error().toString();
    }

    void stop()
    {
        if (!m_server)
            return;
        m_server->stop();
        // Its open sessions cannot go on without it: closed now, rather than at the next start.
        if (const Result<int> interrupted = m_service->interruptOpenSessions(); !interrupted)
            qCWarning(lcTam) << "open sessions not closed:" << interrupted.error().toString();
        // The server refers to the service, the service to the connection.
        m_heartbeat.reset();
        m_server.reset();
        m_service.reset();
        m_database.reset();
    }

private:
    TamHost &m_host;
    std::unique_ptr<store::Database> m_database;
    std::unique_ptr<TamService> m_service;
    std::unique_ptr<transport::TamServer> m_server;
    std::unique_ptr<QTimer> m_heartbeat;
};

TamHost::TamHost(QSqlDatabase db, QString databasePath, store::KeyStore &keys, const Clock &clock, QObject *parent)
    : QObject(parent), m_db(std::move(db)), m_databasePath(std::move(databasePath)), m_keys(keys), m_clock(clock)
{
    m_thread.setObjectName(QStringLiteral("tam"));
}

TamHost::~TamHost()
{
    stop();
}

Result<QString> TamHost::start(const transport::ServerOptions &options)
{
    if (m_worker)
        return m_uri;
    if (m_starting)
        return Error{QStringLiteral("tam.starting"), tr("the TAM is starting")};
    m_starting = true;
    auto *worker = new Worker(*this);
    worker->moveToThread(&m_thread);
    m_thread.start();
    // The passphrase as it is now: the TAM thread unlocks its own key store with it.
    auto keys = std::make_shared<const store::KeyStore>(QSqlDatabase(), m_keys);
    std::optional<Result<QString>> uri;
    QEventLoop loop;
    QMetaObject::invokeMethod(worker, [&, worker, keys, path = m_databasePath, locked = m_locked] {
        Result<QString> started = worker->start(path, *keys, options, locked);
        QMetaObject::invokeMethod(&loop, [&, started] {
            uri = started;
            loop.quit();
        });
    });
    // The caller's events keep flowing while the TAM thread opens the database, decrypts the key
    // and listens.
    loop.exec();
    m_starting = false;
    if (!uri->ok()) {
        QMetaObject::invokeMethod(worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        return uri->error();
    }
    m_worker = worker;
    m_uri = uri->value();
    if (m_locked) // locked while it was starting
        QMetaObject::invokeMethod(worker, [worker] { worker->setLocked(true); }, Qt::BlockingQueuedConnection);
    emit runningChanged(true, m_uri);
    return *uri;
}

void TamHost::enqueue(const SessionEvent &event)
{
    const QMutexLocker locker(&m_eventsMutex);
    m_events.append(event);
    if (m_events.size() == 1)
        QMetaObject::invokeMethod(this, &TamHost::deliverEvents, Qt::QueuedConnection);
}

void TamHost::deliverEvents()
{
    QList<SessionEvent> events;
    {
        const QMutexLocker locker(&m_eventsMutex);
        events.swap(m_events);
    }
    if (!events.isEmpty())
        emit sessionEvents(events);
}

void TamHost::lock()
{
    m_locked = true;
    if (m_worker) {
        // Waits for the round trip in progress, so that nothing is signed once this returns.
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->setLocked(true); }, Qt::BlockingQueuedConnection);
    }
}

void TamHost::unlock()
{
    m_locked = false;
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->setLocked(false); }, Qt::QueuedConnection);
}

void TamHost::stop()
{
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker] {
            worker->stop();
            delete worker;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_worker = nullptr;
    m_uri.clear();
    deliverEvents(); // the sessions it interrupted
    emit runningChanged(false, QString());
}

} // namespace teep::tam
