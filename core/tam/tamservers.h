#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QSqlDatabase>
#include <QString>

namespace teep::tam {

// The TAM servers running on one database (several `teepctl serve` and consoles sharing a
// PostgreSQL database). Each keeps a row fresh while it runs; a server whose row has not been
// touched for kStaleSeconds is gone (killed, or its machine lost), and the sessions it held in
// its memory can be closed by any other; those kept in the database (open_sessions, on a shared
// database) go on with whichever server the device reaches next. A server never closes the open
// sessions of a live one.
class TamServers
{
public:
    static constexpr int kHeartbeatSeconds = 10;
    static constexpr int kStaleSeconds = 60;

    TamServers(QSqlDatabase db, const Clock &clock);

    // "host:pid:random": unique among the servers of one database.
    static QString newServerId();

    Status join(const QString &id);
    // The row's seen_at made now (the row made again if another server took it for gone).
    Status heartbeat(const QString &id);
    Status leave(const QString &id);
    // Forgets servers whose row is stale, or that ran on this machine in a process that is gone
    // (never `ownId`), then closes, as interrupted, the open
    // sessions of servers that have no row: gone, or from before servers had rows. Returns how
    // many sessions it closed (audited as one session.interrupted entry).
    Result<int> closeSessionsOfGoneServers(const QString &ownId);

private:
    QSqlDatabase m_db;
    const Clock &m_clock;
};

} // namespace teep::tam
