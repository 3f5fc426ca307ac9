// The TEEP profile end to end over real HTTP on 127.0.0.1 with a real SQLite file: simulated TEEP
// agents are attested (EAT with the attestation certificate in x5chain, nonce = the TAM's
// challenge, cnf = the agent key), learned, and given the SUIT manifests of their assignments;
// updates, removals, refused rollbacks and each fault behave as they must.
#include "crypto/certbuilder.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "tam/catalog.h"
#include "tam/deviceregistry.h"
#include "tam/installations.h"
#include "tam/fleetqueries.h"
#include "tam/corimreferences.h"
#include "tam/referenceappraisal.h"
#include "tam/referencevalues.h"
#include "store/trustanchors.h"
#include "tam/teepsettings.h"
#include "tam/sgxcollateralstore.h"
#include "sim/simsgx.h"
#include "cbor/strictcbor.h"
#include <QCborArray>
#include <QCborMap>
#include "tamfixture.h"

#include <QSslKey>
#include <QTest>

using namespace teep;

class TestTeepEndToEnd : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void attestsInstallsUpdatesRemoves();
    void rollbackNeedsPermission();
    void registeredOnlyRefusesStrangers();
    void claimsAgainstReferenceValues();
    void aForgedSignatureIsCountedOnTheClaimedDevice();
    void faults_data();
    void faults();
    void overHttps();
    void compatibilityProfilePerDevice();
    void evidenceFormatsAreTheOperators();
    void anUnsavedInstallationFailsTheSession();
    void aRefusedTaDoesNotHoldBackTheOthers();
    void aTaRemovedFromOneDeviceStaysOffIt();
    void passportModel();
    void sgxQuotes();

private:
    QList<sim::DeviceOutcome> run(const QStringList &names, const sim::SimFaults &faults = {})
    {
        return m_tam->runDevices(names, sim::SimProfile::Teep, faults);
    }
    QVariant scalar(const QString &sql) { return m_tam->scalar(sql); }

    std::unique_ptr<test::TamFixture> m_tam;
};

void TestTeepEndToEnd::init()
{
    m_tam = std::make_unique<test::TamFixture>();
    const Status ready = m_tam->setUp();
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
}

void TestTeepEndToEnd::cleanup()
{
    m_tam.reset();
}

void TestTeepEndToEnd::attestsInstallsUpdatesRemoves()
{
    const QStringList names = {QStringLiteral("agent-1"), QStringLiteral("agent-2")};
    for (const sim::DeviceOutcome &outcome : run(names)) {
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
        QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
        QCOMPARE(outcome.exchanges, 3); // connect, QueryResponse, Success
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices WHERE identity_source = 'attested' AND agent_key_id IS NOT NULL")).toInt(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tees WHERE protocol = 'teep' AND tee_cert_der IS NOT NULL")).toInt(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results WHERE tier = 'affirming'")).toInt(), 2);
    // Each device's result, read back typed: every check the TAM made, each passed.
    const auto results = tam::FleetQueries(m_tam->db->connection()).latestAttestations();
    QVERIFY(results.ok());
    QCOMPARE(results.value().size(), 2);
    for (const tam::AttestationRecord &result : results.value()) {
        QStringList made;
        for (const attestation::Check &check : result.checks) {
            made << check.name;
            QVERIFY2(check.outcome == attestation::Outcome::Pass, qPrintable(check.name + QStringLiteral(": ") + check.detail));
        }
        for (const char *name : {"attestation certificate chain", "evidence: signature", "evidence: nonce", "evidence: cnf",
                                 "evidence: reference value oemid", "evidence: reference value hwversion", "QueryResponse signature"})
            QVERIFY2(made.contains(QLatin1String(name)), name);
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 4);

    // A profile reads only the form of a TA it sends: TEEP the manifest, OTrP the signed TA.
    const tam::Installations reader(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    const qint64 deviceId = scalar(QStringLiteral("SELECT MIN(id) FROM devices")).toLongLong();
    const QList<tam::DesiredTa> manifests = reader.desiredFor(deviceId, tam::Installations::TaForm::Manifest).value();
    const QList<tam::DesiredTa> signedTas = reader.desiredFor(deviceId, tam::Installations::TaForm::SignedTa).value();
    QCOMPARE(manifests.size(), 2);
    QCOMPARE(signedTas.size(), 2);
    for (qsizetype i = 0; i < manifests.size(); ++i) {
        QCOMPARE(manifests.at(i).taid, signedTas.at(i).taid);
        QCOMPARE(manifests.at(i).sequence, signedTas.at(i).sequence);
        QVERIFY(!manifests.at(i).manifest.isEmpty() && manifests.at(i).signedTa.isEmpty());
        QVERIFY(!signedTas.at(i).signedTa.isEmpty() && signedTas.at(i).manifest.isEmpty());
    }

    // Again: the same agents (kept keys) are recognised by their key; nothing to send.
    for (const sim::DeviceOutcome &outcome : run(names))
        QCOMPARE(outcome.exchanges, 2);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 2);

    // A new version, and globex-drm unassigned: one Update carries the manifest and the removal.
    QVERIFY(m_tam->addVersion(QStringLiteral("acme"), QStringLiteral("acme-wallet"), 3).ok());
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    for (const tam::Assignment &assignment : catalog.assignments().value()) {
        if (assignment.taid == QLatin1String("globex-drm"))
            QVERIFY(catalog.unassign(assignment.id).ok());
    }
    for (const sim::DeviceOutcome &outcome : run(names)) {
        QVERIFY2(outcome.ok, qPrintable(outcome.detail));
        QCOMPARE(outcome.installed, QStringList{QStringLiteral("acme-wallet v3")});
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations WHERE state = 'installed'")).toInt(), 2);
    QVERIFY(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("globex-drm removed")));
    const auto fleet = tam::FleetQueries(m_tam->db->connection()).devices().value();
    QCOMPARE(fleet.first().tees.first().sds.first().second, QStringList{QStringLiteral("acme-wallet v3")});
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
    QCOMPARE(m_tam->service->openSessions(), 0);
}

void TestTeepEndToEnd::rollbackNeedsPermission()
{
    QVERIFY(run({QStringLiteral("agent")}).first().ok);
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(catalog.assign(QStringLiteral("acme-wallet"), tam::TargetKind::Device, QStringLiteral("agent"), 1, false).ok());
    QVERIFY(run({QStringLiteral("agent")}).first().installed.contains(QStringLiteral("acme-wallet v2")));
    QVERIFY(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("rollback is not allowed")));
    QVERIFY(catalog.assign(QStringLiteral("acme-wallet"), tam::TargetKind::Device, QStringLiteral("agent"), 1, true).ok());
    const sim::DeviceOutcome outcome = run({QStringLiteral("agent")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QVERIFY(outcome.installed.contains(QStringLiteral("acme-wallet v1")));
}

void TestTeepEndToEnd::passportModel()
{
    // A verifier the operator trusts (its bare key in the verifier-key store), and the passport policy.
    const crypto::Key verifier = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    QVERIFY(store::TrustAnchors(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"))
                .importPublicKey(crypto::TrustStore::VerifierKey, verifier.publicKeyPem(), QStringLiteral("line verifier"))
                .ok());
    tam::TeepSettings settings(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(settings.setPolicy(QString(), tam::AttestationPolicy::Passport).ok());
    sim::SimFaults passport;
    passport.passportVerifier = verifier;

    // An EAR names no agent key: a device not registered is refused, nothing recorded.
    QVERIFY(run({QStringLiteral("walk-in")}, passport).first().installed.isEmpty());
    QVERIFY2(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("register the device first")),
             qPrintable(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString()));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);

    // Registered: its verifier's affirming result admits it, and the result's vector is kept.
    const auto agentKey = crypto::readPrivateKeyPem(test::readAll(m_tam->dir->path(QStringLiteral("state/walk-in/teep/agent.key.pem"))), {});
    QVERIFY(agentKey.ok());
    tam::DeviceRegistry fleet(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(fleet.registerAgent(QStringLiteral("walk-in"), crypto::Key::fromPublicKey(agentKey.value().publicKeyDer()).value(), {}).ok());
    const sim::DeviceOutcome admitted = run({QStringLiteral("walk-in")}, passport).first();
    QVERIFY2(admitted.ok, qPrintable(admitted.detail));
    QCOMPARE(admitted.installed.size(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("affirming"));
    const QString checks = scalar(QStringLiteral("SELECT checks_json FROM attestation_results ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(checks.contains(QStringLiteral("by the verifier key line verifier")) && checks.contains(QStringLiteral("eat_nonce equals the challenge")),
             qPrintable(checks));
    QCOMPARE(tam::decodeTrustVector(scalar(QStringLiteral("SELECT trust_vector FROM attestation_results ORDER BY id DESC LIMIT 1")).toString())["executables"].value,
             attestation::trust::Affirmed);

    // The verifier found its firmware tampered: contraindicated, recorded on the device.
    passport.tamperedFirmware = true;
    const QString lastOutcome = QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1");
    run({QStringLiteral("walk-in")}, passport);
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("contraindicated"));
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("status tee: the verifier says contraindicated")), qPrintable(scalar(lastOutcome).toString()));

    // A result from a verifier nobody trusts, and evidence where a result is required: refused.
    passport.tamperedFirmware = false;
    passport.passportVerifier = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    run({QStringLiteral("walk-in")}, passport);
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("attestation result: signature")), qPrintable(scalar(lastOutcome).toString()));
    run({QStringLiteral("walk-in")});
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("is not an attestation result (EAR)")), qPrintable(scalar(lastOutcome).toString()));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results WHERE tier = 'contraindicated'")).toInt(), 3);
}

void TestTeepEndToEnd::sgxQuotes()
{
    // An SGX-based agent (its key bound by a DCAP quote's report data) on a platform whose root the
    // operator trusts, once the operator lists the format.
    const auto platform = sim::SimSgxPlatform::create();
    QVERIFY(platform.ok());
    sim::SimFaults sgx;
    sgx.sgxPlatform = platform.value();
    const QString lastOutcome = QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1");
    // The demo lists the format (for its own simulated platform); an operator may not.
    tam::TeepSettings settings(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(settings.evidenceFormats().value().contains(QString::fromLatin1(attestation::sgx::kBundleFormat)));
    QVERIFY(settings.setEvidenceFormats(tam::TeepSettings::defaultEvidenceFormats()).ok());
    QVERIFY(run({QStringLiteral("enclave")}, sgx).first().installed.isEmpty());
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("application/sgx-quote3-teep-bundle is not a format this TAM appraises")),
             qPrintable(scalar(lastOutcome).toString()));
    QVERIFY(settings.setEvidenceFormats(settings.evidenceFormats().value() << QString::fromLatin1(attestation::sgx::kBundleFormat)).ok());

    // The platform's root not trusted: refused, nothing recorded.
    QVERIFY(run({QStringLiteral("enclave")}, sgx).first().installed.isEmpty());
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("PCK certificate chain")), qPrintable(scalar(lastOutcome).toString()));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);

    // Trusted, without Intel's collateral (the demo's, which rates every platform of the family,
    // removed): learned from its quote, served, at most a warning.
    tam::SgxCollateralStore collateral(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    for (const tam::SgxCollateralRow &row : collateral.rows().value())
        QVERIFY(collateral.remove(row.id).ok());
    QVERIFY(store::TrustAnchors(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"))
                .importCertificates(crypto::TrustStore::TeeRoot, platform.value()->root().pem())
                .ok());
    const sim::DeviceOutcome learned = run({QStringLiteral("enclave")}, sgx).first();
    QVERIFY2(learned.ok, qPrintable(learned.detail));
    QCOMPARE(learned.installed.size(), 2);
    QVERIFY2(scalar(QStringLiteral("SELECT name FROM devices")).toString().startsWith(QStringLiteral("SGX ")), qPrintable(scalar(QStringLiteral("SELECT name FROM devices")).toString()));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("warning"));
    const QString checks = scalar(QStringLiteral("SELECT checks_json FROM attestation_results ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(checks.contains(QStringLiteral("the report data binds this session's challenge")) && checks.contains(QStringLiteral("TCB status unknown")) == false &&
                 checks.contains(QStringLiteral("no TCB info for FMSPC")),
             qPrintable(checks));

    // With the platform's collateral and its enclave's reference values: affirming. Then Intel
    // revokes the platform's TCB: contraindicated, nothing installed.
    QVERIFY(tam::SgxCollateralStore(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test")).importFiles(platform.value()->collateral().value()).ok());
    // (The demo imported the simulated enclave's CoRIM: sim-enclave.corim.)
    QVERIFY(run({QStringLiteral("enclave")}, sgx).first().ok);
    QVERIFY2(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString() == QStringLiteral("affirming"),
             qPrintable(scalar(QStringLiteral("SELECT checks_json FROM attestation_results ORDER BY id DESC LIMIT 1")).toString()));
    QCOMPARE(tam::decodeTrustVector(scalar(QStringLiteral("SELECT trust_vector FROM attestation_results ORDER BY id DESC LIMIT 1")).toString())["hardware"].value,
             attestation::trust::Affirmed);
    QVERIFY(tam::SgxCollateralStore(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"))
                .importFiles(platform.value()->collateral(QStringLiteral("Revoked")).value())
                .ok());
    run({QStringLiteral("enclave")}, sgx);
    QCOMPARE(scalar(QStringLiteral("SELECT state FROM sessions ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("failed"));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("contraindicated"));
    QVERIFY2(scalar(lastOutcome).toString().contains(QStringLiteral("platform TCB")), qPrintable(scalar(lastOutcome).toString()));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 1);
}

void TestTeepEndToEnd::registeredOnlyRefusesStrangers()
{
    QVERIFY(tam::DeviceRegistry(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test")).setAdmission(tam::Admission::RegisteredOnly).ok());
    const sim::DeviceOutcome outcome = run({QStringLiteral("stranger")}).first();
    QVERIFY(outcome.installed.isEmpty());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
    QVERIFY(scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString().contains(QStringLiteral("not registered")));

    // Registered by its agent key (from the factory), into a group: accepted, attested, provisioned.
    const auto agentKey = crypto::readPrivateKeyPem(test::readAll(m_tam->dir->path(QStringLiteral("state/stranger/teep/agent.key.pem"))), {});
    QVERIFY(agentKey.ok());
    tam::DeviceRegistry fleet(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(fleet.registerAgent(QStringLiteral("line-7 unit 9"), crypto::Key::fromPublicKey(agentKey.value().publicKeyDer()).value(), QStringLiteral("line-7")).ok());
    const sim::DeviceOutcome admitted = run({QStringLiteral("stranger")}).first();
    QVERIFY2(admitted.ok, qPrintable(admitted.detail));
    QCOMPARE(admitted.installed.size(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT name FROM devices")).toString(), QStringLiteral("line-7 unit 9"));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("affirming"));
    QVERIFY(!fleet.registerAgent(QStringLiteral("again"), crypto::Key::fromPublicKey(agentKey.value().publicKeyDer()).value(), {}).ok());
}

void TestTeepEndToEnd::claimsAgainstReferenceValues()
{
    tam::ReferenceValues references(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    // The operator expects hardware version 2.0 of this model: the device claims 1.0.
    QVERIFY(references.set(QStringLiteral("teep-console-sim"), QStringLiteral("hwversion"), QStringLiteral("2.0")).ok());
    QVERIFY(run({QStringLiteral("old-board")}).first().installed.isEmpty());
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("reference value hwversion: 1.0, but model teep-console-sim should have 2.0")), qPrintable(outcome));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);

    // The typed values gone, the firmware's CoRIM (the demo imports it) still speaks: every
    // measured component matches, and the result keeps its trust vector.
    QVERIFY(references.remove(QStringLiteral("teep-console-sim")).ok());
    QVERIFY(run({QStringLiteral("old-board")}).first().ok);
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("affirming"));
    const attestation::TrustVector vector =
        tam::decodeTrustVector(scalar(QStringLiteral("SELECT trust_vector FROM attestation_results ORDER BY id DESC LIMIT 1")).toString());
    QCOMPARE(vector["executables"].value, attestation::trust::Affirmed);
    QCOMPARE(vector["hardware"].value, attestation::trust::Affirmed);
    QVERIFY2(vector["executables"].detail.contains(QStringLiteral("all 2 component(s)")), qPrintable(vector["executables"].detail));

    // A boot loader that measures otherwise: contraindicated, the component named, nothing installed.
    sim::SimFaults tampered;
    tampered.tamperedFirmware = true;
    const sim::DeviceOutcome refused = run({QStringLiteral("patched-board")}, tampered).first();
    QVERIFY(refused.installed.isEmpty());
    const QString why = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(why.contains(QStringLiteral("component bl2: sha-256 ")) && why.contains(QStringLiteral("but the reference is")), qPrintable(why));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices WHERE name = 'patched-board'")).toInt(), 0);

    // No reference values for the model at all: a warning, and the device is still provisioned.
    tam::CorimReferences corim(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    for (const tam::CorimImport &import : corim.imports().value())
        QVERIFY(corim.remove(import.id).ok());
    const sim::DeviceOutcome warned = run({QStringLiteral("old-board")}).first();
    QCOMPARE(warned.installed.size(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("warning"));
    QVERIFY(!references.set(QStringLiteral("m"), QStringLiteral("oemid"), QStringLiteral("not hex")).ok());
    QVERIFY(!references.set(QStringLiteral("m"), QStringLiteral("ueid"), QStringLiteral("01")).ok());
}

void TestTeepEndToEnd::aForgedSignatureIsCountedOnTheClaimedDevice()
{
    // #21 finding 4: a QueryResponse under a known device's kid, signed by another key, once
    // turned the device contraindicated. Now it changes nothing but a counter the operator sees.
    QVERIFY(run({QStringLiteral("claimed")}).first().ok);
    const QString tier = QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1");
    QCOMPARE(scalar(tier).toString(), QStringLiteral("affirming"));
    const qint64 results = scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results")).toLongLong();
    sim::SimFaults forged;
    forged.badSignature = true;
    QVERIFY(!run({QStringLiteral("claimed")}, forged).first().ok);
    QVERIFY(!run({QStringLiteral("claimed")}, forged).first().ok);
    QCOMPARE(scalar(QStringLiteral("SELECT refused_signatures FROM devices WHERE name = 'claimed'")).toInt(), 2);
    QCOMPARE(scalar(QStringLiteral("SELECT last_refused_signature_peer FROM devices WHERE name = 'claimed'")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(scalar(tier).toString(), QStringLiteral("affirming"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM attestation_results")).toLongLong(), results);
    // The fleet list says so.
    const auto listed = tam::FleetQueries(m_tam->db->connection()).devices();
    QVERIFY(listed.ok() && listed.value().size() == 1);
    QCOMPARE(listed.value().first().refusedSignatures, 2);
    QVERIFY(listed.value().first().lastRefusedSignature.endsWith(QLatin1String(" from 127.0.0.1")));
}

void TestTeepEndToEnd::faults_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("tamOutcome");
    QTest::newRow("bad signature") << "bad-signature" << "QueryResponse signature";
    QTest::newRow("untrusted TEE CA") << "untrusted-tee-ca" << "attestation certificate chain";
    QTest::newRow("tampered Update") << "tampered-ta" << "ERR_PERMANENT_ERROR: the TAM's signature does not verify";
    QTest::newRow("replayed message") << "replay" << "expired after 2 s";
    QTest::newRow("disconnect mid-session") << "disconnect" << "expired after 2 s";
}

void TestTeepEndToEnd::faults()
{
    QFETCH(QString, fault);
    QFETCH(QString, tamOutcome);
    sim::SimFaults faults;
    faults.badSignature = fault == QLatin1String("bad-signature");
    faults.untrustedTeeCa = fault == QLatin1String("untrusted-tee-ca");
    faults.tamperedTa = fault == QLatin1String("tampered-ta");
    faults.replay = fault == QLatin1String("replay");
    faults.disconnectAfter = fault == QLatin1String("disconnect") ? 2 : -1;
    const sim::DeviceOutcome outcome = run({QStringLiteral("faulty")}, faults).first();
    const QString installedRows = QStringLiteral("SELECT COUNT(*) FROM installations i JOIN tees t ON t.id = i.tee_id JOIN devices d ON d.id = t.device_id "
                                                 "WHERE i.state = 'installed' AND d.name = 'faulty'");
    // The TAM records only what the agent confirmed: nothing here.
    QCOMPARE(scalar(installedRows).toInt(), 0);
    if (fault == QLatin1String("disconnect") || fault == QLatin1String("replay")) {
        // The agent did process the Update, but its Success never reached the TAM.
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.installed.size(), 2);
        QTest::qWait(2500);
        // The next session (the TAM first closes the idle one) converges: same manifests, no-op
        // on the agent, now recorded.
        const sim::DeviceOutcome again = run({QStringLiteral("faulty")}).first();
        QVERIFY2(again.ok, qPrintable(again.detail));
        QCOMPARE(scalar(installedRows).toInt(), 2);
    } else {
        QVERIFY(outcome.installed.isEmpty());
    }
    if (fault == QLatin1String("bad-signature")) {
        // A QueryResponse that does not verify does not spend the token (only a validly signed
        // answer does): the session waits for the real one until it expires, with the reason.
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 1);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);
        QTest::qWait(2300);
        QVERIFY(!m_tam->service->process(transport::Profile::Teep, "not a message", QStringLiteral("127.0.0.1")).ok()); // the TAM sweeps idle sessions
        QVERIFY(m_tam->service->makeDurable().ok());
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE state = 'open'")).toInt(), 0);
    const QString tamSide = scalar(QStringLiteral("SELECT outcome FROM sessions WHERE state = 'failed' ORDER BY id LIMIT 1")).toString();
    QVERIFY2(tamSide.contains(tamOutcome), qPrintable(tamSide));
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
}

void TestTeepEndToEnd::overHttps()
{
    // A TLS CA and the listener's certificate for localhost.
    const auto caKey = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    const auto serverKey = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    QVERIFY(caKey.ok() && serverKey.ok());
    crypto::CertificateSpec caSpec;
    caSpec.commonName = QStringLiteral("Test TLS CA");
    caSpec.profile = crypto::CertificateProfile::RootCa;
    const auto ca = crypto::issueCertificate(caSpec, caKey.value(), caKey.value());
    crypto::CertificateSpec serverSpec;
    serverSpec.commonName = QStringLiteral("localhost");
    serverSpec.profile = crypto::CertificateProfile::TlsServer;
    serverSpec.dnsNames = {QStringLiteral("localhost")};
    const auto certificate = crypto::issueCertificate(serverSpec, serverKey.value(), caKey.value(), ca.value());
    const auto keyDer = crypto::plainPrivateKey(serverKey.value());
    QVERIFY(ca.ok() && certificate.ok() && keyDer.ok());
    transport::ServerOptions options;
    options.tlsCertificate = QSslCertificate(certificate.value().pem());
    options.tlsKey = QSslKey(crypto::pemEncode(keyDer.value().bytes(), "PRIVATE KEY"), QSsl::Ec, QSsl::Pem);
    QVERIFY(!options.tlsKey.isNull());

    test::TamFixture https;
    const Status ready = https.setUp(2, options);
    QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
    QVERIFY2(https.uri.startsWith(QLatin1String("https://127.0.0.1:")), qPrintable(https.uri));
    https.uri.replace(QLatin1String("127.0.0.1"), QLatin1String("localhost"));

    // A device that does not know the CA refuses the TAM's certificate: no session happens.
    const sim::DeviceOutcome refused = https.runDevices({QStringLiteral("tls-1")}, sim::SimProfile::Teep).value(0);
    QVERIFY(!refused.ok);
    QVERIFY2(refused.detail.contains(QLatin1String("SSL"), Qt::CaseInsensitive) || refused.detail.contains(QLatin1String("certificate"), Qt::CaseInsensitive),
             qPrintable(refused.detail));
    QCOMPARE(https.scalar(QStringLiteral("SELECT COUNT(*) FROM sessions")).toInt(), 0);

    // With the CA (a fresh connection: the refused handshake's is not reused): attested and provisioned over TLS.
    https.network.clearConnectionCache();
    https.tlsRoots = {QSslCertificate(ca.value().pem())};
    const sim::DeviceOutcome done = https.runDevices({QStringLiteral("tls-1")}, sim::SimProfile::Teep).value(0);
    QVERIFY2(done.ok, qPrintable(done.detail));
    QCOMPARE(done.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(https.scalar(QStringLiteral("SELECT state FROM sessions ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("completed"));
}

void TestTeepEndToEnd::compatibilityProfilePerDevice()
{
    sim::SimFaults legacy;
    legacy.legacyAgent = true; // signs with ES256 (-7), as deployed agents do
    // Standard profile (every device learned through attestation): refused, and told why.
    sim::DeviceOutcome outcome = run({QStringLiteral("old-agent")}, legacy).first();
    QVERIFY(outcome.installed.isEmpty());
    QString why = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(why.contains(QStringLiteral("teepctl devices profile DEVICE compatible")), qPrintable(why));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM devices")).toInt(), 0);

    // Registered with the compatibility profile: attested (with ES256) and provisioned; the TAM
    // signs its Update with ES256 for it.
    const auto agentKey = crypto::readPrivateKeyPem(test::readAll(m_tam->dir->path(QStringLiteral("state/old-agent/teep/agent.key.pem"))), {});
    QVERIFY(agentKey.ok());
    tam::DeviceRegistry fleet(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(fleet.registerAgent(QStringLiteral("kiosk-2019"), crypto::Key::fromPublicKey(agentKey.value().publicKeyDer()).value(), {}).ok());
    QVERIFY(fleet.setCompatibilityProfile(QStringLiteral("kiosk-2019"), QStringLiteral("compatible")).ok());
    QVERIFY(!fleet.setCompatibilityProfile(QStringLiteral("kiosk-2019"), QStringLiteral("lenient")).ok());
    outcome = run({QStringLiteral("old-agent")}, legacy).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("affirming"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'device.profile-set'")).toInt(), 1);

    // Back to standard: the same agent is refused again; nothing changes on it.
    QVERIFY(fleet.setCompatibilityProfile(QStringLiteral("kiosk-2019"), QStringLiteral("standard")).ok());
    outcome = run({QStringLiteral("old-agent")}, legacy).first();
    QCOMPARE(outcome.installed.size(), 2);
    why = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(why.contains(QStringLiteral("attestation failed")), qPrintable(why));
    QCOMPARE(scalar(QStringLiteral("SELECT tier FROM attestation_results ORDER BY id DESC LIMIT 1")).toString(), QStringLiteral("contraindicated"));
}

void TestTeepEndToEnd::evidenceFormatsAreTheOperators()
{
    // The RFC got its number: the operator lists the new profile only; evidence in the draft's
    // format is no longer appraised.
    tam::TeepSettings settings(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    QVERIFY(settings.setEvidenceFormats({QStringLiteral("application/eat+cwt; eat_profile=urn:ietf:rfc:rfc9999")}).ok());
    QVERIFY(!settings.setEvidenceFormats({QStringLiteral("not a media type")}).ok());
    QVERIFY(run({QStringLiteral("phone")}).first().installed.isEmpty());
    const QString why = scalar(QStringLiteral("SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1")).toString();
    QVERIFY2(why.contains(QStringLiteral("evidence format: application/eat+cwt; eat_profile=urn:ietf:rfc:rfcXXXX is not a format this TAM appraises")),
             qPrintable(why));
    // Both, written with other spacing and case: the same media type.
    QVERIFY(settings.setEvidenceFormats({QStringLiteral("Application/EAT+CWT;eat_profile=urn:ietf:rfc:rfcXXXX"),
                                         QStringLiteral("application/eat+cwt; eat_profile=urn:ietf:rfc:rfc9999")})
                .ok());
    const sim::DeviceOutcome outcome = run({QStringLiteral("phone")}).first();
    QVERIFY2(outcome.ok, qPrintable(outcome.detail));
    QCOMPARE(outcome.installed.size(), 2);
}

void TestTeepEndToEnd::anUnsavedInstallationFailsTheSession()
{
    // The agent installs, the database refuses the record of it: the session fails and says
    // which record was lost and why, instead of completing as if all were well.
    QVERIFY(test::refuseInserts(m_tam->db->connection(), QStringLiteral("installations"), QStringLiteral("the disk said no")));
    run({QStringLiteral("phone")});
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM installations")).toInt(), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT state FROM sessions")).toString(), QStringLiteral("failed"));
    const QString outcome = scalar(QStringLiteral("SELECT outcome FROM sessions")).toString();
    QVERIFY2(outcome.contains(QStringLiteral("installed but not recorded:")) && outcome.contains(QStringLiteral("the disk said no")), qPrintable(outcome));
    QVERIFY2(scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'phone'")).toString().startsWith(QStringLiteral("failed: ")),
             qPrintable(scalar(QStringLiteral("SELECT last_outcome FROM devices WHERE name = 'phone'")).toString()));
}

// An agent that does not trust globex's TA signer refuses every Update carrying globex-drm, and
// says only "manifest processing failed". The TAM finds which change it refuses (after a refusal of
// several, one change per Update), so acme's TAs arrive, later changes too, and globex-drm is
// recorded as refused with the agent's reason until the device trusts its signer.
void TestTeepEndToEnd::aRefusedTaDoesNotHoldBackTheOthers()
{
    const QList<crypto::Certificate> allSigners = m_tam->material.spSigners;
    m_tam->material.spSigners.removeIf(
        [](const crypto::Certificate &signer) { return signer.commonName().contains(QLatin1String("globex"), Qt::CaseInsensitive); });
    QCOMPARE(m_tam->material.spSigners.size(), allSigners.size() - 1);
    const QString picky = QStringLiteral("picky");
    const auto lastSession = [this](const char *column) {
        return scalar(QStringLiteral("SELECT %1 FROM sessions ORDER BY id DESC LIMIT 1").arg(QLatin1String(column))).toString();
    };
    const auto stateOf = [this](const char *taid, int version) {
        return m_tam->scalar(QStringLiteral("SELECT i.state || ': ' || COALESCE(i.detail, '') FROM installations i JOIN ta_versions v ON v.id = i.ta_version_id "
                                     "JOIN trusted_apps t ON t.id = v.ta_id WHERE t.name = ? AND v.sequence_number = ?"),
                      {QString::fromLatin1(taid), version})
            .toString();
    };

    sim::DeviceOutcome outcome = run({picky}).first();
    QCOMPARE(outcome.installed, QStringList{QStringLiteral("acme-wallet v2")});
    QCOMPARE(lastSession("state"), QStringLiteral("failed"));
    QString said = lastSession("outcome");
    QVERIFY2(said.contains(QLatin1String("acme-wallet v2 installed")), qPrintable(said));
    QVERIFY2(said.contains(QLatin1String("globex-drm v1 refused")) && said.contains(QLatin1String("not signed by a trusted TA signer")), qPrintable(said));
    QVERIFY2(said.contains(QLatin1String("sent again one at a time")), qPrintable(said));
    QVERIFY2(stateOf("globex-drm", 1).startsWith(QLatin1String("failed: ")), qPrintable(stateOf("globex-drm", 1)));
    QVERIFY2(stateOf("acme-wallet", 2).startsWith(QLatin1String("installed")), qPrintable(stateOf("acme-wallet", 2)));
    // The device's summary (the Devices view) flags it, with the agent's reason.
    const auto refusedOnDevice = [this] { return tam::FleetQueries(m_tam->db->connection()).devices().value().first().tees.first().refused; };
    QCOMPARE(refusedOnDevice().size(), 1);
    QVERIFY2(refusedOnDevice().first().startsWith(QLatin1String("globex-drm v1: ERR_MANIFEST_PROCESSING_FAILED")), qPrintable(refusedOnDevice().first()));

    // A later version of acme's TA still arrives; globex-drm is refused again, alone.
    QVERIFY(m_tam->addVersion(QStringLiteral("acme"), QStringLiteral("acme-wallet"), 3).ok());
    outcome = run({picky}).first();
    QCOMPARE(outcome.installed, QStringList{QStringLiteral("acme-wallet v3")});
    said = lastSession("outcome");
    QVERIFY2(said.contains(QLatin1String("acme-wallet v3 installed")) && said.contains(QLatin1String("globex-drm v1 refused")), qPrintable(said));

    // Once the device trusts the signer, the next session installs it and completes.
    m_tam->material.spSigners = allSigners;
    outcome = run({picky}).first();
    QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v3"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(lastSession("state"), QStringLiteral("completed"));
    QVERIFY2(stateOf("globex-drm", 1).startsWith(QLatin1String("installed")), qPrintable(stateOf("globex-drm", 1)));
    QVERIFY(refusedOnDevice().isEmpty());
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
    QCOMPARE(m_tam->service->openSessions(), 0);
}

// The SP removes a TA from one device while it stays assigned to every device: that device loses
// it at its next session and does not get it back, the others keep it; undoing the removal (the
// exclusion unassigned) brings it back.
void TestTeepEndToEnd::aTaRemovedFromOneDeviceStaysOffIt()
{
    const QStringList names = {QStringLiteral("agent-1"), QStringLiteral("agent-2")};
    for (const sim::DeviceOutcome &outcome : run(names))
        QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    tam::Catalog catalog(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
    const qint64 auditBefore = scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toLongLong();
    QCOMPARE(catalog.removeFromDevice(QStringLiteral("globex-drm"), QStringLiteral("no-such-device")).error().code, QStringLiteral("catalog.unknown-device"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toLongLong(), auditBefore); // refused: nothing changed
    const auto removal = catalog.removeFromDevice(QStringLiteral("globex-drm"), QStringLiteral("agent-1"));
    QVERIFY2(removal.ok(), qPrintable(removal.ok() ? QString() : removal.error().toString()));
    QVERIFY(removal.value().excluded);
    QCOMPARE(removal.value().target, QStringLiteral("agent-1"));

    QList<sim::DeviceOutcome> outcomes = run(names);
    QVERIFY2(outcomes.at(0).ok, qPrintable(outcomes.at(0).detail));
    QCOMPARE(outcomes.at(0).installed, QStringList{QStringLiteral("acme-wallet v2")});
    QCOMPARE(outcomes.at(1).installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(outcomes.at(1).exchanges, 2); // nothing to do there
    outcomes = run(names);
    QCOMPARE(outcomes.at(0).exchanges, 2); // and it stays off
    QCOMPARE(outcomes.at(0).installed, QStringList{QStringLiteral("acme-wallet v2")});

    QVERIFY(catalog.unassign(removal.value().id).ok());
    outcomes = run(names);
    QCOMPARE(outcomes.at(0).installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'ta.removed-from-device'")).toInt(), 1);
    QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
}

QTEST_GUILESS_MAIN(TestTeepEndToEnd)
#include "tst_teep_e2e.moc"
