#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "protocol/otrp/teetarget.h"
#include "tam/enginesessions.h"
#include "tam/devicecontacts.h"
#include "tam/deviceregistry.h"
#include "tam/installations.h"
#include "tam/otrpplanner.h"
#include "tam/tamcredentials.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>

#include <functional>
#include <optional>

#include <nlohmann/json_fwd.hpp>

// The TAM's OTrP sessions: GetDeviceState first; each trusted TEE attested and recorded; then one
// command per round trip until every TEE has what the operator assigned; then nothing (HTTP 204).
// Sessions are found again by `tid`, which the TAM draws at random for each session.
namespace teep::tam {

class OtrpEngine
{
public:
    OtrpEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits = {});

    void setListener(std::function<void(const SessionEvent &)> listener) { m_open.setListener(std::move(listener)); }

    // An empty POST: a new session and its GetDeviceStateRequest.
    Result<QByteArray> start(const QString &peer);
    // A device's message: the next request, or nothing when the session is over. Errors:
    // tam.bad-message (malformed, unknown session) and tam.busy (too many sessions).
    Result<std::optional<QByteArray>> process(const QByteArray &body, const QString &peer);

    int openSessions() const { return m_open.size(); }
    QList<qint64> openSessionIds() const { return m_open.ids(); }
    // Drops every open session without a word (their records could not be saved).
    void forgetSessions() { m_open.clear(); }

private:
    struct TeeWork
    {
        protocol::otrp::TeeTarget target;
        qint64 teeId = 0;
        QMap<QString, crypto::Key> aiks; // spid -> SP AIK
        QList<PlannedStep> steps;
        bool stopped = false;
    };
    Result<QByteArray> startSession(const QString &peer);
    Result<std::optional<QByteArray>> handle(const QByteArray &body, const QString &peer);

    struct Session : SessionBasics
    {
        QString tid;
        QString rid;              // of the request in flight
        bool awaitingState = true;
        int teeIndex = -1;        // the TEE the request in flight is for
        PlannedStep step;         // the step in flight
        QList<TeeWork> tees;
        QStringList notes;        // how the session got there, after its outcomes
        QByteArray lastMessage;   // SHA-256 of the device's last message, and the TAM's answer to it:
        QByteArray lastAnswer;    // a message sent again (its answer was lost) gets the same answer

        // Kept in the database between messages on a shared database (otrpsessionstate.cpp).
        QCborMap toState() const;
        static std::optional<Session> fromState(const QCborMap &state);
    };

    // `response` is the device's message as process() parsed it (once, not again here).
    Result<std::optional<QByteArray>> afterDeviceState(Session &session, const nlohmann::json &response);
    void afterCommand(Session &session, const nlohmann::json &response);
    // Builds the next command, or finishes the session (nullopt).
    std::optional<QByteArray> next(Session &session);
    Result<QByteArray> build(Session &session, TeeWork &tee, const PlannedStep &step);
    std::optional<QByteArray> finish(Session &session, const QString &summary = {});

    QSqlDatabase m_db;
    TamCredentials m_tam;
    const Clock &m_clock;
    DeviceRegistry m_devices;
    Installations m_installations;
    DeviceContacts m_contacts;
    EngineSessions<QString, Session> m_open; // by tid
};

} // namespace teep::tam
