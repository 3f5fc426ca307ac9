// teepctl inspect FILE [--key FILE]... [--decrypt-key FILE]... [--compat]
#include "commands.h"

#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "protocol/inspector.h"

namespace teepctl {

namespace {

// A verifying key from a PEM/DER public key or certificate file.
teep::Result<teep::crypto::Key> readKey(const QString &path)
{
    const auto bytes = readInput(path);
    if (!bytes)
        return bytes.error();
    if (auto key = teep::crypto::Key::fromPublicKey(bytes.value()))
        return key;
    if (auto certs = teep::crypto::parseCertificates(bytes.value()))
        return certs.value().first().publicKey();
    return teep::Error{QStringLiteral("cli.key"), QStringLiteral("neither a public key nor a certificate"), path};
}

} // namespace

int runInspect(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Decodes a captured TEEP message, COSE object, SUIT envelope, EAT or any CBOR (binary or hex\n"
        "text), or an OTrP JSON message, prints it with field names, and verifies every signature with\n"
        "the keys given. OTrP's encrypted layers (content, edsi, the TA key and the TA) are opened with\n"
        "the --decrypt-key private keys. Exit codes: 0 decoded and verified, 2 unreadable, 4 neither\n"
        "CBOR nor JSON, 5 not a valid TEEP/OTrP/COSE/SUIT structure, 6 a signature could not be\n"
        "verified, 64 usage."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The file to inspect ('-' reads stdin)."));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("A public key or certificate to verify with (repeatable)."),
                                 QStringLiteral("file"));
    const QCommandLineOption compat(QStringLiteral("compat"),
                                    QStringLiteral("Accept ES256/EdDSA and deployed agents' message forms."));
    const QCommandLineOption decryptKey(QStringLiteral("decrypt-key"),
                                       QStringLiteral("An unencrypted PEM private key that may open OTrP JWE layers (repeatable)."),
                                       QStringLiteral("file"));
    parser.addOptions({key, decryptKey, compat});
    if (const int code = parseCommand(parser, QStringLiteral("inspect"), arguments, context); code >= 0)
        return code;
    if (parser.positionalArguments().size() != 1)
        return context.usage(QStringLiteral("inspect: give exactly one file"));
    const auto bytes = readInput(parser.positionalArguments().first());
    if (!bytes)
        return context.fail(bytes.error());
    QList<teep::crypto::Key> keys;
    for (const QString &path : parser.values(key)) {
        const auto read = readKey(path);
        if (!read)
            return context.fail(read.error());
        keys << read.value();
    }
    QList<teep::crypto::Key> decryptionKeys;
    for (const QString &path : parser.values(decryptKey)) {
        const auto pem = readInput(path);
        if (!pem)
            return context.fail(pem.error());
        const auto read = teep::crypto::readPrivateKeyPem(pem.value(), {});
        if (!read)
            return context.fail(teep::Error{read.error().code, read.error().message, path});
        decryptionKeys << read.value();
    }
    const teep::protocol::Inspection result = teep::protocol::inspect(bytes.value(), keys, parser.isSet(compat), decryptionKeys);
    const int code = int(result.verdict);
    if (context.json) {
        nlohmann::ordered_json json{{"kind", result.kind.toStdString()}, {"verdict", code},
                                    {"reason", result.reason.toStdString()}, {"diagnostic", result.diagnostic.toStdString()}};
        for (const auto &step : result.steps)
            json["steps"].push_back({{"what", step.what.toStdString()}, {"ok", step.ok}, {"detail", step.detail.toStdString()}});
        context.print(json);
    } else {
        context.out << "kind: " << result.kind << '\n';
        if (!result.diagnostic.isEmpty())
            context.out << result.diagnostic << '\n';
        for (const auto &step : result.steps)
            context.out << (step.ok ? "[ok]   " : "[FAIL] ") << step.what << ": " << step.detail << '\n';
        context.out.flush();
    }
    if (code != 0)
        context.err << "teepctl inspect: " << result.reason << '\n';
    return code;
}

} // namespace teepctl
