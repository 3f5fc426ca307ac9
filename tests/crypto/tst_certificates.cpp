// Certificates: issuing with the right extensions, CSRs, and every import/export format, each
// checked with the openssl CLI; bad input gives a clear error.
#include "crypto/certbuilder.h"
#include "crypto/cosekey.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "pkifixtures.h"
#include "tempdir.h"

#include <QTest>

#include <openssl/x509v3.h>

using namespace teep::crypto;
using teep::Result;
using teep::Status;
using teep::test::Issued;
using teep::test::runOpenSsl;
using teep::test::TempDir;
using teep::test::writeAll;

class TestCertificates : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void rootHasCaExtensions();
    void tamCertificateCarriesTamIdAndChains();
    void everyKeyAlgorithmIssues_data();
    void everyKeyAlgorithmIssues();
    void specIsValidated();
    void csrIsSignedByAnExternalCa();
    void pemBundleRoundTrips();
    void pkcs7RoundTripsWithOpenSsl();
    void pkcs12RoundTripsWithOpenSsl();
    void pkcs12WrongPasswordIsRefused();
    void badInputIsRefused_data();
    void badInputIsRefused();

private:
    Issued m_root;
    Issued m_tam;
    TempDir m_dir;
};

void TestCertificates::initTestCase()
{
    m_root = teep::test::makeRoot(QStringLiteral("Example TAM Root CA"));
    CertificateSpec spec;
    spec.commonName = QStringLiteral("Example TAM");
    spec.profile = CertificateProfile::TamSigning;
    spec.uris = {QStringLiteral("urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")};
    spec.registeredIds = {QStringLiteral("1.3.6.1.4.1.99999.1.7")};
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    m_tam = {key, issueCertificate(spec, key, m_root.key, m_root.certificate).value()};
}

void TestCertificates::rootHasCaExtensions()
{
    const Certificate &root = m_root.certificate;
    QVERIFY(root.isCa());
    QVERIFY(root.isSelfIssued());
    QVERIFY(root.isSignedBy(m_root.key));
    QCOMPARE(root.keyUsage(), long(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    QCOMPARE(root.commonName(), QStringLiteral("Example TAM Root CA"));
    QCOMPARE(root.subject(), QStringLiteral("CN=Example TAM Root CA,O=TEEP Console Tests"));
    QCOMPARE(root.serialHex().size() >= 30, true);
    QCOMPARE(root.fingerprintSha256().size(), 32 * 3 - 1);

    const QString path = m_dir.path(QStringLiteral("root.pem"));
    writeAll(path, root.pem());
    const auto text = runOpenSsl({QStringLiteral("x509"), QStringLiteral("-in"), path, QStringLiteral("-noout"),
                                  QStringLiteral("-text"), QStringLiteral("-fingerprint"), QStringLiteral("-sha256")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains("X509v3 Basic Constraints: critical"));
    QVERIFY(text.out.contains("CA:TRUE"));
    QVERIFY(text.out.contains("Certificate Sign, CRL Sign"));
    QVERIFY(text.out.contains("X509v3 Subject Key Identifier"));
    QVERIFY(text.out.contains("X509v3 Authority Key Identifier"));
    QVERIFY(text.out.contains(root.fingerprintSha256().toLatin1()));
    const auto verify = runOpenSsl({QStringLiteral("verify"), QStringLiteral("-CAfile"), path, path});
    QCOMPARE(verify.exitCode, 0);
}

void TestCertificates::tamCertificateCarriesTamIdAndChains()
{
    const Certificate &tam = m_tam.certificate;
    QVERIFY(!tam.isCa());
    QCOMPARE(tam.subjectAltNames(),
             QStringList({QStringLiteral("URI:urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
                          QStringLiteral("RID:1.3.6.1.4.1.99999.1.7")}));
    QCOMPARE(tam.keyUsage(), long(KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT));
    QCOMPARE(tam.issuer(), m_root.certificate.subject());
    const QStringList extensions = tam.extensions();
    QVERIFY(extensions.contains(QStringLiteral("X509v3 Basic Constraints [critical]: CA:FALSE")));

    const QString rootPath = m_dir.path(QStringLiteral("tam-root.pem"));
    const QString tamPath = m_dir.path(QStringLiteral("tam.pem"));
    writeAll(rootPath, m_root.certificate.pem());
    writeAll(tamPath, tam.pem());
    const auto verify = runOpenSsl({QStringLiteral("verify"), QStringLiteral("-x509_strict"), QStringLiteral("-CAfile"),
                                    rootPath, tamPath});
    QVERIFY2(verify.exitCode == 0, verify.err.constData());
    QVERIFY(verify.out.contains("OK"));
}

void TestCertificates::everyKeyAlgorithmIssues_data()
{
    QTest::addColumn<KeyAlgorithm>("algorithm");
    QTest::newRow("p256") << KeyAlgorithm::P256;
    QTest::newRow("ed25519") << KeyAlgorithm::Ed25519;
    QTest::newRow("rsa2048") << KeyAlgorithm::Rsa2048;
    QTest::newRow("rsa3072") << KeyAlgorithm::Rsa3072;
}

void TestCertificates::everyKeyAlgorithmIssues()
{
    QFETCH(KeyAlgorithm, algorithm);
    const Issued root = teep::test::makeRoot(QStringLiteral("Root"), algorithm);
    const Issued sp = teep::test::issueUnder(root, QStringLiteral("SP signer"), CertificateProfile::SpSigning, algorithm);
    QVERIFY(sp.certificate.isSignedBy(root.key));
    QCOMPARE(sp.certificate.extendedKeyUsage(), QStringList{QStringLiteral("codeSigning")});
    // The key read back from the certificate takes its SPKI (and EC point) from the certificate:
    // they must be what OpenSSL yields for the subject key itself.
    const Key fromCertificate = Certificate::fromDer(sp.certificate.der()).value().publicKey();
    QCOMPARE(fromCertificate.publicKeyDer(), sp.key.publicKeyDer());
    QVERIFY(fromCertificate.samePublicKey(sp.key));
    if (algorithm == KeyAlgorithm::P256)
        QCOMPARE(coseKeyThumbprint(fromCertificate).value(), coseKeyThumbprint(sp.key).value());
    const QString rootPath = m_dir.path(QStringLiteral("r.pem"));
    const QString leafPath = m_dir.path(QStringLiteral("l.pem"));
    writeAll(rootPath, root.certificate.pem());
    writeAll(leafPath, sp.certificate.pem());
    QCOMPARE(runOpenSsl({QStringLiteral("verify"), QStringLiteral("-CAfile"), rootPath, leafPath}).exitCode, 0);
}

void TestCertificates::specIsValidated()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    CertificateSpec spec;
    QCOMPARE(issueCertificate(spec, key, key).error().code, QStringLiteral("crypto.spec"));
    spec.commonName = QStringLiteral("x");
    spec.uris = {QStringLiteral("urn:a,DNS:evil.example")};
    QVERIFY(issueCertificate(spec, key, key).error().message.contains(QStringLiteral("contains ','")));
    spec.uris.clear();
    spec.country = QStringLiteral("Germany");
    QVERIFY(!issueCertificate(spec, key, key).ok());
    spec.country.clear();
    const Key other = Key::generate(KeyAlgorithm::P256).value();
    QVERIFY(issueCertificate(spec, key, other).error().message.contains(QStringLiteral("its own key")));
    QVERIFY(issueCertificate(spec, key, other, m_root.certificate).error().message.contains(QStringLiteral("does not belong")));
}

void TestCertificates::csrIsSignedByAnExternalCa()
{
    const Key key = Key::generate(KeyAlgorithm::P256).value();
    CertificateSpec spec;
    spec.commonName = QStringLiteral("TAM awaiting external CA");
    spec.profile = CertificateProfile::TamSigning;
    spec.uris = {QStringLiteral("https://tam.example/teep")};
    const Result<QByteArray> csr = createCsr(spec, key);
    QVERIFY(csr.ok());
    const QString csrPath = m_dir.path(QStringLiteral("tam.csr"));
    writeAll(csrPath, pemEncode(csr.value(), "CERTIFICATE REQUEST"));
    const auto checked = runOpenSsl({QStringLiteral("req"), QStringLiteral("-in"), csrPath, QStringLiteral("-verify"),
                                     QStringLiteral("-noout"), QStringLiteral("-text")});
    QCOMPARE(checked.exitCode, 0);
    QVERIFY(checked.out.contains("URI:https://tam.example/teep"));

    // The external CA: openssl itself, with our root's key.
    const QString caCert = m_dir.path(QStringLiteral("ca.pem"));
    const QString caKey = m_dir.path(QStringLiteral("ca.key"));
    writeAll(caCert, m_root.certificate.pem());
    writeAll(caKey, pemEncode(plainPrivateKey(m_root.key).value().bytes(), "PRIVATE KEY"));
    const auto issued = runOpenSsl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csrPath,
                                    QStringLiteral("-CA"), caCert, QStringLiteral("-CAkey"), caKey,
                                    QStringLiteral("-copy_extensions"), QStringLiteral("copy"), QStringLiteral("-days"),
                                    QStringLiteral("30")});
    QVERIFY2(issued.exitCode == 0, issued.err.constData());
    const Result<QList<Certificate>> certs = parseCertificates(issued.out);
    QVERIFY(certs.ok());
    QVERIFY(certs.value().first().publicKey().samePublicKey(key));
    QVERIFY(certs.value().first().isSignedBy(m_root.key));
    QVERIFY(certs.value().first().subjectAltNames().contains(QStringLiteral("URI:https://tam.example/teep")));
}

void TestCertificates::pemBundleRoundTrips()
{
    const QByteArray bundle = "leading text is ignored\n" + writePem({m_tam.certificate, m_root.certificate});
    const Result<QList<Certificate>> parsed = parseCertificates(bundle);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed.value().size(), 2);
    QVERIFY(parsed.value()[0] == m_tam.certificate);
    QVERIFY(parsed.value()[1] == m_root.certificate);
    QCOMPARE(parseCertificates(m_root.certificate.der()).value().first().der(), m_root.certificate.der());
}

void TestCertificates::pkcs7RoundTripsWithOpenSsl()
{
    const Result<QByteArray> p7 = writePkcs7({m_tam.certificate, m_root.certificate});
    QVERIFY(p7.ok());
    const auto printed = runOpenSsl({QStringLiteral("pkcs7"), QStringLiteral("-inform"), QStringLiteral("DER"),
                                     QStringLiteral("-print_certs"), QStringLiteral("-noout")},
                                    p7.value());
    QCOMPARE(printed.exitCode, 0);
    QVERIFY2(printed.out.contains("subject=CN = Example TAM\n"), printed.out.constData());
    QVERIFY(printed.out.contains("CN = Example TAM Root CA\n"));
    QCOMPARE(parseCertificates(p7.value()).value().size(), 2);

    const QString pemPath = m_dir.path(QStringLiteral("bundle.pem"));
    writeAll(pemPath, writePem({m_tam.certificate, m_root.certificate}));
    const auto theirs = runOpenSsl({QStringLiteral("crl2pkcs7"), QStringLiteral("-nocrl"), QStringLiteral("-certfile"), pemPath});
    QCOMPARE(theirs.exitCode, 0);
    const Result<QList<Certificate>> parsed = parseCertificates(theirs.out);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
    QCOMPARE(parsed.value().size(), 2);
}

void TestCertificates::pkcs12RoundTripsWithOpenSsl()
{
    const Result<QByteArray> p12 = writePkcs12(m_tam.key, m_tam.certificate, {m_root.certificate},
                                               Secret("p12 pass"), QStringLiteral("Example TAM"));
    QVERIFY(p12.ok());
    const auto info = runOpenSsl({QStringLiteral("pkcs12"), QStringLiteral("-nodes"), QStringLiteral("-passin"),
                                  QStringLiteral("pass:p12 pass")},
                                 p12.value());
    QVERIFY2(info.exitCode == 0, info.err.constData());
    QVERIFY(info.out.contains("friendlyName: Example TAM"));
    QVERIFY(info.out.contains("BEGIN PRIVATE KEY"));

    const Result<Pkcs12Contents> ours = readPkcs12(p12.value(), Secret("p12 pass"));
    QVERIFY(ours.ok());
    QVERIFY(ours.value().certificate == m_tam.certificate);
    QVERIFY(ours.value().key.samePublicKey(m_tam.key));
    QCOMPARE(ours.value().chain.size(), 1);

    // A PKCS#12 file written by openssl.
    const QString certPath = m_dir.path(QStringLiteral("c.pem"));
    const QString keyPath = m_dir.path(QStringLiteral("k.pem"));
    writeAll(certPath, m_tam.certificate.pem());
    writeAll(keyPath, pemEncode(plainPrivateKey(m_tam.key).value().bytes(), "PRIVATE KEY"));
    const auto exported = runOpenSsl({QStringLiteral("pkcs12"), QStringLiteral("-export"), QStringLiteral("-in"), certPath,
                                      QStringLiteral("-inkey"), keyPath, QStringLiteral("-passout"), QStringLiteral("pass:theirs")});
    QCOMPARE(exported.exitCode, 0);
    const Result<Pkcs12Contents> theirs = readPkcs12(exported.out, Secret("theirs"));
    QVERIFY2(theirs.ok(), qPrintable(theirs.ok() ? QString() : theirs.error().message));
    QVERIFY(theirs.value().key.samePublicKey(m_tam.key));
}

void TestCertificates::pkcs12WrongPasswordIsRefused()
{
    const QByteArray p12 = writePkcs12(m_tam.key, m_tam.certificate, {}, Secret("right"), QStringLiteral("x")).value();
    const Result<Pkcs12Contents> wrong = readPkcs12(p12, Secret("wrong"));
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.error().code, QStringLiteral("crypto.wrong-password"));
    QCOMPARE(readPkcs12(p12.left(p12.size() / 2), Secret("right")).error().code, QStringLiteral("crypto.bad-pkcs12"));
}

void TestCertificates::badInputIsRefused_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("code");
    const QByteArray pem = m_root.certificate.pem();
    const QByteArray der = m_root.certificate.der();
    QTest::newRow("empty") << QByteArray() << QStringLiteral("crypto.empty-input");
    QTest::newRow("garbage") << QByteArray("\x13\x37 definitely not a certificate") << QStringLiteral("crypto.bad-der");
    QTest::newRow("truncated DER") << der.left(der.size() - 20) << QStringLiteral("crypto.bad-der");
    QTest::newRow("DER with trailing bytes") << der + "junk" << QStringLiteral("crypto.bad-der");
    QTest::newRow("truncated PEM") << pem.left(pem.size() / 2) << QStringLiteral("crypto.bad-pem");
    QTest::newRow("PEM with damaged base64") << QByteArray(pem).replace(100, 8, "!!!!!!!!") << QStringLiteral("crypto.bad-pem");
    QTest::newRow("PEM of a key, no certificate")
        << pemEncode(m_root.key.publicKeyDer(), "PUBLIC KEY") << QStringLiteral("crypto.no-certificate");
    QTest::newRow("oversized") << QByteArray(kMaxPkiInputBytes + 1, 'A') << QStringLiteral("crypto.too-large");
    QByteArray many;
    for (int i = 0; i <= kMaxCertificatesPerInput; ++i)
        many += pem;
    QTest::newRow("too many certificates") << many << QStringLiteral("crypto.too-many");
}

void TestCertificates::badInputIsRefused()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, code);
    const Result<QList<Certificate>> parsed = parseCertificates(input);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, code);
    QVERIFY(!parsed.error().message.isEmpty());
}

QTEST_GUILESS_MAIN(TestCertificates)
#include "tst_certificates.moc"
