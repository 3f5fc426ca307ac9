// Attestation appraisal against CoRIM reference values. The CoRIM files and the EAT evidence are
// made by independent encoders (make_samples.py: python3-cbor2 and python3-cryptography) as well
// as by our own; a matching measurement affirms, a changed digest byte, another UEID, a stale
// nonce and an unknown signer each give their tier and reason; malformed or untrusted CoRIM is
// refused with where and why, and nothing is stored. teepctl's exit codes say the status.
#include "attestation/corim.h"
#include "attestation/ear.h"
#include "attestation/eatappraisal.h"
#include "attestation/psatoken.h"
#include "cbor/strictcbor.h"
#include "crypto/certbuilder.h"
#include "crypto/cosekey.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "processrun.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/trustanchors.h"
#include "tam/corimreferences.h"
#include "tempdir.h"

#include <QJsonArray>

#include <QCborArray>
#include <QCborMap>
#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace teep;
using attestation::Appraisal;
using attestation::Outcome;

namespace {

const QByteArray kNonce = QByteArray::fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString describe(const Error &error)
{
    return error.toString();
}

const attestation::Check *findCheck(const Appraisal &appraisal, const QString &name)
{
    for (const attestation::Check &check : appraisal.checks)
        if (check.name == name)
            return &check;
    return nullptr;
}

// Our own CoRIM encoder: tag 501 around a CoMID given as the tag around its map (the newest
// drafts' form; the samples carry the two byte-string forms).
QByteArray ourCorim(const QByteArray &bl2Digest, const QByteArray &ueid)
{
    const QCborMap acme{{1, QStringLiteral("ACME")}, {2, QStringLiteral("RoadRunner")}};
    const QCborMap bl2{{0, QStringLiteral("bl2")},
                       {1, QCborMap{{2, cbor::arrayOf(QCborArray{1, bl2Digest})}, {11, QStringLiteral("bl2")}}}};
    QCborArray references = cbor::arrayOf(QCborArray{QCborMap{{0, acme}}, QCborArray{bl2}});
    if (!ueid.isEmpty())
        references.append(QCborArray{QCborMap{{0, acme}, {1, QCborValue(QCborTag(550), ueid)}},
                                     QCborArray{QCborMap{{1, QCborMap{{11, QStringLiteral("fuses")}, {4, QCborValue(QCborTag(560), QByteArray("\x01", 1))}}}}}});
    const QCborMap comid{{1, QCborMap{{0, QStringLiteral("our-comid")}}}, {4, QCborMap{{0, references}}}};
    const QCborMap corim{{0, QStringLiteral("our-corim")}, {1, QCborArray{QCborValue(QCborTag(506), comid)}}};
    return QCborValue(QCborTag(501), corim).toCbor();
}

} // namespace

class TestAppraisal : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<test::TempDir>();
        const auto made = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral(TEEP_SAMPLES_SCRIPT), m_dir->path(QString())});
        QVERIFY2(made.exitCode == 0, made.err.constData());
        auto db = store::Database::open(m_dir->database(QStringLiteral("appraisal.db")));
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
        m_db = std::move(db.value());
    }
    void cleanup()
    {
        m_db.reset();
        m_dir.reset();
    }

    void bothCoMidEncodingsReadTheSame()
    {
        for (const char *file : {"corim-tagged-bstr.cbor", "corim-bstr-wrapped.cbor"}) {
            const auto corim = attestation::corim::decode(readAll(m_dir->path(QLatin1String(file))), {});
            QVERIFY2(corim.ok(), qPrintable(corim.ok() ? QString() : describe(corim.error())));
            QCOMPARE(corim.value().comids.size(), 1);
            const attestation::corim::Comid &comid = corim.value().comids.first();
            QCOMPARE(comid.tagId, QStringLiteral("acme-roadrunner-firmware"));
            QCOMPARE(comid.tagVersion, 3);
            QCOMPARE(comid.references.size(), 2);
            QCOMPARE(comid.references[0].environment.vendor, QStringLiteral("ACME"));
            QCOMPARE(comid.references[0].environment.model, QStringLiteral("RoadRunner"));
            const attestation::corim::Measurement &bl2 = comid.references[0].measurements[0];
            QCOMPARE(bl2.name, QStringLiteral("bl2"));
            QCOMPARE(bl2.version, QStringLiteral("1.2.0"));
            QCOMPARE(bl2.digests.size(), 2);
            QCOMPARE(bl2.digests[0].algorithm, 1);
            QCOMPARE(bl2.digests[0].value, QCryptographicHash::hash("ACME second-stage boot loader 1.2.0", QCryptographicHash::Sha256));
            QCOMPARE(bl2.digests[1].algorithm, 7);
            const attestation::corim::Measurement &teeOs = comid.references[0].measurements[1];
            QCOMPARE(teeOs.digests[0].algorithm, 1); // written by name: "sha-256"
            QCOMPARE(teeOs.svn, 3);
            QVERIFY(teeOs.svnIsMinimum);
            QCOMPARE(comid.references[1].environment.instanceUeid.size(), 17);
            QCOMPARE(comid.references[1].measurements[0].rawValue, QByteArray::fromHex("00ff10"));
            QCOMPARE(comid.endorsements.size(), 1);
            QCOMPARE(comid.attestKeys.size(), 1);
            QVERIFY(!corim.value().isSigned);
        }
        QCOMPARE(attestation::corim::decode(readAll(m_dir->path(QStringLiteral("corim-bstr-wrapped.cbor"))), {}).value().id,
                 QStringLiteral("uuid:5c57e8f4-4b4a-4e0e-9a63-6a5ac2f2d8a1"));
    }

    void aSignedCorimNeedsATrustedVerifierKey()
    {
        const QByteArray signedCorim = readAll(m_dir->path(QStringLiteral("corim-signed.cbor")));
        const crypto::Certificate verifierCertificate = crypto::parseCertificates(readAll(m_dir->path(QStringLiteral("verifier.crt")))).value().first();
        const attestation::corim::VerifierKey verifier{verifierCertificate.subject(), verifierCertificate.publicKey()};
        const auto untrusted = attestation::corim::decode(signedCorim, {});
        QVERIFY(!untrusted.ok());
        QCOMPARE(untrusted.error().code, QStringLiteral("corim.untrusted-signer"));
        QVERIFY(untrusted.error().message.contains(QStringLiteral("ACME Signer")));

        // Another key: refused, whatever the payload says.
        const attestation::corim::VerifierKey other{QStringLiteral("Someone Else"), crypto::Key::generate(crypto::KeyAlgorithm::P256).value()};
        QCOMPARE(attestation::corim::decode(signedCorim, {other}).error().code, QStringLiteral("corim.untrusted-signer"));

        const auto trusted = attestation::corim::decode(signedCorim, {other, verifier});
        QVERIFY2(trusted.ok(), qPrintable(trusted.ok() ? QString() : describe(trusted.error())));
        QVERIFY(trusted.value().isSigned);
        QCOMPARE(trusted.value().signerName, QStringLiteral("ACME Signer"));
        QCOMPARE(trusted.value().verifiedBy, QStringLiteral("CN=ACME Reference Value Signer"));

        // Stored as a bare public key in the verifier-key store (no certificate): trusted the same.
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        QCOMPARE(references.importFile(signedCorim, QStringLiteral("signed.cbor")).error().code, QStringLiteral("corim.untrusted-signer"));
        QVERIFY(store::TrustAnchors(m_db->connection(), SystemClock::instance(), QStringLiteral("test"))
                    .importPublicKey(crypto::TrustStore::VerifierKey, readAll(m_dir->path(QStringLiteral("verifier.pub.pem"))), QStringLiteral("ACME RIM key"))
                    .ok());
        const auto imported = references.importFile(signedCorim, QStringLiteral("signed.cbor"));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : describe(imported.error())));
        QCOMPARE(imported.value().signer, QStringLiteral("ACME Signer (ACME RIM key)"));

        // One flipped byte of the payload: the signature no longer verifies.
        QByteArray tampered = signedCorim;
        tampered[tampered.indexOf("acme-corim-signed") + 2] = 'X';
        QCOMPARE(attestation::corim::decode(tampered, {verifier}).error().code, QStringLiteral("corim.untrusted-signer"));
    }

    void malformedCorimIsRefusedWithWhereAndNothingIsStored()
    {
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        const qint64 auditBefore = store::AuditLog::count(m_db->connection()).value();
        const QByteArray good = readAll(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor")));

        // Cut short: the CBOR reader names the byte offset.
        const auto truncated = references.importFile(good.left(good.size() - 7), QStringLiteral("cut.cbor"));
        QVERIFY(!truncated.ok());
        QVERIFY2(truncated.error().where.startsWith(QStringLiteral("offset ")), qPrintable(describe(truncated.error())));

        // Well-formed CBOR, wrong structure: the path says where.
        const QCborMap badMeasurement{{1, QCborMap{{2, cbor::arrayOf(QCborArray{1, 5})}}}};
        const QCborArray triple{QCborMap{{0, QCborMap{{2, QStringLiteral("M")}}}}, QCborArray{badMeasurement}};
        const QCborMap badComid{{1, QCborMap{{0, QStringLiteral("t")}}}, {4, QCborMap{{0, cbor::arrayOf(triple)}}}};
        const QCborMap badDigest{{0, QStringLiteral("x")}, {1, QCborArray{QCborValue(QCborTag(506), badComid)}}};
        const auto wrong = references.importFile(QCborValue(QCborTag(501), badDigest).toCbor(), QStringLiteral("wrong.cbor"));
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().where, QStringLiteral("CoRIM tags[0].triples.reference[0].measurements[0].values.digests[0]"));
        QVERIFY(wrong.error().message.contains(QStringLiteral("[algorithm, bytes]")));

        // Not a CoRIM at all, and a byte string that does not hold CBOR.
        QVERIFY(references.importFile(QCborValue(QCborMap{{0, 1}}).toCbor(), QStringLiteral("map.cbor")).error().message.contains(QStringLiteral("tag 501")));
        const QCborMap garbage{{0, QStringLiteral("x")}, {1, QCborArray{QCborValue(QCborTag(506), QByteArray("\xa1\x01", 2))}}};
        const auto nested = references.importFile(QCborValue(QCborTag(501), garbage).toCbor(), QStringLiteral("nested.cbor"));
        QVERIFY(nested.error().message.contains(QStringLiteral("within it")));

        // Past the limits: refused before anything is read.
        QCborArray many;
        for (int i = 0; i < 600; ++i)
            many.append(QCborValue(QCborTag(505), QCborMap{}));
        QVERIFY(references.importFile(QCborValue(QCborTag(501), QCborMap{{0, QStringLiteral("x")}, {1, many}}).toCbor(), QStringLiteral("many.cbor"))
                    .error().message.contains(QStringLiteral("at most 512")));

        QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("corim_imports")), 0);
        QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("corim_measurements")), 0);
        QCOMPARE(store::AuditLog::count(m_db->connection()).value(), auditBefore);
    }

    void anImportIsOneAuditedTransaction()
    {
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("line-admin"));
        const QByteArray bytes = readAll(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor")));
        const auto imported = references.importFile(bytes, QStringLiteral("corim-tagged-bstr.cbor"));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : describe(imported.error())));
        QCOMPARE(imported.value().references, 3);
        QCOMPARE(imported.value().endorsements, 1);
        QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("corim_measurements")), 4);
        const auto entries = store::AuditLog::entries(m_db->connection()).value();
        QCOMPARE(entries.first().action, QStringLiteral("reference-value.corim-imported")); // newest first
        QCOMPARE(entries.first().actor, QStringLiteral("line-admin"));

        // The same bytes again: refused, naming the first import.
        const auto again = references.importFile(bytes, QStringLiteral("copy.cbor"));
        QCOMPARE(again.error().code, QStringLiteral("corim.already-imported"));
        QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("corim_imports")), 1);

        // What is read back is what was imported, grouped per environment.
        const auto triples = references.references().value();
        QCOMPARE(triples.size(), 2);
        QCOMPARE(triples[0].triple.measurements.size(), 2);
        QCOMPARE(triples[0].source, QStringLiteral("corim-tagged-bstr.cbor"));
        QCOMPARE(triples[0].triple.measurements[1].svn, 3);
        QVERIFY(triples[0].triple.measurements[1].svnIsMinimum);
        QCOMPARE(triples[0].triple.measurements[0].digests.size(), 2);

        QVERIFY(references.remove(imported.value().id).ok());
        QCOMPARE(test::rowCount(m_db->connection(), QStringLiteral("corim_measurements")), 0);
        QCOMPARE(references.remove(imported.value().id).error().code, QStringLiteral("corim.unknown-import"));
        QCOMPARE(store::AuditLog::entries(m_db->connection()).value().first().action, QStringLiteral("reference-value.corim-removed"));
    }

    void appraisalTiersAndReasons()
    {
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        const crypto::Key attester = crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("attester.pem")))).value();
        attestation::EatAppraisalOptions options;
        options.attestationKeys = {attester};
        options.nonce = kNonce;
        const auto appraiseFile = [&](const char *file) {
            return attestation::appraiseEat(readAll(m_dir->path(QLatin1String(file))), options, references.references().value());
        };

        // No reference values yet: verified, but only a warning.
        const Appraisal unreferenced = appraiseFile("evidence.cbor");
        QCOMPARE(unreferenced.status, Appraisal::Status::Warning);
        QVERIFY2(unreferenced.reason().contains(QStringLiteral("none for model RoadRunner")), qPrintable(unreferenced.reason()));

        QVERIFY(references.importFile(readAll(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor"))), QStringLiteral("acme.corim")).ok());
        const Appraisal good = appraiseFile("evidence.cbor");
        QVERIFY2(good.status == Appraisal::Status::Affirming, qPrintable(good.reason()));
        QCOMPARE(good.tier, attestation::Tier::Affirming);
        QCOMPARE(good.vector["executables"].value, attestation::trust::Affirmed);
        QCOMPARE(good.vector["hardware"].value, attestation::trust::Affirmed);
        QCOMPARE(good.vector["instance-identity"].value, attestation::trust::Affirmed);
        QCOMPARE(good.vector["file-system"].value, attestation::trust::NoClaim);
        QCOMPARE(good.components.size(), 2); // the SUIT report entry of claim 273 is not a measured component
        QVERIFY(good.components[0].reference.contains(QStringLiteral("acme.corim")));

        const Appraisal changed = appraiseFile("evidence-changed-digest.cbor");
        QCOMPARE(changed.status, Appraisal::Status::Contraindicated);
        QCOMPARE(changed.vector["executables"].value, attestation::trust::Contraindicated);
        QVERIFY(findCheck(changed, QStringLiteral("component bl2"))->outcome == Outcome::Fail);
        QVERIFY(findCheck(changed, QStringLiteral("component tee-os"))->outcome == Outcome::Pass);
        QCOMPARE(changed.components[0].outcome, Outcome::Fail);

        const Appraisal otherDevice = appraiseFile("evidence-other-ueid.cbor");
        QCOMPARE(otherDevice.status, Appraisal::Status::Contraindicated);
        QCOMPARE(otherDevice.vector["instance-identity"].value, attestation::trust::Unrecognized);
        QVERIFY(otherDevice.reason().startsWith(QStringLiteral("instance identity: ueid 01")));

        options.nonce = QByteArray::fromHex("00112233445566778899");
        const Appraisal stale = appraiseFile("evidence.cbor");
        QCOMPARE(stale.status, Appraisal::Status::Contraindicated);
        QVERIFY(stale.reason().startsWith(QStringLiteral("nonce: ")));

        options.nonce = kNonce;
        options.attestationKeys = {crypto::Key::generate(crypto::KeyAlgorithm::P256).value()};
        const Appraisal unknownSigner = appraiseFile("evidence.cbor");
        QCOMPARE(unknownSigner.status, Appraisal::Status::NotVerified);
        QCOMPARE(unknownSigner.tier, attestation::Tier::None);
        QVERIFY(unknownSigner.components.isEmpty()); // nothing unverified is appraised

        QByteArray cut = readAll(m_dir->path(QStringLiteral("evidence.cbor")));
        cut.chop(10);
        const Appraisal malformed = attestation::appraiseEat(cut, options, {});
        QCOMPARE(malformed.status, Appraisal::Status::Malformed);
        QVERIFY(malformed.reason().contains(QStringLiteral("offset")));
    }

    void ourOwnEncodingsAgree()
    {
        // Our CoRIM (tag 506 around the map) and our EAT with measured components, appraised
        // together; python3-cbor2 reads our CoRIM back as the same structure.
        const QByteArray image("our firmware image");
        const QByteArray digest = QCryptographicHash::hash(image, QCryptographicHash::Sha256);
        const QByteArray ueid = QByteArray::fromHex("01") + QByteArray(16, '\x42');
        const QByteArray corimBytes = ourCorim(digest, ueid);
        test::writeAll(m_dir->path(QStringLiteral("ours.cbor")), corimBytes);
        const auto read = test::runProgram(QStringLiteral("/usr/bin/python3"),
                                           {QStringLiteral("-c"),
                                            QStringLiteral("import cbor2,sys; c=cbor2.loads(open(sys.argv[1],'rb').read()); assert c.tag==501; t=c.value[1][0]; "
                                                           "assert t.tag==506; print(t.value[4][0][0][1][0][1][11], t.value[4][0][0][1][0][1][2][0][1].hex())"),
                                            m_dir->path(QStringLiteral("ours.cbor"))});
        QVERIFY2(read.exitCode == 0, read.err.constData());
        QCOMPARE(read.out.trimmed(), QByteArray("bl2 ") + digest.toHex());

        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        QVERIFY(references.importFile(corimBytes, QStringLiteral("ours.cbor")).ok());

        const crypto::Key attester = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        attestation::EvidenceSpec spec;
        spec.ueid = ueid;
        spec.oemid = QByteArray::fromHex("894823");
        spec.hwmodel = "RoadRunner";
        spec.hwversion = QStringLiteral("3.1");
        spec.manifests = QCborArray{attestation::measuredComponentEntry({QStringLiteral("bl2"), QStringLiteral("2.0"), {1, digest}})};
        spec.agentKey = agent;
        spec.nonce = kNonce;
        const QByteArray evidence = attestation::buildEvidence(spec, {attester, crypto::cose::kESP256}).value();
        attestation::EatAppraisalOptions options{{attester}, kNonce, agent};
        const Appraisal good = attestation::appraiseEat(evidence, options, references.references().value());
        QVERIFY2(good.status == Appraisal::Status::Affirming, qPrintable(good.reason()));

        spec.manifests = QCborArray{attestation::measuredComponentEntry({QStringLiteral("bl2"), QString(), {1, QByteArray(32, '\0')}}),
                                    attestation::measuredComponentEntry({QStringLiteral("debug-shell"), QString(), {1, digest}})};
        const Appraisal bad = attestation::appraiseEat(attestation::buildEvidence(spec, {attester, crypto::cose::kESP256}).value(), options,
                                                       references.references().value());
        QCOMPARE(bad.status, Appraisal::Status::Contraindicated);
        QCOMPARE(findCheck(bad, QStringLiteral("component debug-shell"))->outcome, Outcome::Warn);
        QVERIFY(findCheck(bad, QStringLiteral("component debug-shell"))->detail.contains(QStringLiteral("no reference value names")));
    }

    void psaTokens()
    {
        // Tokens and a CoRIM as Veraison writes them (class id tag 600, psa-refval-id keys), by python3-cbor2.
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        QVERIFY(references.importFile(readAll(m_dir->path(QStringLiteral("corim-psa.cbor"))), QStringLiteral("corim-psa.cbor")).ok());
        attestation::EatAppraisalOptions options;
        options.attestationKeys = {crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("iak.pem")))).value()};
        options.nonce = QByteArray::fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        const auto appraiseFile = [&](const char *file) {
            return attestation::appraisePsa(readAll(m_dir->path(QLatin1String(file))), options, references.references().value());
        };
        for (const char *file : {"psa.cbor", "psa-legacy.cbor"}) {
            const Appraisal good = appraiseFile(file);
            QVERIFY2(good.status == Appraisal::Status::Affirming, qPrintable(QLatin1String(file) + QStringLiteral(": ") + good.reason()));
            QCOMPARE(good.vector["configuration"].detail, QStringLiteral("security lifecycle secured"));
            QCOMPARE(good.vector["hardware"].value, attestation::trust::Affirmed);
            QCOMPARE(good.components.size(), 2);
        }
        const Appraisal decommissioned = appraiseFile("psa-decommissioned.cbor");
        QCOMPARE(decommissioned.status, Appraisal::Status::Contraindicated);
        QCOMPARE(decommissioned.reason(), QStringLiteral("security lifecycle: decommissioned: not the secured state"));
        QCOMPARE(decommissioned.vector["configuration"].value, attestation::trust::Contraindicated);
        QCOMPARE(appraiseFile("psa-debug.cbor").status, Appraisal::Status::Warning);
        const Appraisal otherBootLoader = appraiseFile("psa-other-bl.cbor");
        QCOMPARE(otherBootLoader.status, Appraisal::Status::Contraindicated);
        QVERIFY(otherBootLoader.reason().startsWith(QStringLiteral("component BL: ")));

        options.nonce = QByteArray(32, '\x07');
        QVERIFY(appraiseFile("psa.cbor").reason().startsWith(QStringLiteral("nonce: ")));
        options.attestationKeys = {crypto::Key::generate(crypto::KeyAlgorithm::P256).value()};
        QCOMPARE(appraiseFile("psa.cbor").status, Appraisal::Status::NotVerified);
        QCOMPARE(attestation::appraisePsa(readAll(m_dir->path(QStringLiteral("psa.cbor"))).left(40), options, {}).status, Appraisal::Status::Malformed);

        // Claims that are not a PSA token: the claim is named.
        const QCborMap noNonce{{256, QByteArray(33, '\x01')}, {2396, QByteArray(32, 'i')}, {2395, 0x3000}, {2394, 1}};
        const auto refused = attestation::decodePsaClaims(noNonce);
        QCOMPARE(refused.error().where, QStringLiteral("psa-nonce"));
        QCOMPARE(attestation::psaLifecycleName(0x6000), QStringLiteral("decommissioned"));
        QCOMPARE(attestation::psaLifecycleName(0x30ff), QStringLiteral("secured"));
    }

    void earOutCheckedByIndependentImplementations()
    {
        tam::CorimReferences references(m_db->connection(), SystemClock::instance(), QStringLiteral("test"));
        QVERIFY(references.importFile(readAll(m_dir->path(QStringLiteral("corim-tagged-bstr.cbor"))), QStringLiteral("acme.corim")).ok());
        attestation::EatAppraisalOptions options;
        options.attestationKeys = {crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("attester.pem")))).value()};
        options.nonce = kNonce;
        const Appraisal contraindicated =
            attestation::appraiseEat(readAll(m_dir->path(QStringLiteral("evidence-changed-digest.cbor"))), options, references.references().value());
        QCOMPARE(contraindicated.status, Appraisal::Status::Contraindicated);
        const crypto::Key key = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        test::writeAll(m_dir->path(QStringLiteral("ear.pub.pem")), key.publicKeyPem());
        attestation::EarOptions ear;
        ear.nonce = kNonce;
        ear.issuedAt = 1796400000;
        ear.build = QStringLiteral("test");

        // JWT: npm jose verifies it and reads the status and vector.
        test::writeAll(m_dir->path(QStringLiteral("ear.jwt")), attestation::earJwt(contraindicated, ear, key).value());
        const auto node = test::runProgram(QStringLiteral("node"), {QStringLiteral(TEEP_INTEROP_DIR "/ear_crosscheck.mjs"), m_dir->path(QStringLiteral("ear.jwt")),
                                                                    m_dir->path(QStringLiteral("ear.pub.pem"))});
        QVERIFY2(node.exitCode == 0, node.err.constData());
        const QJsonObject jwt = QJsonDocument::fromJson(node.out).object();
        const QJsonObject submodule = jwt.value(QStringLiteral("submods")).toObject().value(QStringLiteral("teep")).toObject();
        QCOMPARE(submodule.value(QStringLiteral("ear.status")).toString(), QStringLiteral("contraindicated"));
        QCOMPARE(submodule.value(QStringLiteral("ear.trustworthiness-vector")).toObject().value(QStringLiteral("executables")).toInt(), 96);
        QCOMPARE(jwt.value(QStringLiteral("iat")).toInteger(), 1796400000);
        QCOMPARE(jwt.value(QStringLiteral("eat_nonce")).toString(), QStringLiteral("oKGio6SlpqeoqaqrrK2urw"));

        // CWT: python3-cbor2 and python3-cryptography verify the COSE_Sign1 and read the claims.
        test::writeAll(m_dir->path(QStringLiteral("ear.cwt")), attestation::earCwt(contraindicated, ear, key).value());
        const QString script = QStringLiteral(R"(
import cbor2, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
obj = cbor2.loads(open(sys.argv[1] + '/ear.cwt', 'rb').read())
assert obj.tag == 18
prot, unprot, payload, sig = obj.value
assert cbor2.loads(prot) == {1: -7}
key = serialization.load_pem_public_key(open(sys.argv[1] + '/ear.pub.pem', 'rb').read())
key.verify(utils.encode_dss_signature(int.from_bytes(sig[:32], 'big'), int.from_bytes(sig[32:], 'big')),
           cbor2.dumps(['Signature1', prot, b'', payload]), ec.ECDSA(hashes.SHA256()))
claims = cbor2.loads(payload)
sub = claims[266]['teep']
print(claims[265], claims[6], sub[1000], sub[1001][2], sub[1001][0])
)");
        const auto python = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, m_dir->path(QString())});
        QVERIFY2(python.exitCode == 0, python.err.constData());
        QCOMPARE(python.out.trimmed(), QByteArray("tag:github.com,2023:veraison/ear 1796400000 96 96 2"));

        // Only a P-256 key signs an EAR (ES256).
        QVERIFY(!attestation::earJwt(contraindicated, ear, crypto::Key::generate(crypto::KeyAlgorithm::Ed25519).value()).ok());
    }

    void earInFromAVerifier()
    {
        const crypto::Key verifierKey = crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("verifier.pub.pem")))).value();
        const QList<attestation::corim::VerifierKey> trusted{{QStringLiteral("ACME Verifier key"), verifierKey}};
        attestation::EarCheckOptions check;
        check.nonce = kNonce;
        check.now = QDateTime::currentSecsSinceEpoch();
        const auto readFile = [&](const char *file, const QList<attestation::corim::VerifierKey> &keys) {
            return attestation::readEar(readAll(m_dir->path(QLatin1String(file))), keys, check);
        };
        // CWTs made by python3-cbor2/cryptography.
        const Appraisal affirming = readFile("ear-affirming.cwt", trusted);
        QVERIFY2(affirming.status == Appraisal::Status::Affirming, qPrintable(affirming.reason()));
        QCOMPARE(affirming.vector["executables"].value, 2);
        QCOMPARE(findCheck(affirming, QStringLiteral("signature"))->detail, QStringLiteral("by the verifier key ACME Verifier key"));
        const Appraisal contraindicated = readFile("ear-contraindicated.cwt", trusted);
        QCOMPARE(contraindicated.status, Appraisal::Status::Contraindicated);
        QCOMPARE(contraindicated.vector["executables"].value, 96);
        QCOMPARE(readFile("ear-affirming.cwt", {{QStringLiteral("other"), crypto::Key::generate(crypto::KeyAlgorithm::P256).value()}}).status,
                 Appraisal::Status::NotVerified);
        const Appraisal stale = readFile("ear-stale.cwt", trusted);
        QCOMPARE(stale.status, Appraisal::Status::Contraindicated);
        QVERIFY2(stale.reason().startsWith(QStringLiteral("freshness: issued 3")), qPrintable(stale.reason()));
        QVERIFY(readFile("ear-not-ear.cwt", trusted).reason().startsWith(QStringLiteral("profile: ")));
        check.nonce = QByteArray(16, '\x01');
        QVERIFY(readFile("ear-affirming.cwt", trusted).reason().contains(QStringLiteral("may be a replay")));
        check.nonce = kNonce;
        QCOMPARE(attestation::readEar(readAll(m_dir->path(QStringLiteral("ear-affirming.cwt"))).left(30), trusted, check).status, Appraisal::Status::Malformed);
        QCOMPARE(attestation::readEar("a.b.c", trusted, check).status, Appraisal::Status::Malformed);

        // A JWT made by npm jose.
        const auto node = test::runProgram(QStringLiteral("node"), {QStringLiteral(TEEP_INTEROP_DIR "/ear_crosscheck.mjs"), QStringLiteral("make"),
                                                                    m_dir->path(QStringLiteral("node-ear.jwt")), m_dir->path(QStringLiteral("node-ear.pub.pem")),
                                                                    QString::fromLatin1(kNonce.toHex())});
        QVERIFY2(node.exitCode == 0, node.err.constData());
        const attestation::corim::VerifierKey nodeKey{QStringLiteral("node"), crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("node-ear.pub.pem")))).value()};
        const Appraisal warning = readFile("node-ear.jwt", {nodeKey});
        QVERIFY2(warning.status == Appraisal::Status::Warning, qPrintable(warning.reason()));
        QCOMPARE(warning.vector["configuration"].value, 32);
        QCOMPARE(findCheck(warning, QStringLiteral("freshness"))->outcome, Outcome::Pass);

        // Ours, both encodings, read back.
        const crypto::Key ourKey = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        Appraisal ours;
        ours.status = Appraisal::Status::Contraindicated;
        ours.tier = attestation::Tier::Contraindicated;
        ours.vector["executables"].value = 96;
        attestation::EarOptions ear;
        ear.nonce = kNonce;
        ear.issuedAt = check.now;
        for (const QByteArray &token : {attestation::earJwt(ours, ear, ourKey).value(), attestation::earCwt(ours, ear, ourKey).value()}) {
            const Appraisal back = attestation::readEar(token, {{QStringLiteral("ours"), ourKey}}, check);
            QCOMPARE(back.status, Appraisal::Status::Contraindicated);
            QCOMPARE(back.vector["executables"].value, 96);
        }
    }

    void teepctlExitCodesSayTheStatus()
    {
        if (test::onPostgres())
            QSKIP("teepctl's exit codes are the same on either engine; run once, on SQLite");
        const QString database = m_dir->database(QStringLiteral("appraisal.db"));
        m_db.reset(); // teepctl opens the file itself
        const auto teepctl = [&](QStringList arguments) {
            arguments.prepend(database);
            arguments.prepend(QStringLiteral("--database"));
            return test::runProgram(QStringLiteral(TEEPCTL_PATH), arguments);
        };
        const QString nonce = QString::fromLatin1(kNonce.toHex());
        const QString key = m_dir->path(QStringLiteral("attester.pem"));
        QCOMPARE(teepctl({QStringLiteral("attestation"), QStringLiteral("reference"), QStringLiteral("import"), m_dir->path(QStringLiteral("corim-signed.cbor"))}).exitCode, 2);
        QCOMPARE(teepctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("verifier-key"), m_dir->path(QStringLiteral("verifier.crt"))}).exitCode, 0);
        const auto imported = teepctl({QStringLiteral("attestation"), QStringLiteral("reference"), QStringLiteral("import"), m_dir->path(QStringLiteral("corim-signed.cbor"))});
        QVERIFY2(imported.exitCode == 0, imported.err.constData());
        QVERIFY(imported.out.contains("signed by ACME Signer"));

        const auto appraise = [&](const char *file, const QStringList &extra) {
            return teepctl(QStringList{QStringLiteral("attestation"), QStringLiteral("appraise"), m_dir->path(QLatin1String(file))} + extra);
        };
        const auto affirming = appraise("evidence.cbor", {QStringLiteral("--key"), key, QStringLiteral("--nonce"), nonce, QStringLiteral("--json")});
        QCOMPARE(affirming.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(affirming.out).object();
        QCOMPARE(json.value(QStringLiteral("tier")).toString(), QStringLiteral("affirming"));
        QCOMPARE(json.value(QStringLiteral("trust_vector")).toObject().value(QStringLiteral("executables")).toObject().value(QStringLiteral("value")).toInt(), 2);
        QVERIFY(json.value(QStringLiteral("checks")).toArray().size() > 5);

        QCOMPARE(appraise("evidence.cbor", {QStringLiteral("--key"), key}).exitCode, 10); // no nonce: a warning

        // --ear-out: written whatever the status, signed by the key given (here: not the TAM's).
        const crypto::Key earKey = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        test::writeAll(m_dir->path(QStringLiteral("ear-key.pem")), crypto::pemEncode(crypto::plainPrivateKey(earKey).value().bytes(), "PRIVATE KEY"));
        QCOMPARE(appraise("evidence.cbor", {QStringLiteral("--key"), key, QStringLiteral("--ear-out"), m_dir->path(QStringLiteral("out.cwt")),
                                            QStringLiteral("--ear-format"), QStringLiteral("cwt"), QStringLiteral("--ear-key"), m_dir->path(QStringLiteral("ear-key.pem"))})
                     .exitCode,
                 10);
        const auto cwt = crypto::cose::parse(cbor::decodeStrict(readAll(m_dir->path(QStringLiteral("out.cwt")))).value());
        QVERIFY(crypto::cose::verify(cwt.value(), earKey, crypto::cose::AlgorithmPolicy::compatible()).ok());
        QCOMPARE(cbor::decodeStrict(cwt.value().payload).value().toMap().value(266).toMap().value(QStringLiteral("teep")).toMap().value(1000).toInteger(), 32);
        QCOMPARE(appraise("evidence-changed-digest.cbor", {QStringLiteral("--key"), key, QStringLiteral("--nonce"), nonce}).exitCode, 11);
        QCOMPARE(appraise("evidence.cbor", {QStringLiteral("--key"), m_dir->path(QStringLiteral("verifier.crt")), QStringLiteral("--nonce"), nonce}).exitCode, 12);
        QCOMPARE(appraise("evidence.cbor", {QStringLiteral("--nonce"), nonce}).exitCode, 12); // no key, no x5chain
        QCOMPARE(appraise("verifier.crt", {QStringLiteral("--key"), key}).exitCode, 13);
        QCOMPARE(appraise("evidence.cbor", {QStringLiteral("--format"), QStringLiteral("tpm")}).exitCode, 64);

        // A PSA token: its Initial Attestation Key is given; decommissioned is contraindicated.
        QCOMPARE(teepctl({QStringLiteral("attestation"), QStringLiteral("reference"), QStringLiteral("import"), m_dir->path(QStringLiteral("corim-psa.cbor"))}).exitCode, 0);
        const QStringList psa{QStringLiteral("--format"), QStringLiteral("psa"), QStringLiteral("--key"), m_dir->path(QStringLiteral("iak.pem")),
                              QStringLiteral("--nonce"), QStringLiteral("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")};
        QCOMPARE(appraise("psa.cbor", psa).exitCode, 0);
        const auto decommissioned = appraise("psa-decommissioned.cbor", psa + QStringList{QStringLiteral("--json")});
        QCOMPARE(decommissioned.exitCode, 11);
        QCOMPARE(QJsonDocument::fromJson(decommissioned.out).object().value(QStringLiteral("reason")).toString(),
                 QStringLiteral("security lifecycle: decommissioned: not the secured state"));

        // A verifier's EAR, by the verifier key imported above: affirming; stale without the nonce.
        QCOMPARE(appraise("ear-affirming.cwt", {QStringLiteral("--format"), QStringLiteral("ear"), QStringLiteral("--nonce"), nonce}).exitCode, 0);
        QCOMPARE(appraise("ear-contraindicated.cwt", {QStringLiteral("--format"), QStringLiteral("ear")}).exitCode, 0 + 11);
        QCOMPARE(appraise("ear-stale.cwt", {QStringLiteral("--format"), QStringLiteral("ear")}).exitCode, 11);
        QCOMPARE(appraise("ear-stale.cwt", {QStringLiteral("--format"), QStringLiteral("ear"), QStringLiteral("--max-age"), QStringLiteral("7200")}).exitCode, 0);
    }

private:
    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
};

QTEST_GUILESS_MAIN(TestAppraisal)
#include "tst_appraisal.moc"
