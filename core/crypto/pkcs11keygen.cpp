#include "crypto/pkcs11keygen.h"

#include "crypto/pkcs11key.h"
#include "crypto/symmetric.h"

#include <QProcess>
#include <QStandardPaths>
#include <QUrl>

namespace teep::crypto {

namespace {

Error keygenError(const QString &message)
{
    return Error{QStringLiteral("crypto.pkcs11-keygen"), message};
}

QStringList keyTypeArguments(KeyAlgorithm algorithm)
{
    switch (algorithm) {
    case KeyAlgorithm::P256:
        return {QStringLiteral("--generate-privkey=ECDSA"), QStringLiteral("--curve=secp256r1")};
    case KeyAlgorithm::Ed25519:
        return {QStringLiteral("--generate-privkey=EdDSA")};
    case KeyAlgorithm::Rsa2048:
        return {QStringLiteral("--generate-privkey=RSA"), QStringLiteral("--bits=2048")};
    case KeyAlgorithm::Rsa3072:
        return {QStringLiteral("--generate-privkey=RSA"), QStringLiteral("--bits=3072")};
    }
    return {};
}

} // namespace

Result<Key> generateInToken(const QString &uri, const Secret &pin, KeyAlgorithm algorithm)
{
    const Result<Pkcs11Uri> parsed = parsePkcs11Uri(uri);
    if (!parsed)
        return parsed.error();
    if (parsed.value().object.isEmpty() || parsed.value().token.isEmpty())
        return keygenError(QStringLiteral("name the token (token=) and the new key's label (object=) in the URI"));
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("p11tool"));
    if (tool.isEmpty())
        return keygenError(QStringLiteral("p11tool (Debian gnutls-bin) is needed to make a key in a token; or make it with the token's own tools "
                                          "and give its URI"));
    const QString module = !parsed.value().modulePath.isEmpty() ? parsed.value().modulePath : qEnvironmentVariable("TEEP_PKCS11_MODULE");
    if (module.isEmpty())
        return keygenError(QStringLiteral("no PKCS#11 module: add ?module-path=/path/to/module.so to the URI or set TEEP_PKCS11_MODULE"));
    // Never two keys under one label: a later URI would name either.
    if (const Result<Key> existing = loadPkcs11Key(uri, pin); existing)
        return keygenError(QStringLiteral("token '%1' already holds a key labelled '%2'").arg(parsed.value().token, parsed.value().object));
    else if (existing.error().code == QLatin1String("crypto.pkcs11-login") || existing.error().code == QLatin1String("crypto.pkcs11-token") ||
             existing.error().code == QLatin1String("crypto.pkcs11-module"))
        return existing.error();
    QByteArray id = parsed.value().id;
    if (id.isEmpty())
        id = randomBytes(8);

    QProcess p11tool;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("GNUTLS_PIN"), QString::fromUtf8(pin.bytes()));
    p11tool.setProcessEnvironment(environment);
    const QString tokenUri = QStringLiteral("pkcs11:token=") + QString::fromUtf8(QUrl::toPercentEncoding(parsed.value().token));
    p11tool.start(tool, QStringList{QStringLiteral("--provider"), module, QStringLiteral("--login")} + keyTypeArguments(algorithm) +
                            QStringList{QStringLiteral("--label"), parsed.value().object, QStringLiteral("--id"), QString::fromLatin1(id.toHex()),
                                        QStringLiteral("--mark-sign"), tokenUri});
    if (!p11tool.waitForFinished(120000) || p11tool.exitStatus() != QProcess::NormalExit || p11tool.exitCode() != 0) {
        p11tool.kill();
        const QString said = QString::fromLocal8Bit(p11tool.readAllStandardError()).trimmed().section(QLatin1Char('\n'), -1);
        return keygenError(QStringLiteral("the token did not make a %1 key: %2")
                               .arg(keyAlgorithmName(algorithm), said.isEmpty() ? p11tool.errorString() : said));
    }
    return loadPkcs11Key(uri, pin); // by its label, which is now its alone
}

} // namespace teep::crypto
