#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace teep::tam {

// The open sessions of one profile kept in the database between messages (`open_sessions`), so
// that any TAM server sharing the database continues any session: the device's next message is
// found by its key (TEEP: the token of the request in flight; OTrP: the tid). A server takes a
// session's row for the rest of its transaction (PostgreSQL: SELECT ... FOR UPDATE), so two
// servers handed the same message one after the other see it once: the second finds the state the
// first left (its token spent, its step moved on), never the same state twice.
class OpenSessionStore
{
public:
    struct Row
    {
        QByteArray key;
        qint64 sessionId = 0; // its row in `sessions`, 0 until the device first answers
        qint64 deviceId = 0;  // its device, once proven (0 until then)
        bool proven = false;  // its device has proven who it is
        qint64 startedMs = 0;
        qint64 activeMs = 0;  // its last message (a refused one does not count)
        QByteArray state;     // sessionstate::encode of the engine's Session
    };

    OpenSessionStore(QSqlDatabase db, QString profile);

    // Whether sessions live in the database by default: on PostgreSQL, which several servers
    // share; an SQLite file has one server, which keeps its sessions in memory.
    static bool sharedBy(const QSqlDatabase &db);

    // The state saved under `key`, taken for this transaction; nullopt when no session has it.
    Result<std::optional<QByteArray>> take(const QByteArray &key);
    // `row` saved; `storedKey` is where it was found (empty: a new session).
    Status save(const QByteArray &storedKey, const Row &row);
    Status remove(const QByteArray &key);
    // Rows without a message since `beforeMs`, removed and returned (to be closed as expired).
    Result<QList<Row>> removeIdle(qint64 beforeMs);
    Result<int> count();
    Result<std::optional<qint64>> oldestUnproven();
    // The oldest session whose device proved nothing, removed and returned (to give way).
    Result<std::optional<Row>> removeOldestUnproven();
    // The other open sessions of `deviceId` than `keepSessionId`, removed and returned (a newer
    // session of the same device supersedes them).
    Result<QList<Row>> removeOthersOfDevice(qint64 deviceId, qint64 keepSessionId);

private:
    QSqlDatabase m_db;
    QString m_profile;
    bool m_locking; // PostgreSQL: rows taken FOR UPDATE (SQLite's writer lock covers the file)
};

} // namespace teep::tam
