// Intel SGX DCAP evidence (application/sgx-quote3-teep-bundle). The quotes, the test PCK
// hierarchy and Intel-style collateral are made by independent encoders (make_sgx_samples.py:
// python3-cryptography, python3-cbor2, DER by hand); our simulated platform's quotes are checked
// by python3-cryptography in turn. Every link of the chain of trust is broken once and must give
// its own tier and reason; collateral that does not verify is refused whole, nothing stored.
#include "attestation/sgxappraisal.h"
#include "crypto/asn1tree.h"
#include "crypto/certbuilder.h"
#include "crypto/pkiformats.h"
#include "processrun.h"
#include "sim/simsgx.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/sql.h"
#include "store/trustanchors.h"
#include "tam/corimreferences.h"
#include "tam/referenceappraisal.h"
#include "tam/sgxcollateralstore.h"
#include "tempdir.h"

#include <QCborArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace teep;
using attestation::Appraisal;
using attestation::Outcome;

namespace {

const QByteArray kChallenge = QByteArray::fromHex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const attestation::Check *findCheck(const Appraisal &appraisal, const QString &name, Outcome outcome)
{
    for (const attestation::Check &check : appraisal.checks)
        if (check.name == name && check.outcome == outcome)
            return &check;
    return nullptr;
}

QString describe(const Appraisal &appraisal)
{
    QStringList lines{appraisal.statusName()};
    for (const attestation::Check &check : appraisal.checks)
        lines << QStringLiteral("%1 %2: %3").arg(attestation::outcomeName(check.outcome), check.name, check.detail);
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestSgxAppraisal : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<test::TempDir>();
        const auto made = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral(TEEP_SGX_SAMPLES_SCRIPT), m_dir->path(QString())});
        QVERIFY2(made.exitCode == 0, made.err.constData());
        auto db = store::Database::open(m_dir->database(QStringLiteral("sgx.db")));
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
        m_db = std::move(db.value());
        m_agentKey = crypto::Key::fromPublicKey(readAll(m_dir->path(QStringLiteral("agent.pub")))).value();
    }
    void cleanup()
    {
        m_db.reset();
        m_dir.reset();
    }

    void theQuoteLayoutReadsAsIntelWritesIt()
    {
        const auto bundle = attestation::sgx::parseBundle(readAll(m_dir->path(QStringLiteral("sgx-good.cbor"))));
        QVERIFY(bundle.ok());
        const auto quote = attestation::sgx::parseQuote(bundle.value().quote);
        QVERIFY2(quote.ok(), qPrintable(quote.ok() ? QString() : quote.error().toString()));
        QCOMPARE(quote.value().version, 3);
        QCOMPARE(quote.value().enclave.mrEnclave.toHex(), readAll(m_dir->path(QStringLiteral("mrenclave.hex"))));
        QCOMPARE(quote.value().enclave.mrSigner.toHex(), readAll(m_dir->path(QStringLiteral("mrsigner.hex"))));
        QCOMPARE(quote.value().enclave.isvSvn, 2);
        QVERIFY(!quote.value().enclave.debug());
        QCOMPARE(quote.value().qeReport.isvSvn, 8);
        QCOMPARE(quote.value().qeAuthenticationData.size(), 32);
        // Our writer gives back the same bytes.
        QCOMPARE(attestation::sgx::encodeQuote(quote.value()), bundle.value().quote);
        // The PCK certificate's SGX Extensions, DER written by hand in Python.
        const auto chain = crypto::parseCertificates(quote.value().certificationData).value();
        QCOMPARE(chain.size(), 3);
        const auto pck = attestation::sgx::pckExtensions(chain.first());
        QVERIFY2(pck.ok(), qPrintable(pck.ok() ? QString() : pck.error().toString()));
        QCOMPARE(pck.value().ppid.toHex(), readAll(m_dir->path(QStringLiteral("ppid.hex"))));
        QCOMPARE(pck.value().fmspc.toHex(), QByteArray("00906ed50000"));
        QCOMPARE(pck.value().pceSvn, 13);
        QCOMPARE(pck.value().tcbComponents[5], 128);
        QCOMPARE(attestation::sgx::encodePckExtensions(pck.value()), chain.first().extensionValue(QString::fromLatin1(attestation::sgx::kSgxExtensionsOid)));
        QVERIFY(!attestation::sgx::pckExtensions(chain.last()).ok()); // the root is no PCK certificate
    }

    void aQuoteFromRealHardwareVerifiesToIntelsRoot()
    {
        // A quote taken from live SGX hardware (tests/data/vectors/sgx-dcap, by MobileCoin's test
        // assets): its PCK chain ends at Intel's own SGX Root CA, which is all we trust. It is no
        // TEEP quote (its report data binds nothing of ours), so everything up to that binding
        // verifies and the binding does not.
        const QString vectors = QStringLiteral(TEEP_VECTORS_DIR "/sgx-dcap/");
        const QByteArray raw = readAll(vectors + QStringLiteral("hw_quote.dat"));
        const auto quote = attestation::sgx::parseQuote(raw);
        QVERIFY2(quote.ok(), qPrintable(quote.ok() ? QString() : quote.error().toString()));
        QCOMPARE(quote.value().qeSvn, 7);
        QCOMPARE(quote.value().pceSvn, 12);
        QCOMPARE(quote.value().qeVendorId.toHex(), QByteArray("939a7233f79c4ca9940a0db3957f0607")); // Intel's
        const auto chain = crypto::parseCertificates(quote.value().certificationData).value();
        QCOMPARE(chain.size(), 3);
        QCOMPARE(chain.last().fingerprintHex().toLower().remove(QLatin1Char(':')),
                 QStringLiteral("44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3")); // Intel SGX Root CA
        const auto pck = attestation::sgx::pckExtensions(chain.first());
        QVERIFY2(pck.ok(), qPrintable(pck.ok() ? QString() : pck.error().toString()));
        QCOMPARE(pck.value().fmspc.size(), 6);
        QCOMPARE(pck.value().pceSvn, 11); // the TCB it was certified at (openssl asn1parse agrees); the quote is at 12
        QCOMPARE(attestation::sgx::encodeQuote(quote.value()), raw);

        const FixedClock april2023(QDateTime(QDate(2023, 5, 1), QTime(12, 0), Qt::UTC));
        attestation::sgx::SgxAppraisalOptions options;
        options.roots = {chain.last()};
        options.clock = &april2023;
        // Intel's CRLs of April 2023, with the PCK Processor CA that signed the first.
        const auto collateral = attestation::sgx::readCollateral(
            {{QStringLiteral("processor-ca.pem"), chain[1].pem()}, {QStringLiteral("processor_crl.der"), readAll(vectors + QStringLiteral("processor_crl.der"))},
             {QStringLiteral("root_crl.der"), readAll(vectors + QStringLiteral("root_crl.der"))}},
            options.roots, april2023);
        QVERIFY2(collateral.ok(), qPrintable(collateral.ok() ? QString() : collateral.error().toString()));
        QCOMPARE(collateral.value().crls.size(), 2);
        QVERIFY(collateral.value().crls[0].issuedFor(chain.first()));
        QVERIFY(!collateral.value().crls[0].revokes(chain.first()));
        options.collateral = collateral.value();
        const QByteArray bundle = attestation::sgx::encodeBundle({raw, QByteArray(64, '\x01') + kChallenge});
        const attestation::sgx::VerifiedSgx verified = attestation::sgx::verifySgx(bundle, options);
        for (const char *name : {"PCK certificate chain", "QE report signature", "QE report data", "signature"})
            QVERIFY2(std::any_of(verified.checks.cbegin(), verified.checks.cend(), [name](const attestation::Check &c) { return c.name == QLatin1String(name) && c.outcome == Outcome::Pass; }),
                     name);
        QCOMPARE(verified.checks.last().name, QStringLiteral("report data"));
        QCOMPARE(verified.checks.last().outcome, Outcome::Fail);
        QVERIFY(!verified.verified);
        // Trusting only our test root instead: the chain itself is refused.
        options.roots = crypto::parseCertificates(readAll(m_dir->path(QStringLiteral("intel-root.crt")))).value();
        QCOMPARE(attestation::sgx::verifySgx(bundle, options).checks.first().outcome, Outcome::Fail);
    }

    void everyLinkVerifiedAffirmsWithCollateral()
    {
        trustRoot();
        importCorim();
        QVERIFY(importCollateral(QStringLiteral("collateral")).ok());
        const Appraisal appraisal = appraise(QStringLiteral("sgx-good.cbor"));
        QVERIFY2(appraisal.status == Appraisal::Status::Affirming, qPrintable(describe(appraisal)));
        for (const char *name : {"PCK certificate chain", "QE report signature", "QE report data", "signature", "report data", "agent key", "nonce",
                                 "component MRENCLAVE", "component MRSIGNER", "ISV SVN", "platform TCB", "Quoting Enclave TCB", "enclave attributes"})
            QVERIFY2(findCheck(appraisal, QLatin1String(name), Outcome::Pass), name);
        QCOMPARE(appraisal.vector["hardware"].value, attestation::trust::Affirmed);
        QVERIFY(appraisal.vector["hardware"].detail.contains(QStringLiteral("UpToDate")));
        QCOMPARE(appraisal.vector["executables"].value, attestation::trust::Affirmed);
        QCOMPARE(appraisal.vector["configuration"].value, attestation::trust::Affirmed);
        // Both CRLs were consulted.
        int revocationChecks = 0;
        for (const attestation::Check &check : appraisal.checks)
            revocationChecks += check.name == QLatin1String("revocation") && check.outcome == Outcome::Pass;
        QCOMPARE(revocationChecks, 2);
    }

    void withoutCollateralTheTierIsAtMostWarning()
    {
        trustRoot();
        importCorim();
        const Appraisal appraisal = appraise(QStringLiteral("sgx-good.cbor"));
        QVERIFY2(appraisal.status == Appraisal::Status::Warning, qPrintable(describe(appraisal)));
        QCOMPARE(appraisal.vector["hardware"].value, attestation::trust::Unapproved);
        const attestation::Check *platform = findCheck(appraisal, QStringLiteral("platform TCB"), Outcome::Warn);
        QVERIFY(platform);
        QVERIFY2(platform->detail.contains(QStringLiteral("no TCB info for FMSPC 00906ed50000")) && platform->detail.contains(QStringLiteral("at most warning")),
                 qPrintable(platform->detail));
    }

    void eachBrokenLinkGivesItsTierAndReason_data()
    {
        QTest::addColumn<QString>("sample");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("check");
        QTest::addColumn<QString>("says");
        using S = Appraisal::Status;
        QTest::newRow("stale challenge") << "sgx-stale.cbor" << int(S::Contraindicated) << "nonce" << "a replayed or stale quote";
        QTest::newRow("debug enclave") << "sgx-debug.cbor" << int(S::Contraindicated) << "enclave attributes" << "DEBUG is set";
        QTest::newRow("superseded ISV SVN") << "sgx-old-svn.cbor" << int(S::Contraindicated) << "ISV SVN" << "1, the reference values ask at least 2";
        QTest::newRow("MRENCLAVE changed after signing") << "sgx-tampered.cbor" << int(S::NotVerified) << "signature" << "not signed by the attestation key";
        QTest::newRow("QE does not vouch for the key") << "sgx-qe-binding.cbor" << int(S::NotVerified) << "QE report data" << "does not vouch";
        QTest::newRow("out-of-date TCB") << "sgx-outdated-tcb.cbor" << int(S::Warning) << "platform TCB" << "OutOfDate";
        QTest::newRow("revoked PCK certificate") << "sgx-revoked-pck.cbor" << int(S::Contraindicated) << "revocation" << "is revoked by the CRL";
    }
    void eachBrokenLinkGivesItsTierAndReason()
    {
        QFETCH(QString, sample);
        QFETCH(int, status);
        QFETCH(QString, check);
        QFETCH(QString, says);
        trustRoot();
        importCorim();
        QVERIFY(importCollateral(QStringLiteral("collateral")).ok());
        const Appraisal appraisal = appraise(sample);
        QVERIFY2(int(appraisal.status) == status, qPrintable(describe(appraisal)));
        const Outcome outcome = status == int(Appraisal::Status::Warning) ? Outcome::Warn : Outcome::Fail;
        const attestation::Check *found = findCheck(appraisal, check, outcome);
        QVERIFY2(found && found->detail.contains(says), qPrintable(describe(appraisal)));
        QVERIFY2(appraisal.reason().contains(says), qPrintable(appraisal.reason()));
        if (status == int(Appraisal::Status::NotVerified))
            QCOMPARE(appraisal.vector["executables"].value, attestation::trust::NoClaim); // nothing unverified is appraised
    }

    void anotherAgentKeyOrAnUntrustedRootIsRefused()
    {
        importCorim();
        // No root in the TEE store: the PCK chain proves nothing.
        Appraisal appraisal = appraise(QStringLiteral("sgx-good.cbor"));
        QCOMPARE(appraisal.status, Appraisal::Status::NotVerified);
        QVERIFY(findCheck(appraisal, QStringLiteral("PCK certificate chain"), Outcome::Fail));
        trustRoot();
        const crypto::Key other = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        appraisal = tam::appraiseSgxEvidence(m_db->connection(), SystemClock::instance(), readAll(m_dir->path(QStringLiteral("sgx-good.cbor"))), kChallenge, other);
        QCOMPARE(appraisal.status, Appraisal::Status::Contraindicated);
        QVERIFY(findCheck(appraisal, QStringLiteral("agent key"), Outcome::Fail));
    }

    void malformedEvidenceIsRefusedWithTheOffset()
    {
        trustRoot();
        const qint64 auditBefore = auditCount();
        const QByteArray good = readAll(m_dir->path(QStringLiteral("sgx-good.cbor")));
        const auto bundle = attestation::sgx::parseBundle(good).value();
        const auto expectMalformed = [&](const QByteArray &bundleBytes, const QString &says) {
            const Appraisal appraisal = tam::appraiseSgxEvidence(m_db->connection(), SystemClock::instance(), bundleBytes, kChallenge, m_agentKey);
            QVERIFY2(appraisal.status == Appraisal::Status::Malformed, qPrintable(describe(appraisal)));
            QVERIFY2(appraisal.reason().contains(says), qPrintable(appraisal.reason()));
        };
        QByteArray wrongVersion = bundle.quote;
        wrongVersion[0] = 4;
        expectMalformed(attestation::sgx::encodeBundle({wrongVersion, bundle.rawReportData}), QStringLiteral("SGX quote byte 0: quote version 4"));
        expectMalformed(attestation::sgx::encodeBundle({bundle.quote.left(300), bundle.rawReportData}),
                        QStringLiteral("the quote ends inside the enclave's report body"));
        QByteArray longer = bundle.quote + QByteArray(3, 'x');
        expectMalformed(attestation::sgx::encodeBundle({longer, bundle.rawReportData}), QStringLiteral("SGX quote byte 432: the signature data is said to be"));
        expectMalformed(attestation::sgx::encodeBundle({bundle.quote, bundle.rawReportData.left(64)}), QStringLiteral("raw-report-data is 64 bytes"));
        expectMalformed(good.left(good.size() - 1), QStringLiteral("not a CBOR SGX bundle"));
        expectMalformed(QCborValue(QCborArray{bundle.quote}).toCbor(), QStringLiteral("[quote, raw-report-data]"));
        QCOMPARE(auditCount(), auditBefore); // an appraisal records nothing
    }

    void collateralThatDoesNotVerifyIsRefusedWhole()
    {
        trustRoot();
        const qint64 auditBefore = auditCount();
        // A changed tcbStatus after signing: refused with the file's name, nothing stored.
        const auto forged = importCollateral(QStringLiteral("collateral-forged"));
        QVERIFY(!forged.ok());
        QCOMPARE(forged.error().where, QStringLiteral("tcb-info.json"));
        QVERIFY(forged.error().message.contains(QStringLiteral("the signature is by no certificate")));
        QCOMPARE(tam::SgxCollateralStore(m_db->connection(), SystemClock::instance(), QString()).rows().value().size(), 0);
        QCOMPARE(auditCount(), auditBefore);

        // Without the root that signs it: refused too.
        const auto files = attestation::sgx::readCollateralFiles(m_dir->path(QStringLiteral("collateral"))).value();
        const auto unrooted = attestation::sgx::readCollateral(files, {}, SystemClock::instance());
        QVERIFY(!unrooted.ok());
        const auto roots = crypto::parseCertificates(readAll(m_dir->path(QStringLiteral("intel-root.crt")))).value();
        // A certificate that chains to no trusted root is not kept beside the rest.
        const crypto::Key stranger = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        crypto::CertificateSpec spec;
        spec.commonName = QStringLiteral("Someone's CA");
        spec.profile = crypto::CertificateProfile::RootCa;
        auto withStranger = files;
        withStranger.append({QStringLiteral("stranger.pem"), crypto::issueCertificate(spec, stranger, stranger).value().pem()});
        const auto strangers = attestation::sgx::readCollateral(withStranger, roots, SystemClock::instance());
        QVERIFY(!strangers.ok());
        QCOMPARE(strangers.error().where, QStringLiteral("stranger.pem"));
        // A second "tcbInfo" member after the signed one (a parser keeps the last of a name): what
        // is read is the signed text, not the other.
        QByteArray twice;
        for (const auto &[name, content] : files)
            if (name == QLatin1String("tcb-info.json"))
                twice = content;
        const qsizetype signatureAt = twice.indexOf(",\"signature\"");
        const QByteArray signedText = twice.mid(11, signatureAt - 11); // after {"tcbInfo":
        QByteArray forgedText = signedText;
        forgedText.replace("\"OutOfDate\"", "\"UpToDate\"").replace("\"pcesvn\":9", "\"pcesvn\":0");
        twice.insert(signatureAt, ",\"tcbInfo\":" + forgedText);
        auto withTwice = files;
        for (auto &[name, content] : withTwice)
            if (name == QLatin1String("tcb-info.json"))
                content = twice;
        const auto read = attestation::sgx::readCollateral(withTwice, roots, SystemClock::instance());
        QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error().toString()));
        QCOMPARE(read.value().tcbInfos.first().levels.last().status, QStringLiteral("OutOfDate"));
        QCOMPARE(read.value().tcbInfos.first().levels.last().pceSvn, 9);

        // Verified: six files, one audit entry; again: unchanged; Intel's later evaluation
        // (newer) replaces it, and the older one cannot come back.
        const auto imported = importCollateral(QStringLiteral("collateral"));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().toString()));
        QCOMPARE(imported.value().added.size(), 6);
        QCOMPARE(auditCount(), auditBefore + 1);
        QCOMPARE(importCollateral(QStringLiteral("collateral")).value().added.size(), 0);
        QCOMPARE(auditCount(), auditBefore + 1);
        const auto later = importCollateral(QStringLiteral("collateral-outdated"));
        QVERIFY(later.ok());
        QVERIFY(later.value().replaced.contains(QStringLiteral("tcb-info.json")));
        const auto older = importCollateral(QStringLiteral("collateral"));
        QVERIFY(!older.ok());
        QCOMPARE(older.error().code, QStringLiteral("sgx.older-collateral"));
        importCorim();
        const Appraisal appraisal = appraise(QStringLiteral("sgx-good.cbor"));
        QVERIFY2(appraisal.status == Appraisal::Status::Warning, qPrintable(describe(appraisal)));
        QVERIFY(findCheck(appraisal, QStringLiteral("platform TCB"), Outcome::Warn)->detail.contains(QStringLiteral("SWHardeningNeeded")));
        QVERIFY(findCheck(appraisal, QStringLiteral("platform TCB"), Outcome::Warn)->detail.contains(QStringLiteral("INTEL-SA-00837")));
        QVERIFY(store::AuditLog::verify(m_db->connection()).ok);
    }

    void ourSimulatedQuotesVerifyWithPython()
    {
        // The writer (simsgx) against an independent reader: python3-cryptography checks the
        // quote's signature by the attestation key, the QE report's by the PCK key, both bindings.
        const auto platform = sim::SimSgxPlatform::create();
        QVERIFY(platform.ok());
        const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
        const QByteArray bundle = platform.value()->bundle(agent, kChallenge).value();
        QFile out(m_dir->path(QStringLiteral("ours.cbor")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bundle);
        out.close();
        const QString script = QStringLiteral(R"(
import cbor2, hashlib, struct, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
quote, raw = cbor2.loads(open(sys.argv[1] + '/ours.cbor', 'rb').read())
def verify(key, sig, msg):
    key.verify(utils.encode_dss_signature(int.from_bytes(sig[:32], 'big'), int.from_bytes(sig[32:], 'big')), msg, ec.ECDSA(hashes.SHA256()))
assert struct.unpack('<HH', quote[:4]) == (3, 2)
sig, ak, qe, qe_sig = quote[436:500], quote[500:564], quote[564:948], quote[948:1012]
auth_len = struct.unpack('<H', quote[1012:1014])[0]
auth = quote[1014:1014 + auth_len]
ctype, csize = struct.unpack('<HI', quote[1014 + auth_len:1020 + auth_len])
pems = quote[1020 + auth_len:].split(b'-----END CERTIFICATE-----')
chain = [x509.load_pem_x509_certificate(p + b'-----END CERTIFICATE-----\n') for p in pems if b'BEGIN' in p]
assert csize == len(quote) - 1020 - auth_len
verify(ec.EllipticCurvePublicNumbers(int.from_bytes(ak[:32], 'big'), int.from_bytes(ak[32:], 'big'), ec.SECP256R1()).public_key(), sig, quote[:432])
verify(chain[0].public_key(), qe_sig, qe)
assert qe[320:352] == hashlib.sha256(ak + auth).digest() and qe[352:384] == bytes(32)
assert quote[48 + 320:48 + 384] == hashlib.sha384(raw).digest() + bytes(16)
ext = chain[0].extensions.get_extension_for_oid(x509.ObjectIdentifier('1.2.840.113741.1.13.1'))
print(ctype, len(chain), raw[64:].hex(), len(ext.value.value) > 100)
)");
        const auto python = test::runProgram(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, m_dir->path(QString())});
        QVERIFY2(python.exitCode == 0, python.err.constData());
        QCOMPARE(python.out.trimmed(), QByteArray("5 3 c0c1c2c3c4c5c6c7c8c9cacbcccdcecf True"));

        // And our appraisal of it, with the platform's own collateral.
        QVERIFY(store::TrustAnchors(m_db->connection(), SystemClock::instance(), QStringLiteral("test"))
                    .importCertificates(crypto::TrustStore::TeeRoot, platform.value()->root().pem())
                    .ok());
        QVERIFY(tam::SgxCollateralStore(m_db->connection(), SystemClock::instance(), QStringLiteral("test")).importFiles(platform.value()->collateral().value()).ok());
        const Appraisal appraisal = tam::appraiseSgxEvidence(m_db->connection(), SystemClock::instance(), bundle, kChallenge, agent);
        QVERIFY(findCheck(appraisal, QStringLiteral("platform TCB"), Outcome::Pass));
        QVERIFY(findCheck(appraisal, QStringLiteral("Quoting Enclave TCB"), Outcome::Pass));
        QCOMPARE(appraisal.status, Appraisal::Status::Warning); // no reference values for its enclave: said
    }

    void teepctlSaysTheStatusByItsExitCode()
    {
        if (test::onPostgres())
            QSKIP("teepctl's exit codes are the same on either engine; run once, on SQLite");
        const QString database = m_dir->database(QStringLiteral("sgx.db"));
        m_db.reset();
        const auto teepctl = [&](QStringList arguments) {
            arguments.prepend(database);
            arguments.prepend(QStringLiteral("--database"));
            return test::runProgram(QStringLiteral(TEEPCTL_PATH), arguments);
        };
        const QString nonce = QString::fromLatin1(kChallenge.toHex());
        const auto appraise = [&](const QString &sample, QStringList more) {
            return teepctl(QStringList{QStringLiteral("attestation"), QStringLiteral("appraise"), m_dir->path(sample), QStringLiteral("--format"), QStringLiteral("sgx"),
                                       QStringLiteral("--nonce"), nonce, QStringLiteral("--key"), m_dir->path(QStringLiteral("agent.pub"))} +
                           more);
        };
        QCOMPARE(teepctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("tee-root"), m_dir->path(QStringLiteral("intel-root.crt"))}).exitCode, 0);
        QCOMPARE(teepctl({QStringLiteral("attestation"), QStringLiteral("reference"), QStringLiteral("import"), m_dir->path(QStringLiteral("corim-sgx.cbor"))}).exitCode, 0);
        QCOMPARE(appraise(QStringLiteral("sgx-good.cbor"), {}).exitCode, 10); // no collateral: warning
        const auto withFiles = appraise(QStringLiteral("sgx-good.cbor"), {QStringLiteral("--collateral"), m_dir->path(QStringLiteral("collateral")), QStringLiteral("--json")});
        QCOMPARE(withFiles.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(withFiles.out).object();
        QCOMPARE(json.value(QStringLiteral("tier")).toString(), QStringLiteral("affirming"));
        QCOMPARE(json.value(QStringLiteral("trust_vector")).toObject().value(QStringLiteral("hardware")).toObject().value(QStringLiteral("value")).toInt(), 2);
        const auto forged = appraise(QStringLiteral("sgx-good.cbor"), {QStringLiteral("--collateral"), m_dir->path(QStringLiteral("collateral-forged"))});
        QCOMPARE(forged.exitCode, 2);
        QVERIFY2(forged.err.contains("tcb-info.json"), forged.err.constData());
        // Kept for sessions: import, list, then the same appraisal without --collateral affirms.
        QCOMPARE(teepctl({QStringLiteral("attestation"), QStringLiteral("collateral"), QStringLiteral("import"), m_dir->path(QStringLiteral("collateral"))}).exitCode, 0);
        const auto listed = teepctl({QStringLiteral("attestation"), QStringLiteral("collateral"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(listed.out).array().size(), 6);
        QCOMPARE(appraise(QStringLiteral("sgx-good.cbor"), {}).exitCode, 0);
        QCOMPARE(appraise(QStringLiteral("sgx-debug.cbor"), {}).exitCode, 11);
        QCOMPARE(appraise(QStringLiteral("sgx-tampered.cbor"), {}).exitCode, 12);
        QCOMPARE(appraise(QStringLiteral("agent.pub"), {}).exitCode, 13);
        QCOMPARE(teepctl({QStringLiteral("attestation"), QStringLiteral("appraise"), m_dir->path(QStringLiteral("sgx-good.cbor")), QStringLiteral("--collateral"),
                          m_dir->path(QStringLiteral("collateral"))})
                     .exitCode,
                 64);
    }

private:
    void trustRoot()
    {
        QVERIFY(store::TrustAnchors(m_db->connection(), SystemClock::instance(), QStringLiteral("test"))
                    .importCertificates(crypto::TrustStore::TeeRoot, readAll(m_dir->path(QStringLiteral("intel-root.crt"))))
                    .ok());
    }
    void importCorim()
    {
        const auto imported = tam::CorimReferences(m_db->connection(), SystemClock::instance(), QStringLiteral("test"))
                                  .importFile(readAll(m_dir->path(QStringLiteral("corim-sgx.cbor"))), QStringLiteral("corim-sgx.cbor"));
        QVERIFY2(imported.ok(), qPrintable(imported.ok() ? QString() : imported.error().toString()));
    }
    Result<tam::SgxCollateralImport> importCollateral(const QString &directory)
    {
        const auto files = attestation::sgx::readCollateralFiles(m_dir->path(directory));
        if (!files)
            return files.error();
        return tam::SgxCollateralStore(m_db->connection(), SystemClock::instance(), QStringLiteral("test")).importFiles(files.value());
    }
    Appraisal appraise(const QString &sample)
    {
        return tam::appraiseSgxEvidence(m_db->connection(), SystemClock::instance(), readAll(m_dir->path(sample)), kChallenge, m_agentKey);
    }
    qint64 auditCount()
    {
        auto rows = store::run(m_db->connection(), QStringLiteral("SELECT COUNT(*) FROM audit_log"));
        return rows && rows.value().next() ? rows.value().value(0).toLongLong() : -1;
    }

    std::unique_ptr<test::TempDir> m_dir;
    std::unique_ptr<store::Database> m_db;
    crypto::Key m_agentKey;
};

QTEST_GUILESS_MAIN(TestSgxAppraisal)
#include "tst_sgxappraisal.moc"
