// TAM key rollover with devices before and after: during the overlap TEEP agents pinning the old
// key and agents pinning the new one both complete (each TEEP message carries a signature by each
// key), an OTrP TEE accepts the new certificate under the same root; the status names the devices
// not seen since; once the operator retires the old key, only agents with the new one complete.
// Refusals change nothing. The same for an SP signer certificate.
#include "crypto/certbuilder.h"
#include "crypto/cosesign.h"
#include "sim/demomaterial.h"
#include "store/auditlog.h"
#include "store/trustanchors.h"
#include "tam/deviceregistry.h"
#include "tam/tamkeys.h"
#include "tam/serviceproviders.h"
#include "tam/teepsettings.h"
#include "tam/tamrollover.h"
#include "tamfixture.h"

#include <QCborValue>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace teep;

class TestTamRollover : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_tam = std::make_unique<test::TamFixture>();
        const Status ready = m_tam->setUp();
        QVERIFY2(ready.ok(), qPrintable(ready.ok() ? QString() : ready.error().toString()));
        QVERIFY(m_tam->keys->unlock(crypto::Secret(QByteArrayLiteral("rollover passphrase"))).ok());
    }
    void cleanup() { m_tam.reset(); }

    void devicesBeforeAndAfterTheRollover()
    {
        const crypto::Certificate oldCertificate = m_tam->material.tamCertificate;
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("idle-1"), QStringLiteral("old-1")}, sim::SimProfile::Teep)));

        tam::TamRollover rollover(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), QStringLiteral("test"));
        const QString before = tam::TamIdentities(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), {}).active().value().name;
        tam::RolloverOptions options;
        options.name = QStringLiteral("TAM 2027");
        options.overlapDays = 14;
        const auto made = rollover.rollover(options);
        QVERIFY2(made.ok(), qPrintable(made.ok() ? QString() : made.error().toString()));
        QVERIFY(made.value().active);
        QCOMPARE(made.value().tamId, tam::TamIdentities(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), {}).get(1).value().tamId);
        QVERIFY(!made.value().certificate.publicKey().samePublicKey(oldCertificate.publicKey()));
        // Same root: the new certificate chains to the root the devices already hold.
        QCOMPARE(made.value().chain.last().der(), m_tam->material.tamRoot.der());
        QVERIFY(m_tam->restartTam().ok());

        // The overlap: an agent pinning the old key (again, and a new one) and one pinning the new key.
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("old-1"), QStringLiteral("old-2")}, sim::SimProfile::Teep)));
        m_tam->material.tamCertificate = made.value().certificate;
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("new-1")}, sim::SimProfile::Teep)));
        // The QueryRequest carried two signatures, one by each key.
        const QByteArray query = firstMessageTo(QStringLiteral("new-1"));
        const auto object = crypto::cose::parse(QCborValue::fromCbor(query));
        QVERIFY(object.ok());
        QVERIFY(object.value().multiSigner);
        QCOMPARE(object.value().signers.size(), 2);
        // OTrP: the TEE checks the new certificate against the TAM root it holds.
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("otrp-1")}, sim::SimProfile::Otrp)));

        // Where the keys are (both engines): each identity's signing and root CA key, in the database.
        const auto keys = tam::tamKeys(m_tam->db->connection());
        QVERIFY2(keys.ok(), qPrintable(keys.ok() ? QString() : keys.error().toString()));
        QCOMPARE(keys.value().size(), 4);
        QCOMPARE(keys.value().at(0).identityState, QStringLiteral("overlap"));
        QCOMPARE(keys.value().at(0).role, QStringLiteral("signing"));
        QCOMPARE(keys.value().at(2).identityState, QStringLiteral("active"));
        QVERIFY(keys.value().at(2).tokenUri.isEmpty());
        QCOMPARE(tam::tokenKeysInUse(m_tam->db->connection()).value(), QStringList());

        const auto status = rollover.status();
        QVERIFY(status.ok());
        QCOMPARE(status.value().overlapping.size(), 1);
        QCOMPARE(status.value().overlapping.first().name, before);
        QCOMPARE(status.value().devices, 5);
        QCOMPARE(status.value().talkedSince, 4);
        QCOMPARE(status.value().notYetSeen, QStringList{QStringLiteral("idle-1")});

        // Refused: retiring the active identity, rolling over to a taken name. Nothing changes.
        const QVariant audited = auditCount();
        QVERIFY(!rollover.retire(QStringLiteral("TAM 2027")).ok());
        options.name = before;
        QCOMPARE(rollover.rollover(options).error().code, QStringLiteral("tam.duplicate"));
        QCOMPARE(auditCount(), audited);
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM tam_identities")).toInt(), 2);

        // Retired on the operator's word: agents pinning the old key no longer complete.
        const Status retired = rollover.retire(before);
        QVERIFY2(retired.ok(), qPrintable(retired.ok() ? QString() : retired.error().toString()));
        QVERIFY(m_tam->restartTam().ok());
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("new-1")}, sim::SimProfile::Teep)));
        m_tam->material.tamCertificate = oldCertificate;
        const QList<sim::DeviceOutcome> stale = m_tam->runDevices({QStringLiteral("old-1")}, sim::SimProfile::Teep);
        QVERIFY(!stale.first().ok);
        QVERIFY2(stale.first().detail.contains(QStringLiteral("signature")), qPrintable(stale.first().detail));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT state FROM tam_identities WHERE name = ?"), {before}).toString(), QStringLiteral("retired"));
        for (const char *action : {"tam-identity.rolled-over", "tam-identity.retired"})
            QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = ?"), {QString::fromLatin1(action)}).toInt(), 1);
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT detail_json FROM audit_log WHERE action = 'tam-identity.retired'")).toString().contains(
                     QStringLiteral("\"devices_talked_since_rollover\":4")),
                 true);
        QVERIFY(store::AuditLog::verify(m_tam->db->connection()).ok);
    }

    void deployedAgentsDuringTheOverlap()
    {
        // Today's deployed agents (ES256 only, no kid, 1 KB buffers; libteep refuses a tagged
        // COSE_Sign) take one COSE_Sign1 and pin the TAM key built into them: during the overlap
        // the legacy listener signs with the previous key until the operator says they have the
        // new one.
        tam::TeepSettings settings(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
        QVERIFY(settings.setSuites(tam::TeepSuites::Legacy).ok());
        QVERIFY(settings.setPolicy({}, tam::AttestationPolicy::RegisteredKey).ok());
        const QStringList kiosks{QStringLiteral("kiosk-1"), QStringLiteral("kiosk-2"), QStringLiteral("kiosk-3")};
        for (const QString &name : kiosks) {
            QVERIFY(sim::deviceTeepIdentity(m_tam->material, name, m_tam->dir->path(QStringLiteral("state")), false).ok());
            const auto key = crypto::Key::fromPublicKey(test::readAll(m_tam->dir->path(QStringLiteral("state/%1/teep/agent.pub.pem").arg(name))));
            QVERIFY(key.ok());
            QVERIFY(tam::DeviceRegistry(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"))
                        .registerAgents({tam::AgentRegistration{name, key.value(), QString(), QStringLiteral("compatible")}})
                        .ok());
        }
        const crypto::Certificate oldCertificate = m_tam->material.tamCertificate;
        tam::RolloverOptions options;
        options.name = QStringLiteral("TAM 2027");
        const auto made = tam::TamRollover(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), QStringLiteral("test")).rollover(options);
        QVERIFY(made.ok());
        QVERIFY(m_tam->restartTam().ok());
        sim::SimFaults deployed;
        deployed.deployedAgent = true;
        const QList<sim::DeviceOutcome> outcomes = m_tam->runDevices(kiosks.mid(0, 2), sim::SimProfile::Teep, deployed);
        QVERIFY(ok(outcomes));
        for (const sim::DeviceOutcome &outcome : outcomes)
            QCOMPARE(outcome.installed, (QStringList{QStringLiteral("acme-wallet v2"), QStringLiteral("globex-drm v1")}));
        // One signature (a COSE_Sign1), by the previous key; every message within the 1 KB buffer.
        const auto first = crypto::cose::parse(QCborValue::fromCbor(firstMessageTo(QStringLiteral("kiosk-1"))));
        QVERIFY(first.ok());
        QVERIFY(!first.value().multiSigner);
        QVERIFY(crypto::cose::verify(first.value(), oldCertificate.publicKey(), crypto::cose::AlgorithmPolicy::compatible()).ok());
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT MAX(LENGTH(body)) <= 1024 FROM session_messages WHERE direction = 'to-device'")).toInt(), 1);

        // The agents reflashed with the new key: the operator says so, and the new key signs.
        QVERIFY(settings.setSingleSignatureByNewKey(true).ok());
        QVERIFY(!ok(m_tam->runDevices({QStringLiteral("kiosk-1")}, sim::SimProfile::Teep, deployed)));
        m_tam->material.tamCertificate = made.value().certificate;
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("kiosk-3")}, sim::SimProfile::Teep, deployed)));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'teep.rollover-single-signature-key-set'")).toInt(), 1);
    }

    void aNewRootWhenTheRootKeyIsNotHere()
    {
        // An identity imported with its certificate: this console has no root key to issue with.
        QVERIFY(m_tam->db->connection().exec(QStringLiteral("UPDATE tam_identities SET root_key_id = NULL")).lastError().type() == QSqlError::NoError);
        tam::TamRollover rollover(m_tam->db->connection(), *m_tam->keys, SystemClock::instance(), QStringLiteral("test"));
        tam::RolloverOptions options;
        options.name = QStringLiteral("TAM next");
        const auto refused = rollover.rollover(options);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QStringLiteral("new root")), qPrintable(refused.error().message));
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM tam_identities")).toInt(), 1);
        options.newRoot = true;
        const auto made = rollover.rollover(options);
        QVERIFY2(made.ok(), qPrintable(made.ok() ? QString() : made.error().toString()));
        QVERIFY(made.value().chain.last().der() != m_tam->material.tamRoot.der());
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM trust_anchors WHERE store = 'tam-root'")).toInt(), 2);
        // Agents still pinning the old key complete during the overlap.
        QVERIFY(m_tam->restartTam().ok());
        QVERIFY(ok(m_tam->runDevices({QStringLiteral("old-1")}, sim::SimProfile::Teep)));
    }

    void anSpSignerCertificateRolledOver()
    {
        tam::ServiceProviders providers(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"));
        const auto acme = providers.get(QStringLiteral("acme"));
        QVERIFY(acme.ok());
        QCOMPARE(acme.value().certificates.size(), 1);
        const crypto::Certificate old = acme.value().certificates.first();
        // Its last certificate is not retired: TAs would have no signer.
        QCOMPARE(providers.retireCertificate(QStringLiteral("acme"), old.fingerprintSha256()).error().code, QStringLiteral("sp.last-certificate"));

        // A successor from a new SP signer CA the operator trusts.
        const auto ca = sim::makeDemoCa(QStringLiteral("Acme Signer CA 2027"));
        QVERIFY(ca.ok());
        QVERIFY(store::TrustAnchors(m_tam->db->connection(), SystemClock::instance(), QStringLiteral("test"))
                    .importCertificates(crypto::TrustStore::SpSigner, ca.value().certificate.pem())
                    .ok());
        const auto newKey = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        QVERIFY(newKey.ok());
        crypto::CertificateSpec spec;
        spec.commonName = QStringLiteral("Acme TA signer 2027");
        spec.profile = crypto::CertificateProfile::SpSigning;
        const auto successor = crypto::issueCertificate(spec, newKey.value(), ca.value().key, ca.value().certificate);
        QVERIFY(successor.ok());
        QVERIFY(providers.addCertificate(QStringLiteral("acme"), successor.value().pem()).ok());

        const auto toSignAgain = providers.retireCertificate(QStringLiteral("acme"), old.fingerprintSha256());
        QVERIFY2(toSignAgain.ok(), qPrintable(toSignAgain.ok() ? QString() : toSignAgain.error().toString()));
        QVERIFY2(toSignAgain.value().contains(QStringLiteral("acme-wallet v2")), qPrintable(toSignAgain.value().join(u',')));
        const auto after = providers.get(QStringLiteral("acme"));
        QCOMPARE(after.value().certificates.size(), 1);
        QCOMPARE(after.value().certificates.first().der(), successor.value().der());
        QCOMPARE(after.value().retired.size(), 1);
        // A TA version signed with the retired key is no longer accepted.
        QVERIFY(!m_tam->addVersion(QStringLiteral("acme"), QStringLiteral("acme-wallet"), 9).ok());
        QCOMPARE(m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'service-provider.certificate-retired'")).toInt(), 1);
    }

private:
    static bool ok(const QList<sim::DeviceOutcome> &outcomes)
    {
        for (const sim::DeviceOutcome &outcome : outcomes) {
            if (!outcome.ok) {
                qWarning("%s: %s", qPrintable(outcome.device), qPrintable(outcome.detail));
                return false;
            }
        }
        return !outcomes.isEmpty();
    }
    QByteArray firstMessageTo(const QString &device) const
    {
        return m_tam
            ->scalar(QStringLiteral("SELECT m.body FROM session_messages m JOIN sessions s ON s.id = m.session_id JOIN devices d ON d.id = s.device_id "
                                    "WHERE d.name = ? AND m.direction = 'to-device' ORDER BY m.id LIMIT 1"),
                     {device})
            .toByteArray();
    }
    QVariant auditCount() const { return m_tam->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")); }

    std::unique_ptr<test::TamFixture> m_tam;
};

QTEST_GUILESS_MAIN(TestTamRollover)
#include "tst_tamrollover.moc"
