// teepctl's settings that serve then follows: where it listens and with which HTTPS files
// (teepctl tam listener), a TA kept off one device (ta remove-from), and the TAM key in a PKCS#11
// token (tam import --key pkcs11:..., serve --pin).
#include "crypto/key.h"
#include "crypto/pkcs8.h"
#include "processrun.h"
#include "softhsm.h"
#include "tempdir.h"

#include <QDirIterator>
#include <QStandardPaths>
#include <nlohmann/json.hpp>
#include <QTest>

using teep::test::ToolRun;

namespace {
const QString kTeepctl = QStringLiteral(TEEPCTL_PATH);
} // namespace

class TestServeSettings : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void listensWhereTheDatabaseSays();
    void aTaRemovedFromOneDeviceFromTheCommandLine();
    void aTamKeyInATokenServes();
    void anIdentityGeneratedInATokenServes();

private:
    // Runs `teepctl --database DB serve ARGUMENTS` until its first line (or its end); stops it and
    // returns that line with what it said on stderr.
    QByteArray serveFirstLine(const QStringList &arguments);
    QVariant scalar(const QString &sql);

    std::unique_ptr<teep::test::TempDir> m_dir;
    QString m_db;
};

void TestServeSettings::init()
{
    m_dir = std::make_unique<teep::test::TempDir>();
    m_db = m_dir->path(QStringLiteral("tam.db"));
    const ToolRun demo = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("demo"), QStringLiteral("init"),
                                                           QStringLiteral("--out"), m_dir->path(QStringLiteral("demo"))});
    QVERIFY2(demo.exitCode == 0, demo.err.constData());
}

QByteArray TestServeSettings::serveFirstLine(const QStringList &arguments)
{
    return teep::test::serveFirstLine(kTeepctl, m_db, arguments);
}

QVariant TestServeSettings::scalar(const QString &sql)
{
    return teep::test::sqliteScalar(m_db, sql);
}

// `teepctl tam listener` keeps the address and HTTPS files in the database; `serve` without
// options listens that way (the console's listener too); a bad address changes nothing.
void TestServeSettings::listensWhereTheDatabaseSays()
{
    const QString key = m_dir->path(QStringLiteral("tls.key"));
    const QString cert = m_dir->path(QStringLiteral("tls.pem"));
    const ToolRun made = teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                                                                            QStringLiteral("ec"), QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
                                                                            QStringLiteral("-nodes"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                                                                            QStringLiteral("-subj"), QStringLiteral("/CN=localhost"), QStringLiteral("-days"),
                                                                            QStringLiteral("2")});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    const auto tam = [this](const QStringList &words) {
        return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db, QStringLiteral("tam"), QStringLiteral("listener")} + words);
    };
    const ToolRun set = tam({QStringLiteral("127.0.0.1:0"), cert, key});
    QVERIFY2(set.exitCode == 0, set.err.constData());
    QVERIFY2(set.out.contains("listen: 127.0.0.1:0") && set.out.contains("https: " + cert.toUtf8()), set.out.constData());
    const ToolRun bad = tam({QStringLiteral("localhost:80")});
    QVERIFY(bad.exitCode != 0);
    QVERIFY2(bad.err.contains("is not ADDRESS:PORT"), bad.err.constData());
    QVERIFY(tam({}).out.contains("listen: 127.0.0.1:0")); // unchanged
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action IN ('listener.address-set', 'listener.tls-set')")).toInt(), 2);

    const QByteArray line = serveFirstLine({}); // no options: the database's address and HTTPS files
    QVERIFY2(line.startsWith("listening on https://127.0.0.1:"), line.constData());

    const ToolRun plain = tam({QStringLiteral("default"), QStringLiteral("plain")});
    QVERIFY2(plain.exitCode == 0, plain.err.constData());
    QVERIFY2(plain.out.contains("listen: default") && plain.out.contains("https: no"), plain.out.constData());
}

void TestServeSettings::aTaRemovedFromOneDeviceFromTheCommandLine()
{
    const QString key = m_dir->path(QStringLiteral("agent.pem"));
    const QString pub = m_dir->path(QStringLiteral("agent.pub.pem"));
    QCOMPARE(teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"), QStringLiteral("-pkeyopt"),
                                                               QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"), key})
                 .exitCode,
             0);
    QCOMPARE(teep::test::runProgram(QStringLiteral("openssl"), {QStringLiteral("pkey"), QStringLiteral("-in"), key, QStringLiteral("-pubout"), QStringLiteral("-out"), pub})
                 .exitCode,
             0);
    const auto teepctl = [this](const QStringList &words) { return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db} + words); };
    QCOMPARE(teepctl({QStringLiteral("devices"), QStringLiteral("add"), QStringLiteral("line-1"), QStringLiteral("--agent-key"), pub}).exitCode, 0);
    const ToolRun unknown = teepctl({QStringLiteral("ta"), QStringLiteral("remove-from"), QStringLiteral("line-9"), QStringLiteral("acme-wallet")});
    QVERIFY(unknown.exitCode != 0);
    QVERIFY2(unknown.err.contains("no device named 'line-9'"), unknown.err.constData());
    const ToolRun removed = teepctl({QStringLiteral("ta"), QStringLiteral("remove-from"), QStringLiteral("line-1"), QStringLiteral("acme-wallet")});
    QVERIFY2(removed.exitCode == 0, removed.err.constData());
    QVERIFY2(removed.out.startsWith("acme-wallet comes off line-1 at its next session"), removed.out.constData());
    const ToolRun listed = teepctl({QStringLiteral("ta"), QStringLiteral("assignments")});
    QVERIFY2(listed.out.contains("acme-wallet -> not on device line-1  (removed;"), listed.out.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM assignments WHERE excluded = 1")).toInt(), 1);
}

// teepctl tam import --key pkcs11:...: the TAM key stays in its PKCS#11 token (SoftHSM2) and the
// database keeps only its URI; serve then signs with the token, given the PIN; without it, it says so.
void TestServeSettings::aTamKeyInATokenServes()
{
    if (!teep::test::SoftHsm::available())
        QSKIP("SoftHSM2 (installed by installers/install-deps.sh) is not here");
    teep::test::SoftHsm token;
    const QString failed = token.init(QStringLiteral("tam hsm"), QStringLiteral("4711"));
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    qputenv("TEEP_TEST_PIN", "4711");
    qputenv("TEEP_TEST_PASSPHRASE", "line passphrase");
    // The key made where the operator makes it (here: imported into the token, as softhsm2-util does).
    const auto key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256);
    QVERIFY(key.ok());
    const auto pkcs8 = teep::crypto::plainPrivateKey(key.value());
    QVERIFY(pkcs8.ok());
    const QString imported = token.importKey(pkcs8.value().bytes(), QStringLiteral("tam-2026"), QStringLiteral("01"), QStringLiteral("4711"));
    QVERIFY2(imported.isEmpty(), qPrintable(imported));
    const QString uri = token.uri(QStringLiteral("tam-2026"), QStringLiteral("%01"));
    const ToolRun made = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("tam"), QStringLiteral("import"),
                                                           QStringLiteral("--name"), QStringLiteral("hsm"), QStringLiteral("--key"), uri, QStringLiteral("--pin"),
                                                           QStringLiteral("env:TEEP_TEST_PIN"), QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_TEST_PASSPHRASE")});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM private_keys WHERE token_uri = '%1' AND LENGTH(pkcs8) = 0").arg(uri)).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT t.name FROM tam_identities t JOIN private_keys k ON k.id = t.key_id WHERE t.is_active = 1 AND k.token_uri IS NOT NULL"))
                 .toString(),
             QStringLiteral("hsm"));
    QVERIFY(!made.out.contains("4711") && !made.err.contains("4711"));

    // Without the PIN: refused, saying what is needed.
    const ToolRun noPin = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("serve"), QStringLiteral("--listen"),
                                                            QStringLiteral("127.0.0.1:0")});
    QVERIFY(noPin.exitCode != 0);
    QVERIFY2(noPin.err.contains("--pin") || noPin.err.contains("PIN"), noPin.err.constData());
    // A wrong PIN: refused by the token.
    qputenv("TEEP_TEST_WRONG_PIN", "0000");
    const ToolRun wrongPin = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("serve"), QStringLiteral("--listen"),
                                                               QStringLiteral("127.0.0.1:0"), QStringLiteral("--pin"), QStringLiteral("env:TEEP_TEST_WRONG_PIN")});
    QVERIFY(wrongPin.exitCode != 0);
    QVERIFY2(wrongPin.err.contains("refused the PIN"), wrongPin.err.constData());

    // With it: the TAM serves, its start checkpoint signed by the token's key.
    const QByteArray line = serveFirstLine({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--pin"), QStringLiteral("env:TEEP_TEST_PIN")});
    QVERIFY2(line.startsWith("listening on http://127.0.0.1:"), line.constData());
    const ToolRun verified = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(verified.exitCode == 0, (verified.out + verified.err).constData());
}

// `tam generate --key-in-token --root-in-token`: both keys made in the token (by p11tool), never
// outside it; `tam keys` says where they are; a label already taken is refused; serve signs with it.
void TestServeSettings::anIdentityGeneratedInATokenServes()
{
    if (!teep::test::SoftHsm::available() || QStandardPaths::findExecutable(QStringLiteral("p11tool")).isEmpty())
        QSKIP("SoftHSM2 and p11tool (installed by installers/install-deps.sh) are not here");
    teep::test::SoftHsm token;
    QVERIFY(token.init(QStringLiteral("line hsm"), QStringLiteral("4711")).isEmpty());
    qputenv("TEEP_TEST_PIN", "4711");
    qputenv("TEEP_TEST_PASSPHRASE", "line passphrase");
    const auto teepctl = [this](const QStringList &words) {
        return teep::test::runProgram(kTeepctl, QStringList{QStringLiteral("--database"), m_db, QStringLiteral("--pin"), QStringLiteral("env:TEEP_TEST_PIN"),
                                                            QStringLiteral("--passphrase"), QStringLiteral("env:TEEP_TEST_PASSPHRASE")} + words);
    };
    const QString tamUri = token.uri(QStringLiteral("tam-2026"));
    const QString rootUri = token.uri(QStringLiteral("root-2026"));
    const ToolRun made = teepctl({QStringLiteral("tam"), QStringLiteral("generate"), QStringLiteral("--name"), QStringLiteral("Line HSM"),
                                  QStringLiteral("--key-in-token"), tamUri, QStringLiteral("--root-in-token"), rootUri});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    QVERIFY(!made.out.contains("4711") && !made.err.contains("4711"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM private_keys k JOIN tam_identities t ON k.id IN (t.key_id, t.root_key_id) "
                                   "WHERE t.name = 'Line HSM' AND k.token_uri IS NOT NULL AND LENGTH(k.pkcs8) = 0"))
                 .toInt(),
             2);
    const ToolRun keys = teepctl({QStringLiteral("--json"), QStringLiteral("tam"), QStringLiteral("keys")});
    QVERIFY2(keys.exitCode == 0, keys.err.constData());
    const auto listed = nlohmann::json::parse(keys.out.toStdString());
    int inToken = 0;
    for (const auto &row : listed) {
        if (row.value("identity", "") != "Line HSM")
            continue;
        QCOMPARE(QString::fromStdString(row.value("storage", "")), QStringLiteral("pkcs11 token"));
        QVERIFY(row["token"]["present"].get<bool>());
        QCOMPARE(QString::fromStdString(row["token"]["label"].get<std::string>()), QStringLiteral("line hsm"));
        QCOMPARE(QString::fromStdString(row["token"]["manufacturer"].get<std::string>()), QStringLiteral("SoftHSM project"));
        ++inToken;
    }
    QCOMPARE(inToken, 2);
    // The same label again: refused before anything is made.
    const ToolRun again = teepctl({QStringLiteral("tam"), QStringLiteral("rollover"), QStringLiteral("--name"), QStringLiteral("Line HSM 2"),
                                   QStringLiteral("--key-in-token"), tamUri});
    QVERIFY(again.exitCode != 0);
    QVERIFY2(again.err.contains("already holds a key labelled 'tam-2026'"), again.err.constData());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM tam_identities WHERE name = 'Line HSM 2'")).toInt(), 0);
    // Serve signs with it; its start checkpoint verifies.
    const QByteArray line = serveFirstLine({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--pin"), QStringLiteral("env:TEEP_TEST_PIN")});
    QVERIFY2(line.startsWith("listening on http://127.0.0.1:"), line.constData());
    const ToolRun verified = teep::test::runProgram(kTeepctl, {QStringLiteral("--database"), m_db, QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(verified.exitCode == 0, (verified.out + verified.err).constData());
    // No private key was written anywhere under the test's folder.
    QDirIterator files(m_dir->path(QString()), QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (file.fileName().contains(QStringLiteral("/demo/")) || !file.open(QIODevice::ReadOnly))
            continue; // the demo's own SP keys
        QVERIFY2(!file.readAll().contains("PRIVATE KEY-----"), qPrintable(file.fileName()));
    }
}

QTEST_GUILESS_MAIN(TestServeSettings)
#include "tst_servesettings.moc"
