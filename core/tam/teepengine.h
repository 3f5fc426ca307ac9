#pragma once

#include "crypto/cosesign.h"
#include "protocol/teep/teepmessages.h"
#include "tam/fleet.h"
#include "tam/enginesessions.h"
#include "tam/tamcredentials.h"

#include <QHash>
#include <QSet>

// The TAM's TEEP sessions (draft-ietf-teep-protocol): a signed QueryRequest with a fresh token and
// challenge; the agent's QueryResponse verified (its EAT: attestation certificate against the TEE
// root CAs, signature, nonce = challenge, cnf binding the agent key; then the QueryResponse's own
// signature with that agent key); one Update with the SUIT manifests and unneeded components that
// close the gap to the assignments; Success or Error; then nothing (HTTP 204). Tokens and
// challenges are random, single-use and expire with the session.
namespace teep::tam {

class TeepEngine
{
public:
    TeepEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits = {});

    void setListener(std::function<void(const SessionEvent &)> listener) { m_open.setListener(std::move(listener)); }
    Result<QByteArray> start(const QString &peer);
    Result<std::optional<QByteArray>> process(const QByteArray &body, const QString &peer);
    int openSessions() const { return m_open.size(); }
    // Drops every open session without a word (their records could not be saved).
    void forgetSessions() { m_open.clear(); }

private:
    struct Session : SessionBasics
    {
        QByteArray token;        // of the request in flight
        QByteArray challenge;
        bool awaitingQueryResponse = true;
        qint64 teeId = 0;
        crypto::Key agentKey;
        bool compatibility = false; // the device's compatibility profile
        QStringList compatibilityNotes; // what the QueryResponse needed that profile for
        QList<DesiredTa> sent;   // the manifests in the Update in flight
        QStringList removing;    // taids in its unneeded-manifest-list
        QSet<QString> unneeded;  // taids the device said it no longer needs
    };

    Result<std::optional<QByteArray>> afterQueryResponse(Session &session, const crypto::cose::SignedObject &object,
                                                         const protocol::QueryResponse &response);
    // Records the QueryResponse's requested-tc-list and unneeded-manifest-list; returns the taids
    // whose binary the device holds (have-binary).
    QSet<QString> takeRequests(Session &session, qint64 deviceId, const protocol::QueryResponse &response, const QStringList &reported);
    std::optional<QByteArray> afterUpdate(Session &session, const protocol::Message &answer);
    Result<QByteArray> signMessage(const protocol::Message &message, bool compatibility = false) const;
    std::optional<QByteArray> finish(Session &session, const QString &summary = {});

    QSqlDatabase m_db;
    TamCredentials m_tam;
    const Clock &m_clock;
    Fleet m_fleet;
    EngineSessions<QByteArray, Session> m_open; // by the token of the request in flight
};

} // namespace teep::tam
