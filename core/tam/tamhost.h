#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "tam/tamservice.h"
#include "transport/tamserver.h"

#include <QObject>
#include <QSqlDatabase>

#include <memory>

namespace teep::store {
class KeyStore;
}

// The TAM running inside a program (the console): the engines and the HTTP listener, started
// and stopped on request, reporting every session event. `teepctl serve` wires the same parts
// by hand.
namespace teep::tam {

class TamHost : public QObject
{
    Q_OBJECT

public:
    TamHost(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QObject *parent = nullptr);
    ~TamHost() override;

    // Loads the active TAM identity (the key store must be unlocked unless it is the demo one)
    // and listens. Returns the TAM URI.
    Result<QString> start(const transport::ServerOptions &options = transport::ServerOptions());
    void stop();
    bool isRunning() const { return m_server != nullptr; }
    QString uri() const;

signals:
    void sessionEvent(const teep::tam::SessionEvent &event);
    void runningChanged(bool running, const QString &uri);

private:
    QSqlDatabase m_db;
    store::KeyStore &m_keys;
    const Clock &m_clock;
    std::unique_ptr<TamService> m_service;
    std::unique_ptr<transport::TamServer> m_server;
};

} // namespace teep::tam
