#pragma once

#include "crypto/cosesign.h"
#include "protocol/teep/teepmessages.h"
#include "tam/devicecontacts.h"
#include "tam/deviceregistry.h"
#include "tam/installations.h"
#include "tam/enginesessions.h"
#include "tam/tamcredentials.h"
#include "tam/teepsettings.h"

#include <QHash>
#include <QSet>

// The TAM's TEEP sessions (draft-ietf-teep-protocol): a signed QueryRequest with a fresh token (and
// a challenge when it asks for attestation), signed with the listener's suites; the agent's
// QueryResponse verified: first its signature, by the device's registered key (named by kid, or
// found by the signature when the agent sends no kid) or by the key its verified evidence binds;
// then what the device's attestation policy asks (an EAT: attestation certificate against the TEE
// root CAs, signature, nonce = challenge, cnf binding the agent key; or the registered key alone,
// a lower tier). One Update with the SUIT manifests and unneeded components that close the gap to
// the assignments; Success or Error; then nothing (HTTP 204). An agent's Error to a QueryRequest is
// verified like any message and may get a QueryRequest it can meet (other suites, no attestation).
// Tokens and challenges are random, single-use and expire with the session.
// The class lives in three files: teepengine.cpp (the session: requests, answers, refusals),
// teepadmission.cpp (who signed a QueryResponse and what it must prove), teepupdates.cpp (the
// Updates that bring a device to what it should have).
namespace teep::tam {

class TeepEngine
{
public:
    TeepEngine(QSqlDatabase db, TamCredentials tam, const Clock &clock, EngineLimits limits = {});

    // The listener's suites for this process instead of the database's (teepctl serve --teep-suites).
    void overrideSuites(std::optional<TeepSuites> suites) { m_suitesOverride = suites; }

    void setListener(std::function<void(const SessionEvent &)> listener) { m_open.setListener(std::move(listener)); }
    Result<QByteArray> start(const QString &peer);
    Result<std::optional<QByteArray>> process(const QByteArray &body, const QString &peer);
    int openSessions() const { return m_open.size(); }
    QList<qint64> openSessionIds() const { return m_open.ids(); }
    // Drops every open session without a word (their records could not be saved).
    void forgetSessions() { m_open.clear(); }

private:
    Result<QByteArray> startSession(const QString &peer);
    Result<std::optional<QByteArray>> handle(const QByteArray &body);

    struct Session : SessionBasics
    {
        QByteArray token;        // of the request in flight
        QByteArray challenge;    // of the QueryRequest in flight, when it asks for attestation
        bool awaitingQueryResponse = true;
        bool attestationAsked = false;
        int refusedAnswers = 0;  // answers whose signature did not verify (the session kept waiting)
        int queries = 0;         // QueryRequests sent in this session (each new one answers an agent's refusal)
        QList<qint64> algorithms; // what the TAM signs with and offers in this session, preferred first
        qint64 teeId = 0;
        crypto::Key agentKey;
        qint64 agentAlgorithm = 0; // what the agent signs with: the TAM answers in the same family
        bool compatibility = false; // the device's compatibility profile
        QStringList compatibilityNotes; // what the QueryResponse needed that profile for
        bool admitted = false;   // passed its attestation policy in this session
        QList<std::pair<DesiredTa, QByteArray>> sent;     // the manifests in the Update in flight, as sent
        QList<std::pair<DesiredTa, QByteArray>> deferred; // what did not fit in it (with the form to send): the next round
        qsizetype updateLimit = 0; // the largest signed Update this device takes
        QStringList removing;    // taids in its unneeded-manifest-list
        bool isolating = false;  // the agent refused an Update of several changes: one per Update now
        QStringList deferredRemovals; // removals to send again, one per Update, while isolating
        QSet<QString> unneeded;  // taids the device said it no longer needs
        QStringList notes;       // how the session got there (asked again, and why): after its outcomes

        // Kept in the database between messages on a shared database (teepsessionstate.cpp).
        QCborMap toState() const;
        static std::optional<Session> fromState(const QCborMap &state);
    };
    // Who signed an agent's message: the device whose registered (or learned) key the kid names,
    // or, without a kid, whose key verifies the signature.
    struct Signer
    {
        std::optional<TeeRecord> device;
        crypto::Key key;
        bool verified = false; // the signature checked out with `key`
        QString problem;       // why it did not, for the operator
    };

    // A QueryRequest for `session` under a fresh token (and a fresh challenge when it asks for
    // attestation), signed with the session's algorithms; logged. The caller keys the session.
    Result<QByteArray> query(Session &session, bool attestation);
    // A QueryRequest again in the same session (the agent refused the last one for a reason the
    // TAM can meet); the session is re-keyed to its token.
    static constexpr int kMaxQueries = 3;  // QueryRequests in a session that negotiates (suites, attestation)
    static constexpr int kMaxRounds = 32;  // ... and that sends what did not fit in one Update
    static constexpr int kMaxRefusedAnswersLogged = 4; // answers that did not verify, logged in a session
    Result<std::optional<QByteArray>> queryAgain(Session &session, bool attestation, const QString &why, int maxQueries = kMaxQueries);
    Signer identify(const crypto::cose::SignedObject &object, const crypto::cose::AlgorithmPolicy &policy) const;
    Result<std::optional<QByteArray>> afterQueryResponse(Session &session, const crypto::cose::SignedObject &object,
                                                         const protocol::QueryResponse &response);
    Result<std::optional<QByteArray>> afterQueryError(Session &session, const crypto::cose::SignedObject &object,
                                                      const protocol::ErrorMessage &error);
    // The device proved who it is and passed its attestation policy: the Update that closes the
    // gap between what it reports and what it should have, or the end of the session.
    Result<std::optional<QByteArray>> planUpdate(Session &session, const TeeRecord &record, const protocol::QueryResponse &response);
    // A TA and the manifest (in the form this device takes) that the TAM means to send it.
    using PendingManifest = std::pair<DesiredTa, QByteArray>;
    // `update` (its removals) with as many of `toSend` as fit the device's limit, signed and sent;
    // the rest wait in session.deferred for the next round (`toSend` is a copy: it may be that list).
    Result<std::optional<QByteArray>> sendUpdate(Session &session, protocol::Update update, QList<PendingManifest> toSend);
    // Records the QueryResponse's requested-tc-list and unneeded-manifest-list; returns the taids
    // whose binary the device holds (have-binary).
    QSet<QString> takeRequests(Session &session, qint64 deviceId, const protocol::QueryResponse &response, const QStringList &reported);
    std::optional<QByteArray> afterUpdate(Session &session, const protocol::Message &answer);
    Result<QByteArray> signMessage(const protocol::Message &message, const QList<qint64> &algorithms) const;
    // Who signs a message with `algorithms`: the TAM's key, and a rollover's previous keys.
    QList<crypto::cose::SigningKey> signingKeys(const QList<qint64> &algorithms) const;
    // The TAM's algorithm in the family the agent chose (ES256 answered with ES256 or EdDSA).
    QList<qint64> answerAlgorithms(const Session &session) const;
    crypto::cose::AlgorithmPolicy acceptedFrom(const Session &session) const;
    TeepSuites listenerSuites() const;
    // A message that did not verify: refused (400) with `answer`, `why` kept for the session's
    // record; the session stays open, its token unspent.
    Result<std::optional<QByteArray>> refuseUnverified(Session &session, const QString &why, const QString &answer);
    std::optional<QByteArray> finish(Session &session, const QString &summary = {});

    QSqlDatabase m_db;
    TamCredentials m_tam;
    const Clock &m_clock;
    DeviceRegistry m_devices;
    Installations m_installations;
    DeviceContacts m_contacts;
    EngineSessions<QByteArray, Session> m_open; // by the token of the request in flight
    std::optional<TeepSuites> m_suitesOverride;
};

} // namespace teep::tam
