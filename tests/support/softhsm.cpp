#include "softhsm.h"

#include "processrun.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QUrl>

namespace teep::test {

bool SoftHsm::available()
{
    return QFile::exists(QString::fromLatin1(kModule)) && !QStandardPaths::findExecutable(QStringLiteral("softhsm2-util")).isEmpty();
}

QString SoftHsm::init(const QString &label, const QString &pin)
{
    m_dir = std::make_unique<TempDir>();
    m_label = label;
    if (!QDir().mkpath(tokenDir()))
        return QStringLiteral("no token folder");
    QFile config(m_dir->path(QStringLiteral("softhsm2.conf")));
    if (!config.open(QIODevice::WriteOnly))
        return QStringLiteral("no configuration file");
    config.write("directories.tokendir = " + tokenDir().toUtf8() + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    config.close();
    qputenv("SOFTHSM2_CONF", config.fileName().toUtf8());
    const ToolRun made = runProgram(QStringLiteral("softhsm2-util"), {QStringLiteral("--init-token"), QStringLiteral("--free"), QStringLiteral("--label"), label,
                                                                      QStringLiteral("--pin"), pin, QStringLiteral("--so-pin"), QStringLiteral("so-") + pin});
    return made.exitCode == 0 ? QString() : QString::fromUtf8(made.err);
}

QString SoftHsm::uri(const QString &object, const QString &id) const
{
    return QStringLiteral("pkcs11:token=%1;object=%2%3?module-path=%4")
        .arg(QString::fromUtf8(QUrl::toPercentEncoding(m_label)), QString::fromUtf8(QUrl::toPercentEncoding(object)),
             id.isEmpty() ? QString() : QStringLiteral(";id=") + id, QString::fromLatin1(kModule));
}

QString SoftHsm::importKey(const QByteArray &pkcs8Der, const QString &object, const QString &idHex, const QString &pin)
{
    // softhsm2-util reads PEM from a file: one of this test's, removed at once.
    const QString path = m_dir->path(QStringLiteral("import-%1.pem").arg(object));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("no key file");
    file.write("-----BEGIN PRIVATE KEY-----\n" + pkcs8Der.toBase64() + "\n-----END PRIVATE KEY-----\n");
    file.close();
    const ToolRun imported = runProgram(QStringLiteral("softhsm2-util"), {QStringLiteral("--import"), path, QStringLiteral("--token"), m_label,
                                                                          QStringLiteral("--label"), object, QStringLiteral("--id"), idHex,
                                                                          QStringLiteral("--pin"), pin});
    QFile::remove(path);
    return imported.exitCode == 0 ? QString() : QString::fromUtf8(imported.out + imported.err);
}

QString SoftHsm::generateKey(const QString &object, const QString &idHex, const QString &pin, const QString &usage)
{
    if (usage == QLatin1String("sign-derive")) {
        if (QStandardPaths::findExecutable(QStringLiteral("pkcs11-tool")).isEmpty())
            return QStringLiteral("pkcs11-tool (Debian opensc) is not installed");
        // A throw-away token's PIN: on this tool's command line, as it takes none otherwise.
        const ToolRun made = runProgram(QStringLiteral("pkcs11-tool"),
                                        {QStringLiteral("--module"), QString::fromLatin1(kModule), QStringLiteral("--token-label"), m_label,
                                         QStringLiteral("--login"), QStringLiteral("--pin"), pin, QStringLiteral("--keypairgen"),
                                         QStringLiteral("--key-type"), QStringLiteral("EC:prime256v1"), QStringLiteral("--label"), object,
                                         QStringLiteral("--id"), idHex, QStringLiteral("--usage-sign"), QStringLiteral("--usage-derive")});
        return made.exitCode == 0 ? QString() : QString::fromUtf8(made.out + made.err);
    }
    if (QStandardPaths::findExecutable(QStringLiteral("p11tool")).isEmpty())
        return QStringLiteral("p11tool (Debian gnutls-bin) is not installed");
    // p11tool reads the PIN from its environment, not its arguments.
    qputenv("GNUTLS_PIN", pin.toUtf8());
    const ToolRun made = runProgram(QStringLiteral("p11tool"),
                                    {QStringLiteral("--provider"), QString::fromLatin1(kModule), QStringLiteral("--login"),
                                     QStringLiteral("--generate-privkey=ECDSA"), QStringLiteral("--curve=secp256r1"), QStringLiteral("--label"), object,
                                     QStringLiteral("--id"), idHex, QStringLiteral("--mark-") + usage,
                                     QStringLiteral("pkcs11:token=") + QString::fromUtf8(QUrl::toPercentEncoding(m_label))});
    qunsetenv("GNUTLS_PIN");
    return made.exitCode == 0 ? QString() : QString::fromUtf8(made.out + made.err);
}

QString SoftHsm::tokenDir() const
{
    return m_dir ? m_dir->path(QStringLiteral("tokens")) : QString();
}

} // namespace teep::test
