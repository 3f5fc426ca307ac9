// TEEP agents as deployed today (libteep's example agent and those built on it): ES256 only, no
// kid, no attester, label 5 and an always-present tc-list, a 1,024-byte receive buffer. Over real
// HTTP on 127.0.0.1 with a real SQLite file: registered devices are served at the "identified"
// tier by the attestation policy, found by their signature, sent manifests by URI in Updates that
// fit their buffer, and fetch the payloads from the TAM. Then the engine on its own, with messages
// made by hand: what it refuses, and that a refusal changes nothing.
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "protocol/teep/teepcodec.h"
#include "sim/demomaterial.h"
#include "store/auditlog.h"
#include "tam/catalog.h"
#include "tam/deviceregistry.h"
#include "tam/tapublisher.h"
#include "tam/teepsettings.h"
#include "tamfixture.h"

#include <QDeadlineTimer>
#include <QNetworkReply>
#include <QTest>

using namespace teep;
using namespace teep::protocol;

class TestDeployedAgents : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void installUpdateDeleteByUri();
    void payloadsServedByDigestOnly();
    void unknownOrWrongKeyIsRefused();
    void suitesDecideWhoCanTalk();
    void attestationPolicyPerGroup();
    void forgedErrorChangesNothing();
    void tokenSpentAfterItsAnswer();
    void suitReportsAreRecorded();
    void expiredRequestIsRefused();
    void overlongChallengeIsRefused();
    void unsupportedSuitesGetAQueryRequestTheAgentCanVerify();

private:
    QList<sim::DeviceOutcome> runDeployed(const QStringList &names)
    {
        sim::SimFaults deployed;
        deployed.deployedAgent = true;
        return m_tam->runDevices(names, sim::SimProfile::Teep, deployed);
    }
    QVariant scalar(const QString &sql, const QVariantList &values = {}) { return m_tam->scalar(sql, values); }
    // After the fixture's 2 s idle time, any message makes the TAM close the idle sessions.
    void sweepIdleSessions()
    {
        QTest::qWait(2300);
        QVERIFY(!m_tam->service->process(transport::Profile::Teep, "not a message", QStringLiteral("127.0.0.1")).ok());
        QVERIFY(m_tam->service->makeDurable().ok());
    }
    tam::TeepSettings settings() { return tam::TeepSettings(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test")); }
    tam::DeviceRegistry fleet() { return tam::DeviceRegistry(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test")); }
    // The device's identity made now (as a factory would), its agent key registered as the TAM's list says.
    crypto::Key registerDeployed(const QString &name, const QString &group = {});
    // A registered deployed kiosk, legacy suites, the registered-key policy, a session started:
    // the kiosk's key and the QueryResponse (with the session's token) it would answer with.
    std::pair<crypto::Key, QueryResponse> startKioskSession()
    {
        const crypto::Key agent = registerDeployed(QStringLiteral("kiosk"));
        if (!settings().setSuites(tam::TeepSuites::Legacy) || !settings().setPolicy({}, tam::AttestationPolicy::RegisteredKey))
            qFatal("the settings could not be stored");
        const auto first = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
        if (!first)
            qFatal("%s", qPrintable(first.error().toString()));
        QueryResponse response;
        response.token = std::get<QueryRequest>(tamMessage(first.value())).token;
        response.tcList = QCborArray();
        return {agent, response};
    }
    // The registered device's private key. A message signed as an agent signs it (COSE_Sign1, ES256, with or without kid).
    static QByteArray agentMessage(const Message &message, const crypto::Key &key, bool withKid = false)
    {
        return crypto::cose::sign1(encodeMessage(message), {key, crypto::cose::kES256, withKid}).value();
    }
    static Message tamMessage(const QByteArray &bytes, qint64 *alg = nullptr, bool *multi = nullptr)
    {
        const auto value = cbor::decodeStrict(bytes);
        const auto object = value ? crypto::cose::parse(value.value()) : Result<crypto::cose::SignedObject>(value.error());
        if (!object)
            qFatal("not a COSE message from the TAM: %s", qPrintable(object.error().toString()));
        if (alg)
            *alg = object.value().multiSigner ? 0 : object.value().body.alg;
        if (multi)
            *multi = object.value().multiSigner;
        const auto decoded = decodeMessageBytes(object.value().payload);
        if (!decoded)
            qFatal("not a TEEP message from the TAM: %s", qPrintable(decoded.error().toString()));
        return decoded.value().message;
    }

    std::unique_ptr<test::TamFixture> m_tam;
};

void TestDeployedAgents::init()
{
    m_tam = std::make_unique<test::TamFixture>();
    const Status ready = m_tam->setUp();
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
}

void TestDeployedAgents::cleanup()
{
    m_tam.reset();
}

crypto::Key TestDeployedAgents::registerDeployed(const QString &name, const QString &group)
{
    const auto identity = sim::deviceTeepIdentity(m_tam->material, name, m_tam->dir->path(QStringLiteral("state")), false);
    if (!identity)
        qFatal("%s", qPrintable(identity.error().toString()));
    // What teep-devsim --write-csv lists and `teepctl devices import` reads: the public key file.
    const auto key = crypto::Key::fromPublicKey(test::readAll(m_tam->dir->path(QStringLiteral("state/%1/teep/agent.pub.pem").arg(name))));
    if (!key)
        qFatal("%s", qPrintable(key.error().toString()));
    const Status registered = fleet().registerAgents({tam::AgentRegistration{name, key.value(), group, QStringLiteral("compatible")}});
    if (!registered)
        qFatal("%s", qPrintable(registered.error().toString()));
    return identity.value().agentKey; // the device's own (private) key, to sign as it would
}

void TestDeployedAgents::installUpdateDeleteByUri()
{
    QVERIFY(settings().setSuites(tam::TeepSuites::Legacy).ok());
    QVERIFY(settings().setPolicy({}, tam::AttestationPolicy::RegisteredKey).ok());
    const QStringList names = {QStringLiteral("line-0001"), QStringLiteral("line-0002")};
    for (const QString &name : names)
        registerDeployed(name, QStringLiteral("line-7"));
    // A third TA, so that not every manifest fits in one Update.
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    const auto spKey = crypto::readPrivateKeyPem(test::readAll(m_tam->dir->path(QStringLiteral("demo/sp-acme.key.pem"))), {});
    const auto spCertificate = crypto::parseCertificates(test::readAll(m_tam->dir->path(QStringLiteral("demo/sp-acme.pem"))));
    QVERIFY(spKey.ok() && spCertificate.ok());
    const auto published = tam::publishTa(catalog, QStringLiteral("acme"), {QStringLiteral("acme-maps"), QStringLiteral("Maps"), 1, QByteArray(3000, 'n')},
                                          spKey.value(), spCertificate.value().first());
    QVERIFY2(published.ok(), qPrintable(published.ok() ? QString() : published.error().toString()));
    QVERIFY(catalog.assign(QStringLiteral("acme-maps"), tam::TargetKind::All, {}, std::nullopt, false).ok());

    // Install: the TAs (2.4 to 3 KB) are too large for a 1 KB buffer integrated; by URI they fit,
    // two per round, and the agents fetch and check the code.
    for (const sim::DeviceOutcome &outcome : runDeployed(names)) {
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
        QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-maps v1"), QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    }
    // Two rounds in each session: QueryRequest, QueryResponse, Update, Success, twice.
    QCOMPARE(scalar(QStringLiteral("SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM session_messages GROUP BY session_id) AS per_session")).toInt(), 8);
    QCOMPARE(scalar(QStringLiteral("SELECT MAX(LENGTH(body)) <= 1024 FROM session_messages WHERE direction = 'to-device'")).toInt(), 1);
    QVERIFY(scalar(QStringLiteral("SELECT MAX(LENGTH(manifest)) FROM ta_versions")).toInt() > 1024); // integrated would not have fitted
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 2); // none learned besides the registered ones
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results WHERE tier = 'identified'")).toInt(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results WHERE tier <> 'identified'")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 6);
    QVERIFY(scalar(QStringLiteral("SELECT checks_json FROM attestation_results LIMIT 1")).toString().contains(QStringLiteral("no kid: found by its signature")));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'attestation.verified' AND detail_json LIKE '%registered-key (default)%'")).toInt(), 2);
    QVERIFY(scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'line-0001'")).toString().startsWith(QStringLiteral("completed: ")));
    // Each session: the QueryRequest asked for no evidence and offered ES256 alone; every round's
    // Update was signed with ES256 as a COSE_Sign1.
    qint64 alg = 0;
    const auto firstRequest = tamMessage(scalar(QStringLiteral("SELECT body FROM session_messages WHERE direction = 'to-device' ORDER BY id LIMIT 1")).toByteArray(), &alg);
    QCOMPARE(alg, crypto::cose::kES256);
    QCOMPARE(std::get<QueryRequest>(firstRequest).dataItemRequested & dataitem::Attestation, 0u);
    QCOMPARE(std::get<QueryRequest>(firstRequest).cipherSuites, (QList<CipherSuite>{{{18, crypto::cose::kES256}}}));

    // Update: a new version (published before payloads by URI: its small integrated manifest fits).
    QVERIFY(m_tam->addVersion(QStringLiteral("acme"), QStringLiteral("acme-wallet"), 3).ok());
    // Delete: globex-drm and acme-maps no longer assigned.
    for (const tam::Assignment &assignment : catalog.assignments().value()) {
        if (assignment.taid == QLatin1String("globex-drm") || assignment.taid == QLatin1String("acme-maps"))
            QVERIFY(catalog.unassign(assignment.id).ok());
    }
    for (const sim::DeviceOutcome &outcome : runDeployed(names)) {
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
        QCOMPARE(outcome.installed, QStringList{QStringLiteral("acme-wallet v3")});
    }
    QCOMPARE(scalar(QStringLiteral("SELECT MAX(LENGTH(body)) <= 1024 FROM session_messages WHERE direction = 'to-device'")).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 2);
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("acme-wallet v3 installed")) && outcome.contains(QStringLiteral("globex-drm removed")), qPrintable(outcome));
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
    QCOMPARE(m_tam->service->openSessions(), 0);
}

void TestDeployedAgents::payloadsServedByDigestOnly()
{
    const QByteArray manifest = scalar(QStringLiteral("SELECT manifest_by_uri FROM ta_versions ORDER BY id LIMIT 1")).toByteArray();
    const QString digest = scalar(QStringLiteral("SELECT binary_sha256 FROM ta_versions ORDER BY id LIMIT 1")).toString();
    QVERIFY(!manifest.isEmpty());
    auto get = [&](const QString &path, int *status) -> QByteArray {
        QNetworkReply *reply = m_tam->network.get(QNetworkRequest(QUrl(m_tam->uri).resolved(QUrl(path))));
        QDeadlineTimer deadline(10000);
        while (!reply->isFinished() && !deadline.hasExpired())
            QTest::qWait(10);
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        return reply->readAll();
    };
    int status = 0;
    const QByteArray code = get(tam::payloadUri(digest), &status);
    QCOMPARE(status, 200);
    QCOMPARE(QString::fromLatin1(crypto::sha256(code).toHex()), digest);
    get(tam::payloadUri(QString(64, QLatin1Char('0'))), &status); // no TA has this code
    QCOMPARE(status, 404);
    get(QStringLiteral("/tam/payloads/sha256-..%2F..%2Ftam.db"), &status);
    QCOMPARE(status, 404);
    get(QStringLiteral("/tam"), &status); // the TAM URI itself still takes only POST
    QCOMPARE(status, 405);

    // What a load balancer asks: 200 while the TAM can take devices, 503 with why when it cannot.
    QCOMPARE(get(QStringLiteral("/tam/health"), &status), QByteArray("ok\n"));
    QCOMPARE(status, 200);
    QVERIFY(m_tam->service->lock().ok());
    const QByteArray locked = get(QStringLiteral("/tam/health"), &status);
    QCOMPARE(status, 503);
    QVERIFY2(locked.contains("key store is locked"), locked.constData());
    m_tam->service->unlock();
    get(QStringLiteral("/tam/health"), &status);
    QCOMPARE(status, 200);
}

void TestDeployedAgents::unknownOrWrongKeyIsRefused()
{
    QVERIFY(settings().setSuites(tam::TeepSuites::Legacy).ok());
    QVERIFY(settings().setPolicy({}, tam::AttestationPolicy::RegisteredKey).ok());
    // Not registered: no kid, no evidence, no key to find it by.
    sim::DeviceOutcome outcome = runDeployed({QStringLiteral("stranger")}).first();
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.detail.contains(QStringLiteral("HTTP 400")) && outcome.detail.contains(QStringLiteral("unknown agent")), qPrintable(outcome.detail));
    // The session waits for a validly signed answer until it expires, and then says why.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 1);
    sweepIdleSessions();
    QString why = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(why.contains(QStringLiteral("teepctl devices add NAME --agent-key FILE")), qPrintable(why));

    // Registered under another key (a wrong line in the factory list): still refused, and the
    // device it was registered as is not touched.
    const auto other = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    QVERIFY(fleet().registerAgent(QStringLiteral("stranger"), crypto::Key::fromPublicKey(other.publicKeyDer()).value(), {}, QStringLiteral("compatible")).ok());
    outcome = runDeployed({QStringLiteral("stranger")}).first();
    QVERIFY(!outcome.ok);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations")).toInt(), 0);
    QVERIFY(scalar(QStringLiteral("SELECT last_contact_at FROM devices WHERE name = 'stranger'")).isNull());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'completed'")).toInt(), 0);
}

void TestDeployedAgents::suitesDecideWhoCanTalk()
{
    QVERIFY(settings().setPolicy({}, tam::AttestationPolicy::RegisteredKey).ok());
    registerDeployed(QStringLiteral("kiosk"));
    // Modern only (the default): the agent cannot verify ESP256 and says what it knows; the TAM
    // cannot meet it and says how the operator can.
    sim::DeviceOutcome outcome = runDeployed({QStringLiteral("kiosk")}).first();
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.detail.contains(QStringLiteral("ERR_UNSUPPORTED_CIPHER_SUITES")), qPrintable(outcome.detail));
    const QString why = scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'kiosk'")).toString();
    QVERIFY2(why.startsWith(QStringLiteral("failed: the agent supports ES256 (-7) only")) && why.contains(QStringLiteral("teepctl tam suites legacy|both")),
             qPrintable(why));
    QVERIFY(!scalar(QStringLiteral("SELECT last_contact_at FROM devices WHERE name = 'kiosk'")).isNull()); // its Error verified: it called
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations")).toInt(), 0);

    // Both: one COSE_Sign with an ESP256 and an ES256 signature; the agent verifies the latter.
    QVERIFY(settings().setSuites(tam::TeepSuites::Both).ok());
    outcome = runDeployed({QStringLiteral("kiosk")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QCOMPARE(outcome.installed.size(), 2);
    bool multi = false;
    tamMessage(scalar(QStringLiteral("SELECT body FROM session_messages WHERE direction = 'to-device' AND session_id = (SELECT MAX(id) FROM sessions) "
                                     "ORDER BY seq LIMIT 1"))
                   .toByteArray(),
               nullptr, &multi);
    QVERIFY(multi);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'teep.suites-set'")).toInt(), 1);
}

void TestDeployedAgents::attestationPolicyPerGroup()
{
    QVERIFY(settings().setSuites(tam::TeepSuites::Legacy).ok());
    // The default asks for evidence; the kiosks group lets a registered key do.
    QVERIFY(settings().setPolicy(QStringLiteral("kiosks"), tam::AttestationPolicy::RegisteredKey).ok());
    registerDeployed(QStringLiteral("kiosk-1"), QStringLiteral("kiosks"));
    registerDeployed(QStringLiteral("till-1"));

    // The kiosk refuses the attestation the first QueryRequest asks for; the TAM verifies that
    // Error (no kid: by its registered key), finds the group's policy and asks again without.
    sim::DeviceOutcome outcome = runDeployed({QStringLiteral("kiosk-1")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QCOMPARE(outcome.installed.size(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("identified"));
    const QString kioskSession = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(kioskSession.contains(QStringLiteral("its policy (group kiosks: registered key is enough")), qPrintable(kioskSession));
    QVERIFY(scalar(QStringLiteral("SELECT checks_json FROM attestation_results ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("group kiosks")));

    // The till (no group: the default) must attest and cannot: refused, told why, contact kept.
    outcome = runDeployed({QStringLiteral("till-1")}).first();
    QVERIFY(!outcome.ok);
    QVERIFY(outcome.installed.isEmpty());
    const QString why = scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'till-1'")).toString();
    QVERIFY2(why.contains(QStringLiteral("attestation is not supported")) && why.contains(QStringLiteral("registered-key would serve it")), qPrintable(why));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results a JOIN tees t ON t.id = a.tee_id JOIN devices d ON d.id = t.device_id "
                                   "WHERE d.name = 'till-1'")).toInt(), 0);

    // An attesting (standard, ESP256) agent is asked for evidence by the default, and is affirmed.
    QVERIFY(settings().setSuites(tam::TeepSuites::Both).ok());
    const sim::DeviceOutcome attested = m_tam->runDevices({QStringLiteral("phone-1")}, sim::SimProfile::Teep).first();
    QVERIFY2(attested.ok, qPrintable(attested.detail));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("affirming"));
}

void TestDeployedAgents::forgedErrorChangesNothing()
{
    const crypto::Key agent = registerDeployed(QStringLiteral("kiosk"));
    QVERIFY(settings().setSuites(tam::TeepSuites::Legacy).ok());
    const auto first = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
    QVERIFY(first.ok());
    const QueryRequest request = std::get<QueryRequest>(tamMessage(first.value()));
    // Besides the session's own closing record, nothing may be audited (nothing happened to a device).
    const QString audited = QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action <> 'session.closed'");
    const qint64 auditedBefore = scalar(audited).toLongLong();

    // An Error with the right token, signed by a key no device has (no kid, as deployed agents).
    ErrorMessage error;
    error.token = request.token;
    error.errCode = quint64(ErrorCode::PermanentError);
    error.errMsg = QStringLiteral("forged");
    const auto forger = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const auto answer = m_tam->service->process(transport::Profile::Teep, agentMessage(error, forger), QStringLiteral("127.0.0.1"));
    QVERIFY(answer.ok());
    QVERIFY(!answer.value()); // the session is over (204)
    QVERIFY(m_tam->service->makeDurable().ok());
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("unauthenticated Error")), qPrintable(outcome));
    QVERIFY(scalar(QStringLiteral("SELECT device_id FROM sessions ORDER BY id DESC LIMIT 1")).isNull());
    QVERIFY(scalar(QStringLiteral("SELECT last_contact_at FROM devices WHERE name = 'kiosk'")).isNull());
    QVERIFY(scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'kiosk'")).isNull());
    QCOMPARE(scalar(audited).toLongLong(), auditedBefore);

    // The same Error signed by the registered key is the device's: its contact is recorded.
    const auto second = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
    error.token = std::get<QueryRequest>(tamMessage(second.value())).token;
    error.errMsg = QStringLiteral("storage full");
    QVERIFY(m_tam->service->process(transport::Profile::Teep, agentMessage(error, agent), QStringLiteral("127.0.0.1")).ok());
    QVERIFY(m_tam->service->makeDurable().ok());
    const QString recorded = scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'kiosk'")).toString();
    QVERIFY2(recorded.contains(QStringLiteral("ERR_PERMANENT_ERROR \"storage full\"")), qPrintable(recorded));
}

void TestDeployedAgents::tokenSpentAfterItsAnswer()
{
    const auto [agent, response] = startKioskSession();
    // A forged answer (right token, a key no device has) is refused and spends nothing; sent
    // again and again, it is logged only the first few times.
    const QByteArray forgedAnswer = agentMessage(response, crypto::Key::generate(crypto::KeyAlgorithm::P256).value());
    for (int i = 0; i < 10; ++i) {
        const auto forged = m_tam->service->process(transport::Profile::Teep, forgedAnswer, QStringLiteral("127.0.0.1"));
        QVERIFY(!forged.ok());
        QVERIFY2(forged.error().message.contains(QStringLiteral("nothing recorded")), qPrintable(forged.error().message));
    }
    QVERIFY(m_tam->service->makeDurable().ok());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages WHERE direction = 'from-device'")).toInt(), 4);
    const QByteArray signedResponse = agentMessage(response, agent);
    const auto update = m_tam->service->process(transport::Profile::Teep, signedResponse, QStringLiteral("127.0.0.1"));
    QVERIFY2(update.ok() && update.value(), qPrintable(update.ok() ? QString() : update.error().toString()));
    QVERIFY(std::holds_alternative<Update>(tamMessage(*update.value())));
    QVERIFY(m_tam->service->makeDurable().ok());
    const qint64 rows = scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM session_messages) + (SELECT COUNT(*) FROM attestation_results) + "
                                              "(SELECT COUNT(*) FROM audit_log)")).toLongLong();
    // The same QueryResponse again: its token was spent by its first, validly signed, answer.
    const auto replayed = m_tam->service->process(transport::Profile::Teep, signedResponse, QStringLiteral("127.0.0.1"));
    QVERIFY(!replayed.ok());
    QCOMPARE(replayed.error().code, QStringLiteral("tam.bad-message"));
    QVERIFY2(replayed.error().message.contains(QStringLiteral("unsolicited QueryResponse")) && replayed.error().message.contains(QStringLiteral("answered already")),
             qPrintable(replayed.error().message));
    QVERIFY(m_tam->service->makeDurable().ok());
    QCOMPARE(scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM session_messages) + (SELECT COUNT(*) FROM attestation_results) + "
                                   "(SELECT COUNT(*) FROM audit_log)")).toLongLong(), rows);
}

void TestDeployedAgents::suitReportsAreRecorded()
{
    const auto [agent, response] = startKioskSession();
    const auto update = m_tam->service->process(transport::Profile::Teep, agentMessage(response, agent), QStringLiteral("127.0.0.1"));
    QVERIFY(update.ok() && update.value());
    // The agent's Success carries a SUIT report (draft-ietf-suit-report: nonce, records, result).
    Success success;
    success.token = std::get<Update>(tamMessage(*update.value())).token;
    success.suitReports = {QCborValue(QCborMap{{2, QByteArray("nonce-01")}, {3, QCborArray{}}, {4, true}}).toCbor()};
    const auto done = m_tam->service->process(transport::Profile::Teep, agentMessage(success, agent), QStringLiteral("127.0.0.1"));
    QVERIFY(done.ok());
    QVERIFY(m_tam->service->makeDurable().ok());
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("1 SUIT report(s): { 2: h'6e6f6e63652d3031', 3: [], 4: true }")), qPrintable(outcome));
}

void TestDeployedAgents::expiredRequestIsRefused()
{
    // The fixture's sessions end after 2 s without a message: the request's token with them.
    const auto [agent, response] = startKioskSession();
    QTest::qWait(2300);
    const auto late = m_tam->service->process(transport::Profile::Teep, agentMessage(response, agent), QStringLiteral("127.0.0.1"));
    QVERIFY(!late.ok());
    QVERIFY2(late.error().message.contains(QStringLiteral("expired")), qPrintable(late.error().message));
    QVERIFY(m_tam->service->makeDurable().ok());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results")).toInt(), 0);
    QVERIFY(scalar(QStringLiteral("SELECT last_contact_at FROM devices WHERE name = 'kiosk'")).isNull());
    // The device never answered within the session: nothing of it is kept (a flood of empty
    // POSTs costs no rows).
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages")).toInt(), 0);
}

void TestDeployedAgents::overlongChallengeIsRefused()
{
    const crypto::Key agent = registerDeployed(QStringLiteral("kiosk"));
    const auto first = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
    const QueryRequest request = std::get<QueryRequest>(tamMessage(first.value()));
    QCOMPARE(request.challenge.size(), 32); // the default policy asks for evidence, with a challenge
    ErrorMessage error;
    error.token = request.token;
    error.errCode = quint64(ErrorCode::UnsupportedFreshnessMechanisms);
    error.challenge = QByteArray(65, 'c'); // RFC 9711: 8 to 64 bytes
    const auto refused = m_tam->service->process(transport::Profile::Teep, agentMessage(error, agent), QStringLiteral("127.0.0.1"));
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(QStringLiteral("challenge")), qPrintable(refused.error().message));
    QVERIFY(m_tam->service->makeDurable().ok());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM session_messages WHERE direction = 'from-device'")).toInt(), 0);
    // Still waiting for its answer, without a row: the device has not said anything readable yet.
    QCOMPARE(m_tam->service->openSessions(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions")).toInt(), 0);
    // 64 bytes is within bounds (and decoded), and a QueryRequest with 65 is refused by an agent.
    error.challenge = QByteArray(64, 'c');
    QVERIFY(decodeMessageBytes(encodeMessage(error)).ok());
    QueryRequest tooLong = request;
    tooLong.challenge = QByteArray(65, 'c');
    QVERIFY(!decodeMessageBytes(encodeMessage(tooLong)).ok());
}

void TestDeployedAgents::unsupportedSuitesGetAQueryRequestTheAgentCanVerify()
{
    const crypto::Key agent = registerDeployed(QStringLiteral("kiosk"));
    QVERIFY(settings().setSuites(tam::TeepSuites::Both).ok());
    const auto first = m_tam->service->start(transport::Profile::Teep, QStringLiteral("127.0.0.1"));
    bool multi = false;
    const QueryRequest request = std::get<QueryRequest>(tamMessage(first.value(), nullptr, &multi));
    QVERIFY(multi); // a COSE_Sign: one ESP256 and one ES256 signature
    QCOMPARE(request.cipherSuites, (QList<CipherSuite>{{{18, crypto::cose::kESP256}}, {{18, crypto::cose::kES256}}}));
    // An agent that cannot read a COSE_Sign says it knows ES256 in a COSE_Sign1 ...
    ErrorMessage error;
    error.token = request.token;
    error.errCode = quint64(ErrorCode::UnsupportedCipherSuites);
    error.cipherSuites = {{{18, crypto::cose::kES256}}};
    const auto again = m_tam->service->process(transport::Profile::Teep, agentMessage(error, agent), QStringLiteral("127.0.0.1"));
    QVERIFY2(again.ok() && again.value(), qPrintable(again.ok() ? QStringLiteral("204") : again.error().toString()));
    // ... and is asked again in the same session with exactly that, under a fresh token.
    qint64 alg = 0;
    const QueryRequest second = std::get<QueryRequest>(tamMessage(*again.value(), &alg, &multi));
    QVERIFY(!multi);
    QCOMPARE(alg, crypto::cose::kES256);
    QCOMPARE(second.cipherSuites, (QList<CipherSuite>{{{18, crypto::cose::kES256}}}));
    QVERIFY(second.token != request.token);
    QVERIFY(crypto::cose::verify(crypto::cose::parse(cbor::decodeStrict(*again.value()).value()).value(), m_tam->material.tamCertificate.publicKey(),
                                 crypto::cose::AlgorithmPolicy{{crypto::cose::kES256}})
                .ok());
    QVERIFY(m_tam->service->makeDurable().ok());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 1);
}

QTEST_GUILESS_MAIN(TestDeployedAgents)
#include "tst_deployed_agents.moc"
