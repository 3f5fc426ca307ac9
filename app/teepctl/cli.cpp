#include "cli.h"

#include "common/processsecurity.h"
#include "crypto/pkcs11key.h"
#include "crypto/pkcs8.h"

#include "store/database.h"
#include "store/keystore.h"

#include <QFile>

#include <cstdio>

namespace teepctl {

namespace {
constexpr qint64 kMaxInputBytes = 4 * 1024 * 1024;
const QString kSecretHelp = QStringLiteral("secrets are read from env:NAME, file:PATH or stdin, never from the command line");

QByteArray firstLine(QByteArray bytes)
{
    const qsizetype newline = bytes.indexOf('\n');
    if (newline >= 0)
        bytes.truncate(newline);
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    return bytes;
}
} // namespace

void addCommonOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("database"), QStringLiteral("Database: a file (SQLite) or postgresql://user@host:port/dbname (password from ~/.pgpass, PGPASSFILE or PGPASSWORD, never the command line)."), QStringLiteral("path or URI")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print results as JSON.")});
    parser.addOption({QStringLiteral("passphrase"),
                      QStringLiteral("Key store passphrase: env:NAME, file:PATH or stdin."), QStringLiteral("source")});
    parser.addOption({QStringLiteral("pin"),
                      QStringLiteral("PIN of the PKCS#11 token keys are in (pkcs11: URIs): env:NAME, file:PATH or stdin."), QStringLiteral("source")});
}

void Context::applyCommonOptions(const QCommandLineParser &parser)
{
    if (parser.isSet(QStringLiteral("database")))
        databasePath = parser.value(QStringLiteral("database"));
    if (parser.isSet(QStringLiteral("passphrase")))
        passphraseSource = parser.value(QStringLiteral("passphrase"));
    if (parser.isSet(QStringLiteral("pin")))
        pinSource = parser.value(QStringLiteral("pin"));
    json = json || parser.isSet(QStringLiteral("json"));
}

teep::Result<std::unique_ptr<teep::store::Database>> Context::openDatabase() const
{
    return teep::store::Database::open(databasePath);
}

teep::Result<teep::crypto::Secret> Context::tokenPin() const
{
    if (pinSource.isEmpty())
        return teep::Error{QStringLiteral("cli.pin-required"), QStringLiteral("a key in a PKCS#11 token needs its PIN: give --pin env:NAME, file:PATH or stdin")};
    return readSecret(pinSource, QStringLiteral("--pin"));
}

teep::Result<teep::crypto::Key> Context::readKey(const QString &fileOrUri, const QString &keyPassphraseSource) const
{
    if (teep::crypto::isPkcs11Uri(fileOrUri)) {
        const teep::Result<teep::crypto::Secret> pin = tokenPin();
        if (!pin)
            return pin.error();
        return teep::crypto::loadPkcs11Key(fileOrUri, pin.value());
    }
    const teep::Result<QByteArray> pem = readInput(fileOrUri);
    if (!pem)
        return pem.error();
    teep::crypto::Secret passphrase;
    if (!keyPassphraseSource.isEmpty()) {
        teep::Result<teep::crypto::Secret> secret = readSecret(keyPassphraseSource, QStringLiteral("--key-passphrase"));
        if (!secret)
            return secret.error();
        passphrase = std::move(secret).value();
    }
    const teep::Result<teep::crypto::Key> key = teep::crypto::readPrivateKeyPem(pem.value(), passphrase);
    if (!key)
        return teep::Error{key.error().code, key.error().message, fileOrUri};
    return key;
}

teep::Status Context::unlock(teep::store::KeyStore &keys) const
{
    if (!pinSource.isEmpty()) {
        teep::Result<teep::crypto::Secret> pin = tokenPin();
        if (!pin)
            return pin.error();
        keys.setTokenPin(std::move(pin).value());
        if (passphraseSource.isEmpty())
            return {}; // keys in the token only; a passphrase-protected one says so when loaded
    }
    if (passphraseSource.isEmpty())
        return teep::Error{QStringLiteral("cli.passphrase-required"),
                           QStringLiteral("this needs the key store passphrase: give --passphrase env:NAME, "
                                          "file:PATH or stdin (or --pin for keys in a PKCS#11 token)")};
    teep::Result<teep::crypto::Secret> secret = readSecret(passphraseSource, QStringLiteral("--passphrase"));
    if (!secret)
        return secret.error();
    return keys.unlock(std::move(secret).value());
}

int Context::fail(const teep::Error &error) const
{
    err << "teepctl: " << error.toString() << '\n';
    err.flush();
    return kExitFailed;
}

int Context::usage(const QString &message) const
{
    err << "teepctl: " << message << '\n';
    err.flush();
    return kExitUsage;
}

void Context::print(const nlohmann::ordered_json &value) const
{
    out << QString::fromStdString(value.dump(2)) << '\n';
    out.flush();
}

int parseCommand(QCommandLineParser &parser, const QString &command, const QStringList &arguments, Context &context)
{
    addCommonOptions(parser);
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's help."));
    parser.addOption(help);
    if (!parser.parse(QStringList{QStringLiteral("teepctl ") + command} + arguments))
        return context.usage(QStringLiteral("%1: %2").arg(command, parser.errorText()));
    if (parser.isSet(help)) {
        context.out << parser.helpText();
        context.out.flush();
        return kExitOk;
    }
    context.applyCommonOptions(parser);
    return -1;
}

teep::Result<teep::crypto::Secret> readSecret(const QString &source, const QString &what)
{
    QByteArray bytes;
    if (source.startsWith(QLatin1String("env:"))) {
        const QByteArray name = source.mid(4).toLocal8Bit();
        if (name.isEmpty() || !qEnvironmentVariableIsSet(name.constData()))
            return teep::Error{QStringLiteral("cli.secret"),
                               QStringLiteral("%1: environment variable '%2' is not set").arg(what, QString::fromLocal8Bit(name))};
        bytes = qgetenv(name.constData());
    } else if (source.startsWith(QLatin1String("file:"))) {
        if (const teep::Status private_ = teep::security::checkPrivateFile(source.mid(5)); !private_)
            return teep::Error{QStringLiteral("cli.secret"), QStringLiteral("%1: %2").arg(what, private_.error().toString())};
        QFile file(source.mid(5));
        if (!file.open(QIODevice::ReadOnly))
            return teep::Error{QStringLiteral("cli.secret"), QStringLiteral("%1: cannot read %2: %3")
                                                                 .arg(what, file.fileName(), file.errorString())};
        bytes = firstLine(file.read(4096));
    } else if (source == QLatin1String("stdin") || source == QLatin1String("-")) {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly))
            return teep::Error{QStringLiteral("cli.secret"), QStringLiteral("%1: cannot read stdin").arg(what)};
        bytes = firstLine(in.readLine(4096));
    } else {
        return teep::Error{QStringLiteral("cli.secret"), QStringLiteral("%1: %2").arg(what, kSecretHelp)};
    }
    if (bytes.isEmpty())
        return teep::Error{QStringLiteral("cli.secret"), QStringLiteral("%1 is empty").arg(what)};
    return teep::crypto::Secret(std::move(bytes));
}

teep::Result<QByteArray> readInput(const QString &path)
{
    QFile file;
    if (path == QLatin1String("-")) {
        if (!file.open(stdin, QIODevice::ReadOnly))
            return teep::Error{QStringLiteral("cli.input"), QStringLiteral("cannot read stdin")};
    } else {
        file.setFileName(path);
        if (!file.open(QIODevice::ReadOnly))
            return teep::Error{QStringLiteral("cli.input"), QStringLiteral("cannot read: %1").arg(file.errorString()), path};
    }
    QByteArray bytes = file.read(kMaxInputBytes + 1);
    if (bytes.size() > kMaxInputBytes)
        return teep::Error{QStringLiteral("cli.input"),
                           QStringLiteral("is larger than %1 bytes").arg(kMaxInputBytes), path};
    return bytes;
}

teep::Status writeOutput(const QString &path, const QByteArray &bytes, QTextStream &out)
{
    if (path.isEmpty() || path == QLatin1String("-")) {
        out.flush();
        QFile stdoutFile;
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly) || stdoutFile.write(bytes) != bytes.size())
            return teep::Error{QStringLiteral("cli.output"), QStringLiteral("cannot write to stdout")};
        return {};
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        return teep::Error{QStringLiteral("cli.output"), QStringLiteral("cannot write: %1").arg(file.errorString()), path};
    return {};
}

} // namespace teepctl
