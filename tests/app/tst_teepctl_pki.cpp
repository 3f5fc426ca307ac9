// teepctl's TAM identity, trust-anchor, SP and audit commands as a factory script uses them:
// real processes, a real database, certificates made by the openssl CLI.
#include "processrun.h"
#include "tempdir.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include "store/auditlog.h"

#include <functional>

using teep::test::readAll;
using teep::test::TempDir;
using teep::test::ToolRun;
using teep::test::writeAll;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
const QByteArray kPassphrase = "line 7 key store passphrase";

QJsonValue json(const ToolRun &run)
{
    const QJsonDocument doc = QJsonDocument::fromJson(run.out);
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

// A CA made by openssl, independent of our certificate builder.
void opensslCa(const QString &dir, const QString &name)
{
    const ToolRun made = teep::test::runProgram(
        QStringLiteral("openssl"),
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
         QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"), QStringLiteral("-keyout"), dir + QLatin1Char('/') + name + QStringLiteral(".key"),
         QStringLiteral("-out"), dir + QLatin1Char('/') + name + QStringLiteral(".pem"), QStringLiteral("-days"), QStringLiteral("365"),
         QStringLiteral("-subj"), QStringLiteral("/O=Vendor/CN=") + name, QStringLiteral("-addext"),
         QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
         QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")});
    if (made.exitCode != 0)
        qFatal("openssl req failed: %s", made.err.constData());
}
// An end-entity certificate `name`.pem (key `name`.key) issued by the openssl CA `ca` with the
// given extension lines.
void opensslIssue(const QString &dir, const QString &name, const QString &ca, const QByteArray &extensions,
                  const QStringList &keyArguments)
{
    const QString base = dir + QLatin1Char('/') + name;
    writeAll(base + QStringLiteral(".cnf"), extensions);
    const ToolRun csr = teep::test::runProgram(
        QStringLiteral("openssl"),
        QStringList{QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-nodes")} + keyArguments +
            QStringList{QStringLiteral("-keyout"), base + QStringLiteral(".key"), QStringLiteral("-subj"),
                        QStringLiteral("/CN=") + name, QStringLiteral("-out"), base + QStringLiteral(".csr")});
    const ToolRun cert = teep::test::runProgram(
        QStringLiteral("openssl"),
        {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), base + QStringLiteral(".csr"), QStringLiteral("-CA"),
         dir + QLatin1Char('/') + ca + QStringLiteral(".pem"), QStringLiteral("-CAkey"), dir + QLatin1Char('/') + ca + QStringLiteral(".key"),
         QStringLiteral("-days"), QStringLiteral("90"), QStringLiteral("-extfile"), base + QStringLiteral(".cnf"), QStringLiteral("-out"),
         base + QStringLiteral(".pem")});
    if (csr.exitCode != 0 || cert.exitCode != 0)
        qFatal("openssl issue failed: %s %s", csr.err.constData(), cert.err.constData());
}
} // namespace

class TestTeepctlPki : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void generateNeedsPassphraseFromASafeSource();
    void generateAndExportRoot();
    void anchorsLifecycle();
    void badAnchorInputStoresNothing();
    void serviceProviderWithSignerCertificate();
    void importPkcs12AndCsrFlow();
    void importBareKeyGetsACertificate();
    void auditVerifyDetectsTampering();
    void signedCheckpointsCatchARewrittenLog();

private:
    ToolRun ctl(const QStringList &arguments, const QByteArray &input = {});
    std::unique_ptr<TempDir> m_dir;
    QString m_db;
};

void TestTeepctlPki::init()
{
    m_dir = std::make_unique<TempDir>();
    m_db = m_dir->path(QStringLiteral("line7.db"));
}

ToolRun TestTeepctlPki::ctl(const QStringList &arguments, const QByteArray &input)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TEEP_PASS"), QString::fromLatin1(kPassphrase));
    return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db} + arguments, input, env);
}

void TestTeepctlPki::generateNeedsPassphraseFromASafeSource()
{
    ToolRun run = ctl({QStringLiteral("tam"), QStringLiteral("generate")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("needs the key store passphrase"));
    run = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--passphrase"), QStringLiteral("pass:secret123")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("never from the command line"));
    run = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--passphrase"), QStringLiteral("env:NOT_SET_ANYWHERE")});
    QVERIFY(run.err.contains("'NOT_SET_ANYWHERE' is not set"));
    // stdin works, and the passphrase never shows in output.
    run = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--passphrase"), QStringLiteral("stdin")}, kPassphrase + "\n");
    QCOMPARE(run.exitCode, 0);
    QVERIFY(!run.out.contains(kPassphrase) && !run.err.contains(kPassphrase));
    // A second unlock with a wrong passphrase is refused.
    writeAll(m_dir->path(QStringLiteral("wrong.txt")), "not the passphrase\n");
    run = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--name"), QStringLiteral("Second"),
               QStringLiteral("--passphrase"), QStringLiteral("file:") + m_dir->path(QStringLiteral("wrong.txt"))});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("passphrase is wrong"));
}

void TestTeepctlPki::generateAndExportRoot()
{
    const ToolRun generated = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--name"), QStringLiteral("Line 7 TAM"),
                                   QStringLiteral("--tam-id"), QStringLiteral("urn:example:line7"), QStringLiteral("--algorithm"),
                                   QStringLiteral("rsa2048"), QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS"),
                                   QStringLiteral("--json")});
    QVERIFY2(generated.exitCode == 0, generated.err.constData());
    const QJsonObject identity = json(generated).toObject();
    QCOMPARE(identity.value(QStringLiteral("tam_id")).toString(), QStringLiteral("urn:example:line7"));
    QCOMPARE(identity.value(QStringLiteral("key")).toString(), QStringLiteral("RSA 2048"));
    QCOMPARE(identity.value(QStringLiteral("key_protection")).toString(), QStringLiteral("passphrase"));

    const QString rootPath = m_dir->path(QStringLiteral("tam-root.pem"));
    QCOMPARE(ctl({QStringLiteral("tam"), QStringLiteral("export-root"), QStringLiteral("--out"), rootPath}).exitCode, 0);
    const ToolRun subject = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-in"), rootPath,
                                                                              QStringLiteral("-noout"), QStringLiteral("-subject")});
    QCOMPARE(subject.exitCode, 0);
    QVERIFY(subject.out.contains("CN = Line 7 TAM Root CA"));
    const ToolRun p7 = ctl({QStringLiteral("tam"), QStringLiteral("export-root"), QStringLiteral("--format"), QStringLiteral("p7")});
    const ToolRun printed = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("pkcs7"), QStringLiteral("-inform"),
                                                                              QStringLiteral("DER"), QStringLiteral("-print_certs")}, p7.out);
    QCOMPARE(printed.exitCode, 0);

    const ToolRun shown = ctl({QStringLiteral("tam"), QStringLiteral("show")});
    QVERIFY(shown.out.contains("tam_id: urn:example:line7"));
    const ToolRun demo = ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--name"), QStringLiteral("Demo"),
                              QStringLiteral("--demo-unprotected")});
    QCOMPARE(demo.exitCode, 0);
    QVERIFY(demo.out.contains("WARNING: this is a demo identity"));
}

void TestTeepctlPki::anchorsLifecycle()
{
    opensslCa(m_dir->path(QString()), QStringLiteral("VendorTEERoot"));
    const QString pem = m_dir->path(QStringLiteral("VendorTEERoot.pem"));
    ToolRun run = ctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("tee-root"), pem, QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const qint64 id = json(run).toArray().first().toObject().value(QStringLiteral("id")).toInteger();
    QVERIFY(id > 0);

    run = ctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("tee-root"), pem});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("is already in TEE Root CAs"));

    run = ctl({QStringLiteral("anchors"), QStringLiteral("list"), QStringLiteral("tee-root"), QStringLiteral("--json")});
    QCOMPARE(json(run).toArray().size(), 1);
    QCOMPARE(json(run).toArray().first().toObject().value(QStringLiteral("validity")).toString(), QStringLiteral("valid"));

    run = ctl({QStringLiteral("anchors"), QStringLiteral("show"), QString::number(id), QStringLiteral("--json")});
    const QJsonObject shown = json(run).toObject();
    QCOMPARE(shown.value(QStringLiteral("details")).toObject().value(QStringLiteral("key")).toString(), QStringLiteral("EC P-256"));
    QVERIFY(!shown.value(QStringLiteral("extensions")).toArray().isEmpty());

    const QString der = m_dir->path(QStringLiteral("exported.der"));
    QCOMPARE(ctl({QStringLiteral("anchors"), QStringLiteral("export"), QString::number(id), QStringLiteral("--format"),
                  QStringLiteral("der"), QStringLiteral("--out"), der}).exitCode, 0);
    const ToolRun original = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-in"), pem,
                                                                               QStringLiteral("-outform"), QStringLiteral("DER")});
    QCOMPARE(readAll(der), original.out);

    run = ctl({QStringLiteral("anchors"), QStringLiteral("remove"), QString::number(id)});
    QCOMPARE(run.exitCode, 64);
    QVERIFY(run.err.contains("--yes"));
    QCOMPARE(ctl({QStringLiteral("anchors"), QStringLiteral("remove"), QString::number(id), QStringLiteral("--yes")}).exitCode, 0);
    run = ctl({QStringLiteral("anchors"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(json(run).toArray().size(), 0);
    QCOMPARE(ctl({QStringLiteral("anchors"), QStringLiteral("list"), QStringLiteral("tee-rot")}).exitCode, 64);
}

void TestTeepctlPki::badAnchorInputStoresNothing()
{
    const QString garbage = m_dir->path(QStringLiteral("garbage.pem"));
    writeAll(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
    ToolRun run = ctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("tfw-root"), garbage});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(garbage.toUtf8()) && run.err.contains("PEM block 1"), run.err.constData());
    run = ctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("tfw-root"), m_dir->path(QStringLiteral("missing.pem"))});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("cannot read"));
    run = ctl({QStringLiteral("--json"), QStringLiteral("db"), QStringLiteral("info")});
    QCOMPARE(json(run).toObject().value(QStringLiteral("rows")).toObject().value(QStringLiteral("trust_anchors")).toInt(-1), 0);
    QCOMPARE(json(run).toObject().value(QStringLiteral("rows")).toObject().value(QStringLiteral("audit_log")).toInt(-1), 0);
}

void TestTeepctlPki::serviceProviderWithSignerCertificate()
{
    const QString dir = m_dir->path(QString());
    opensslCa(dir, QStringLiteral("SPSignerCA"));
    // The SP's signing certificate, issued by that CA with openssl.
    opensslIssue(dir, QStringLiteral("signer"), QStringLiteral("SPSignerCA"),
                 "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nbasicConstraints=critical,CA:FALSE\n",
                 {QStringLiteral("-newkey"), QStringLiteral("ed25519")});

    QCOMPARE(ctl({QStringLiteral("sp"), QStringLiteral("add"), QStringLiteral("acme"), QStringLiteral("ACME Payments")}).exitCode, 0);
    ToolRun run = ctl({QStringLiteral("sp"), QStringLiteral("add-cert"), QStringLiteral("acme"), dir + QStringLiteral("/signer.pem")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("SP Signer CA store is empty"));
    QCOMPARE(ctl({QStringLiteral("anchors"), QStringLiteral("import"), QStringLiteral("sp-signer"), dir + QStringLiteral("/SPSignerCA.pem")}).exitCode, 0);
    run = ctl({QStringLiteral("sp"), QStringLiteral("add-cert"), QStringLiteral("acme"), dir + QStringLiteral("/signer.pem"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(json(run).toObject().value(QStringLiteral("certificates")).toArray().size(), 1);
    run = ctl({QStringLiteral("sp"), QStringLiteral("list")});
    QVERIFY(run.out.contains("acme  ACME Payments  (1 signer certificate(s))"));
}

void TestTeepctlPki::importPkcs12AndCsrFlow()
{
    const QString dir = m_dir->path(QString());
    opensslCa(dir, QStringLiteral("CorpTAMRoot"));
    // An existing TAM key and certificate, as another CA and openssl made them, in a PKCS#12.
    opensslIssue(dir, QStringLiteral("tam"), QStringLiteral("CorpTAMRoot"),
                 "keyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=URI:https://tam.corp.example/\n",
                 {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256")});
    const ToolRun p12 = teep::test::runProgram(
        QStringLiteral("openssl"), {QStringLiteral("pkcs12"), QStringLiteral("-export"), QStringLiteral("-in"), dir + QStringLiteral("/tam.pem"),
                                    QStringLiteral("-inkey"), dir + QStringLiteral("/tam.key"), QStringLiteral("-certfile"),
                                    dir + QStringLiteral("/CorpTAMRoot.pem"), QStringLiteral("-passout"), QStringLiteral("pass:p12pass"),
                                    QStringLiteral("-out"), dir + QStringLiteral("/tam.p12")});
    QCOMPARE(p12.exitCode, 0);
    writeAll(dir + QStringLiteral("/p12.txt"), "wrong\n");
    ToolRun run = ctl({QStringLiteral("tam"), QStringLiteral("import"), QStringLiteral("--name"), QStringLiteral("Corp"), QStringLiteral("--pkcs12"),
                       dir + QStringLiteral("/tam.p12"), QStringLiteral("--pkcs12-password"), QStringLiteral("file:") + dir + QStringLiteral("/p12.txt"),
                       QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("password is wrong"));
    writeAll(dir + QStringLiteral("/p12.txt"), "p12pass\n");
    run = ctl({QStringLiteral("tam"), QStringLiteral("import"), QStringLiteral("--name"), QStringLiteral("Corp"), QStringLiteral("--pkcs12"),
               dir + QStringLiteral("/tam.p12"), QStringLiteral("--pkcs12-password"), QStringLiteral("file:") + dir + QStringLiteral("/p12.txt"),
               QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(json(run).toObject().value(QStringLiteral("tam_id")).toString(), QStringLiteral("https://tam.corp.example/"));

    // A CSR for an external CA, then the issued certificate.
    const QString csr = dir + QStringLiteral("/ext.csr");
    run = ctl({QStringLiteral("tam"), QStringLiteral("csr"), QStringLiteral("--name"), QStringLiteral("External"), QStringLiteral("--out"), csr,
               QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(run.err.contains("teepctl tam install-cert 'External' FILE"));
    const ToolRun signedCsr = teep::test::runProgram(
        QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr, QStringLiteral("-CA"),
                                    dir + QStringLiteral("/CorpTAMRoot.pem"), QStringLiteral("-CAkey"), dir + QStringLiteral("/CorpTAMRoot.key"),
                                    QStringLiteral("-copy_extensions"), QStringLiteral("copy"), QStringLiteral("-days"), QStringLiteral("30")});
    QCOMPARE(signedCsr.exitCode, 0);
    writeAll(dir + QStringLiteral("/issued.pem"), signedCsr.out);
    // The CA is already in the TAM root store from the PKCS#12 import, so the leaf alone suffices.
    run = ctl({QStringLiteral("tam"), QStringLiteral("install-cert"), QStringLiteral("External"), dir + QStringLiteral("/issued.pem"),
               QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(json(run).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
    run = ctl({QStringLiteral("tam"), QStringLiteral("list")});
    QVERIFY(run.out.contains("* ready  External"));
}

void TestTeepctlPki::importBareKeyGetsACertificate()
{
    // The key deployed agents have built in, as a bare PEM key made by openssl.
    const QString key = m_dir->path(QStringLiteral("tam-key.pem"));
    const ToolRun made = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                                                                             QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
                                                                             QStringLiteral("-out"), key});
    QCOMPARE(made.exitCode, 0);
    ToolRun run = ctl({QStringLiteral("tam"), QStringLiteral("import"), QStringLiteral("--name"), QStringLiteral("Line TAM"), QStringLiteral("--key"), key,
                       QStringLiteral("--tam-id"), QStringLiteral("https://tam.line7.example/tam"), QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS"),
                       QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(json(run).toObject().value(QStringLiteral("tam_id")).toString(), QStringLiteral("https://tam.line7.example/tam"));
    // The certificate made for it certifies that very key, with the TAM id in a SAN URI, and
    // chains to the root CA the TAM exports.
    const QString root = m_dir->path(QStringLiteral("root.pem"));
    QCOMPARE(ctl({QStringLiteral("tam"), QStringLiteral("export-root"), QStringLiteral("--out"), root}).exitCode, 0);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bare"));
    db.setDatabaseName(m_db);
    QVERIFY(db.open());
    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral("SELECT certificate_der FROM tam_identities")) && query.next());
    writeAll(m_dir->path(QStringLiteral("tam.der")), query.value(0).toByteArray());
    query = QSqlQuery();
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("bare"));
    const ToolRun text = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-inform"), QStringLiteral("DER"),
                                                                             QStringLiteral("-in"), m_dir->path(QStringLiteral("tam.der")), QStringLiteral("-noout"),
                                                                             QStringLiteral("-ext"), QStringLiteral("subjectAltName"), QStringLiteral("-pubkey")});
    QVERIFY2(text.out.contains("URI:https://tam.line7.example/tam"), text.out.constData());
    const ToolRun pub = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("pkey"), QStringLiteral("-in"), key, QStringLiteral("-pubout")});
    QVERIFY(text.out.contains(pub.out.trimmed()));
    const QString tamPem = m_dir->path(QStringLiteral("tam.pem"));
    QCOMPARE(teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-inform"), QStringLiteral("DER"), QStringLiteral("-in"),
                                                                 m_dir->path(QStringLiteral("tam.der")), QStringLiteral("-out"), tamPem})
                 .exitCode,
             0);
    const ToolRun verified = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("verify"), QStringLiteral("-CAfile"), root, tamPem});
    QVERIFY2(verified.exitCode == 0, verified.out + verified.err);
    // A key without its private part is refused: the TAM signs with it.
    const QString publicOnly = m_dir->path(QStringLiteral("public.pem"));
    writeAll(publicOnly, pub.out);
    run = ctl({QStringLiteral("tam"), QStringLiteral("import"), QStringLiteral("--name"), QStringLiteral("Other"), QStringLiteral("--key"), publicOnly,
               QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_PASS")});
    QCOMPARE(run.exitCode, 2);
}

void TestTeepctlPki::auditVerifyDetectsTampering()
{
    QCOMPARE(ctl({QStringLiteral("sp"), QStringLiteral("add"), QStringLiteral("a1"), QStringLiteral("First")}).exitCode, 0);
    QCOMPARE(ctl({QStringLiteral("sp"), QStringLiteral("add"), QStringLiteral("a2"), QStringLiteral("Second")}).exitCode, 0);
    ToolRun run = ctl({QStringLiteral("audit"), QStringLiteral("verify")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("2 entries, chain intact"));
    run = ctl({QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(json(run).toArray().first().toObject().value(QStringLiteral("action")).toString(), QStringLiteral("service-provider.added"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(m_db);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("DROP TRIGGER audit_log_no_update")));
        QVERIFY(query.exec(QStringLiteral("UPDATE audit_log SET detail_json = '{\"name\":\"Forged\"}' WHERE id = 1")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    run = ctl({QStringLiteral("audit"), QStringLiteral("verify")});
    QCOMPARE(run.exitCode, 3);
    QVERIFY(run.err.contains("entry 1 was altered"));
}

namespace {
// A local writer with the database file: triggers dropped, then `edit` run, then the hash chain
// recomputed from the first entry so that the chain alone looks intact (#21 finding 5).
void rewriteLog(const QString &path, const std::function<void(QSqlQuery &)> &edit)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("writer"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        for (const char *trigger : {"audit_log_no_update", "audit_log_no_delete", "audit_checkpoints_no_update", "audit_checkpoints_no_delete"})
            QVERIFY(query.exec(QStringLiteral("DROP TRIGGER %1").arg(QLatin1String(trigger))));
        edit(query);
        QVERIFY(query.exec(QStringLiteral("SELECT id, at, actor, action, object_type, object_id, detail_json FROM audit_log ORDER BY id")));
        QList<teep::store::AuditEntry> entries;
        while (query.next())
            entries << teep::store::AuditEntry{query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(), query.value(3).toString(),
                                               query.value(4).toString(),   query.value(5).toString(), query.value(6).toString(), {}, {}};
        QByteArray previous;
        QSqlQuery update(db);
        for (const teep::store::AuditEntry &entry : std::as_const(entries)) {
            const QByteArray hash = teep::store::AuditLog::entryHash(previous, entry);
            update.prepare(QStringLiteral("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE id = ?"));
            update.addBindValue(previous.isEmpty() ? QVariant(QMetaType::fromType<QByteArray>()) : QVariant(previous));
            update.addBindValue(hash);
            update.addBindValue(entry.id);
            QVERIFY(update.exec());
            previous = hash;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("writer"));
}
} // namespace

void TestTeepctlPki::signedCheckpointsCatchARewrittenLog()
{
    const QString pass = QStringLiteral("env:TEEP_PASS");
    QCOMPARE(ctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--passphrase"), pass}).exitCode, 0);
    for (const QString &sp : {QStringLiteral("a1"), QStringLiteral("a2"), QStringLiteral("a3")})
        QCOMPARE(ctl({QStringLiteral("sp"), QStringLiteral("add"), sp, sp}).exitCode, 0);
    // Without the passphrase there is no checkpoint: the audit key is in the key store.
    QVERIFY(ctl({QStringLiteral("audit"), QStringLiteral("checkpoint")}).exitCode != 0);
    // A syslog target it cannot use is refused before anything is signed.
    for (const QString &target : {QStringLiteral("tcp:127.0.0.1:514"), QStringLiteral("udp:127.0.0.1"), QStringLiteral("udp:127.0.0.1:70000")}) {
        const ToolRun refused = ctl({QStringLiteral("audit"), QStringLiteral("checkpoint"), QStringLiteral("--passphrase"), pass, QStringLiteral("--syslog"), target});
        QCOMPARE(refused.exitCode, 64); // usage
        QVERIFY2(refused.err.contains("is not a syslog target") && refused.err.contains("expected local or udp:HOST:PORT"), refused.err.constData());
    }
    const QString exported = m_dir->path(QStringLiteral("checkpoints.jsonl"));
    ToolRun run = ctl({QStringLiteral("audit"), QStringLiteral("checkpoint"), QStringLiteral("--passphrase"), pass, QStringLiteral("--export"), exported});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(ctl({QStringLiteral("sp"), QStringLiteral("add"), QStringLiteral("a4"), QStringLiteral("a4")}).exitCode, 0);
    run = ctl({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--checkpoints"), exported});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.contains("1 signed checkpoint(s) and 1 exported vouch for entries 1 to 5; the 1 newer entries are not yet vouched for"),
             run.out.constData());
    const QString pristine = m_dir->path(QStringLiteral("pristine.db"));
    QVERIFY(QFile::copy(m_db, pristine));

    // Edit an entry and recompute the chain: the chain looks intact, the checkpoint does not hold.
    rewriteLog(m_db, [](QSqlQuery &query) { QVERIFY(query.exec(QStringLiteral("UPDATE audit_log SET detail_json = '{\"name\":\"Forged\"}' WHERE id = 2"))); });
    QVERIFY(teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("list")}).exitCode == 0);
    run = ctl({QStringLiteral("audit"), QStringLiteral("verify")});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains("no longer has the hash it signed") && run.err.contains("vouched for only up to entry 0"), run.err.constData());

    // Delete an entry and recompute: caught the same way.
    QVERIFY(QFile::remove(m_db) && QFile::copy(pristine, m_db));
    rewriteLog(m_db, [](QSqlQuery &query) { QVERIFY(query.exec(QStringLiteral("DELETE FROM audit_log WHERE id = 3"))); });
    run = ctl({QStringLiteral("audit"), QStringLiteral("verify")});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains("checkpoint 1"), run.err.constData());

    // Truncate the tail and delete the checkpoints with it: the database alone now looks fine,
    // the exported checkpoint catches it.
    QVERIFY(QFile::remove(m_db) && QFile::copy(pristine, m_db));
    rewriteLog(m_db, [](QSqlQuery &query) {
        QVERIFY(query.exec(QStringLiteral("DELETE FROM audit_log WHERE id >= 4")));
        QVERIFY(query.exec(QStringLiteral("DELETE FROM audit_checkpoints")));
    });
    QCOMPARE(ctl({QStringLiteral("audit"), QStringLiteral("verify")}).exitCode, 0);
    run = ctl({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--checkpoints"), exported});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains("the exported checkpoint") && run.err.contains("is gone (the log was truncated)"), run.err.constData());
}

QTEST_GUILESS_MAIN(TestTeepctlPki)
#include "tst_teepctl_pki.moc"
