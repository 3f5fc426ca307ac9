// teepctl tam generate|import|csr|install-cert|show|list|export-root (keys and rollover: tamkeycommands.cpp)
#include "commands.h"
#include "tamkeycommands.h"

#include "crypto/pkcs11key.h"

#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/trustanchors.h"
#include "tam/tamidentity.h"
#include "tam/teepsettings.h"

#include <QFileInfo>

namespace teepctl {

namespace {

using teep::tam::TamIdentity;

nlohmann::ordered_json identityJson(const TamIdentity &identity)
{
    nlohmann::ordered_json json{
        {"id", identity.id},
        {"name", identity.name.toStdString()},
        {"tam_id", identity.tamId.toStdString()},
        {"state", identity.state.toStdString()},
        {"active", identity.active},
        {"key_protection", identity.demoUnprotected ? "demo-unprotected (NOT ENCRYPTED)" : "passphrase"},
    };
    if (identity.inOverlap())
        json["overlap_until"] = identity.overlapUntil.toString(Qt::ISODate).toStdString(); // signs beside the active one until retired
    if (!identity.certificate.isNull()) {
        json["subject"] = identity.certificate.subject().toStdString();
        json["key"] = identity.certificate.publicKey().description().toStdString();
        json["not_after"] = identity.certificate.notAfter().toString(Qt::ISODate).toStdString();
        json["fingerprint_sha256"] = identity.certificate.fingerprintSha256().toStdString();
        for (const auto &issuer : identity.chain)
            json["chain"].push_back(issuer.subject().toStdString());
    }
    return json;
}

void printIdentity(Context &context, const TamIdentity &identity)
{
    if (context.json) {
        context.print(identityJson(identity));
        return;
    }
    const nlohmann::ordered_json json = identityJson(identity);
    for (const auto &[key, value] : json.items())
        context.out << QString::fromStdString(key) << ": " << QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump())
                    << '\n';
    if (identity.demoUnprotected)
        context.out << "WARNING: this is a demo identity; its private keys are stored unencrypted.\n";
}

} // namespace

int runTam(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "generate [--name N] [--tam-id ID] [--algorithm A] [--organization O] [--demo-unprotected]\n"
        "         [--key-in-token pkcs11:URI] [--root-in-token pkcs11:URI]\n"
        "    a TAM root CA and a TAM certificate under it (the root joins the TAM root CA store); the TAM's\n"
        "    and the root's keys made in a PKCS#11 token (by p11tool, PIN from --pin) when given a URI\n"
        "import --name N (--cert FILE --key FILE [--key-passphrase SRC] | --pkcs12 FILE --pkcs12-password SRC)\n"
        "import --name N --key FILE|pkcs11:URI [--tam-id ID] [--key-passphrase SRC]\n"
        "    (a key in a PKCS#11 token is used where it is, with --pin; --cert FILE too when it has one)\n"
        "    a bare TAM key devices already trust: a new TAM root CA issues its certificate (TAM id in a SAN URI)\n"
        "csr --name N [--tam-id ID] [--algorithm A] [--out FILE]   a key and a CSR for an external CA\n"
        "install-cert NAME FILE       the certificate (and chain) the external CA issued\n"
        "show                         the active identity;  list: every identity\n"
        "suites [modern|legacy|both]  show or set what TEEP messages are signed with and offer: ESP256/Ed25519\n"
        "                             (modern, default), ES256/EdDSA (legacy: agents older than RFC 9864), or both\n"
        "update-limit [BYTES]         show or set the largest Update a device with the compatibility profile is\n"
        "                             sent (default 1024, deployed agents' buffer); manifests name payloads by URI\n"
        "evidence-formats [FORMAT...] show or set the attestation-payload-formats appraised (default TEEP's EAT,\n"
        "                             application/eat+cwt; eat_profile=urn:ietf:rfc:rfcXXXX until the RFC has its number)\n"
        "listener [ADDR:PORT|default] [CERT.pem KEY.pem|plain]   show or set where the TAM listens and its HTTPS\n"
        "                             files (paths; the key stays in its file), for the console and teepctl serve\n"
        "export-root [--format pem|der|p7] [--out FILE]   the TAM root CAs devices must embed\n"
        "keys                         where each TAM key is: this database, or which PKCS#11 token (label, model,\n"
        "                             serial, slot) and whether it is plugged in (no PIN asked)\n"
        "rollover --name NEW [--key FILE|pkcs11:URI | --key-in-token pkcs11:URI] [--algorithm A] [--new-root] [--overlap-days N]\n"
        "    a new TAM key and certificate (same TAM id; same root CA unless --new-root) become active; the\n"
        "    previous key signs every TEEP message beside the new one until retired (default overlap 30 days)\n"
        "rollover-status              which devices have completed a session since the rollover\n"
        "rollover-legacy-key [previous|new]   during the overlap, which key signs for a listener with the legacy\n"
        "                             suites (deployed agents take one signature; default: the previous key)\n"
        "retire NAME --yes            the previous identity stops signing (after its devices have the new key)\n"
        "Algorithms: p256 (default), ed25519, rsa2048, rsa3072. Secret sources: env:NAME, file:PATH, stdin."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("generate, import, csr, install-cert, show, list, suites, update-limit, "
                                                                          "evidence-formats, listener, export-root, keys, rollover, rollover-status, rollover-legacy-key or retire"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Identity name."), QStringLiteral("name"), QStringLiteral("TAM"));
    const QCommandLineOption tamId(QStringLiteral("tam-id"), QStringLiteral("TAM id (URI); default a fresh urn:uuid."), QStringLiteral("id"));
    const QCommandLineOption algorithm(QStringLiteral("algorithm"), QStringLiteral("Key algorithm."), QStringLiteral("alg"), QStringLiteral("p256"));
    const QCommandLineOption organization(QStringLiteral("organization"), QStringLiteral("O= of the certificates."), QStringLiteral("org"));
    const QCommandLineOption demo(QStringLiteral("demo-unprotected"), QStringLiteral("Trainers' demo identity: keys NOT encrypted."));
    const QCommandLineOption cert(QStringLiteral("cert"), QStringLiteral("Certificate file (PEM/DER, chain allowed)."), QStringLiteral("file"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("Private key file (PEM)."), QStringLiteral("file"));
    const QCommandLineOption keyPass(QStringLiteral("key-passphrase"), QStringLiteral("Passphrase of --key."), QStringLiteral("source"));
    const QCommandLineOption pkcs12(QStringLiteral("pkcs12"), QStringLiteral("PKCS#12 file with key and certificate."), QStringLiteral("file"));
    const QCommandLineOption pkcs12Pass(QStringLiteral("pkcs12-password"), QStringLiteral("Password of --pkcs12."), QStringLiteral("source"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("pem, der or p7."), QStringLiteral("format"), QStringLiteral("pem"));
    const QCommandLineOption output(QStringLiteral("out"), QStringLiteral("Output file (default stdout)."), QStringLiteral("file"));
    const QCommandLineOption newRoot(QStringLiteral("new-root"), QStringLiteral("rollover: a new TAM root CA too."));
    const QCommandLineOption overlapDays(QStringLiteral("overlap-days"), QStringLiteral("rollover: the planned overlap."), QStringLiteral("days"),
                                         QStringLiteral("30"));
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("retire: confirm."));
    const QCommandLineOption keyInToken(QStringLiteral("key-in-token"), QStringLiteral("Make the TAM key in this PKCS#11 token (pkcs11:token=...;object=...)."),
                                        QStringLiteral("uri"));
    const QCommandLineOption rootInToken(QStringLiteral("root-in-token"), QStringLiteral("generate: make the root CA's key in this PKCS#11 token."),
                                         QStringLiteral("uri"));
    parser.addOptions({name, tamId, algorithm, organization, demo, cert, key, keyPass, pkcs12, pkcs12Pass, format, output, newRoot, overlapDays, yes, keyInToken, rootInToken});
    if (const int code = parseCommand(parser, QStringLiteral("tam"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);

    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::store::KeyStore keys(opened.value()->connection());
    teep::tam::TamIdentities identities(opened.value()->connection(), keys, context.clock, context.actor);
    const auto algorithmValue = teep::crypto::keyAlgorithmFromName(parser.value(algorithm));
    if (!algorithmValue)
        return context.usage(algorithmValue.error().message);

    if (action == QLatin1String("keys") || action == QLatin1String("rollover") || action == QLatin1String("rollover-status") ||
        action == QLatin1String("rollover-legacy-key") || action == QLatin1String("retire")) {
        if (action == QLatin1String("rollover") && !parser.isSet(name))
            return context.usage(QStringLiteral("tam rollover: name the new identity with --name"));
        return runRolloverAction(context, *opened.value(), action, words,
                                 {parser.value(name), parser.value(key), parser.value(keyPass), parser.value(keyInToken), algorithmValue.value(),
                                  parser.isSet(newRoot), parser.value(overlapDays), parser.isSet(yes)});
    }
    if (action == QLatin1String("generate")) {
        teep::tam::GenerateOptions options;
        options.name = parser.value(name);
        options.tamId = parser.value(tamId);
        options.organization = parser.value(organization);
        options.algorithm = algorithmValue.value();
        options.demoUnprotected = parser.isSet(demo);
        if (!options.demoUnprotected) {
            if (const teep::Status unlocked = context.unlock(keys); !unlocked)
                return context.fail(unlocked.error());
        }
        // Keys made in a token: the TAM's, the root's, or both (never a demo's).
        for (const auto &[option, target] : {std::pair{&keyInToken, &options.existingKey}, std::pair{&rootInToken, &options.existingRootKey}}) {
            if (!parser.isSet(*option))
                continue;
            if (options.demoUnprotected)
                return context.usage(QStringLiteral("tam generate: a demo identity keeps its keys in the database"));
            const auto made = makeKeyInToken(context, parser.value(*option), options.algorithm);
            if (!made)
                return context.fail(made.error());
            *target = made.value();
        }
        const auto generated = identities.generate(options);
        if (!generated)
            return context.fail(generated.error());
        printIdentity(context, generated.value());
        return kExitOk;
    }
    if (action == QLatin1String("import")) {
        // --key: a PEM file (opened with --key-passphrase when it is encrypted), or a key where it
        // already is, in a PKCS#11 token: used there, never copied out.
        auto readKeyOption = [&]() { return context.readKey(parser.value(key), parser.value(keyPass)); };
        QList<teep::crypto::Certificate> certificates;
        teep::crypto::Key privateKey;
        if (parser.isSet(pkcs12)) {
            const auto bytes = readInput(parser.value(pkcs12));
            if (!bytes)
                return context.fail(bytes.error());
            auto password = readSecret(parser.value(pkcs12Pass), QStringLiteral("--pkcs12-password"));
            if (!password)
                return context.fail(password.error());
            const auto contents = teep::crypto::readPkcs12(bytes.value(), password.value());
            if (!contents)
                return context.fail(contents.error());
            certificates = QList<teep::crypto::Certificate>{contents.value().certificate} + contents.value().chain;
            privateKey = contents.value().key;
        } else if (parser.isSet(cert) && parser.isSet(key)) {
            const auto certBytes = readInput(parser.value(cert));
            if (!certBytes)
                return context.fail(certBytes.error());
            const auto parsed = teep::crypto::parseCertificates(certBytes.value());
            if (!parsed)
                return context.fail({parsed.error().code, parsed.error().message, parser.value(cert)});
            const auto readKey = readKeyOption();
            if (!readKey)
                return context.fail(readKey.error());
            certificates = parsed.value();
            privateKey = readKey.value();
        } else if (parser.isSet(key)) {
            // A bare key (e.g. the one deployed agents have compiled in): a certificate is made for it.
            const auto readKey = readKeyOption();
            if (!readKey)
                return context.fail(readKey.error());
            if (const teep::Status unlocked = context.unlock(keys); !unlocked)
                return context.fail(unlocked.error());
            teep::tam::GenerateOptions options;
            options.name = parser.value(name);
            options.tamId = parser.value(tamId);
            options.organization = parser.value(organization);
            options.algorithm = algorithmValue.value();
            options.existingKey = readKey.value();
            const auto adopted = identities.generate(options);
            if (!adopted)
                return context.fail(adopted.error());
            printIdentity(context, adopted.value());
            return kExitOk;
        } else {
            return context.usage(QStringLiteral("tam import: give --cert and --key, --pkcs12, or --key alone (a bare key)"));
        }
        if (const teep::Status unlocked = context.unlock(keys); !unlocked)
            return context.fail(unlocked.error());
        const auto imported = identities.importExisting(parser.value(name), certificates, privateKey);
        if (!imported)
            return context.fail(imported.error());
        printIdentity(context, imported.value());
        return kExitOk;
    }
    if (action == QLatin1String("csr")) {
        if (const teep::Status unlocked = context.unlock(keys); !unlocked)
            return context.fail(unlocked.error());
        const auto pending = identities.createCsr(parser.value(name), parser.value(tamId), algorithmValue.value());
        if (!pending)
            return context.fail(pending.error());
        const teep::Status written = writeOutput(parser.value(output), teep::crypto::pemEncode(pending.value().csrDer, "CERTIFICATE REQUEST"),
                                                 context.out);
        if (!written)
            return context.fail(written.error());
        if (parser.isSet(output))
            context.err << "CSR for '" << pending.value().name << "' written to " << parser.value(output)
                        << "; have it signed, then run: teepctl tam install-cert '" << pending.value().name << "' FILE\n";
        return kExitOk;
    }
    if (action == QLatin1String("install-cert")) {
        if (words.size() != 3)
            return context.usage(QStringLiteral("tam install-cert: give the identity name and the certificate file"));
        const auto identity = identities.byName(words[1]);
        if (!identity)
            return context.fail(identity.error());
        const auto bytes = readInput(words[2]);
        if (!bytes)
            return context.fail(bytes.error());
        const auto parsed = teep::crypto::parseCertificates(bytes.value());
        if (!parsed)
            return context.fail({parsed.error().code, parsed.error().message, words[2]});
        const auto ready = identities.installIssuedCertificate(identity.value().id, parsed.value());
        if (!ready)
            return context.fail(ready.error());
        printIdentity(context, ready.value());
        return kExitOk;
    }
    if (action == QLatin1String("suites")) {
        // What the TAM's TEEP messages are signed with and offer (every listener: console and serve).
        teep::tam::TeepSettings settings(opened.value()->connection(), context.clock, context.actor);
        if (words.size() == 2) {
            const auto suites = teep::tam::parseTeepSuites(words[1]);
            if (!suites)
                return context.usage(suites.error().message);
            if (const teep::Status set = settings.setSuites(suites.value()); !set)
                return context.fail(set.error());
        } else if (words.size() != 1) {
            return context.usage(QStringLiteral("usage: teepctl tam suites [modern|legacy|both]"));
        }
        const auto suites = settings.suites();
        if (!suites)
            return context.fail(suites.error());
        if (context.json)
            context.print({{"teep_suites", teep::tam::teepSuitesName(suites.value()).toStdString()}});
        else
            context.out << "TEEP suites: " << teep::tam::teepSuitesName(suites.value()) << Qt::endl;
        return kExitOk;
    }
    if (action == QLatin1String("listener")) {
        // Where the console's listener and teepctl serve listen, and with which HTTPS files.
        teep::tam::TeepSettings settings(opened.value()->connection(), context.clock, context.actor);
        if (words.size() > 4 || (words.size() == 3 && words[2] != QLatin1String("plain")))
            return context.usage(QStringLiteral("usage: teepctl tam listener [ADDR:PORT|default] [CERT.pem KEY.pem|plain]"));
        if (words.size() >= 2) {
            const QString address = words[1] == QLatin1String("default") ? QString() : words[1];
            if (const teep::Status set = settings.setListenAddress(address); !set)
                return context.fail(set.error());
        }
        if (words.size() == 4 || (words.size() == 3 && words[2] == QLatin1String("plain"))) {
            teep::tam::TeepSettings::TlsFiles files;
            if (words.size() == 4)
                files = {QFileInfo(words[2]).absoluteFilePath(), QFileInfo(words[3]).absoluteFilePath()};
            if (const teep::Status set = settings.setTlsFiles(files); !set)
                return context.fail(set.error());
        }
        const auto address = settings.listenAddress();
        const auto tls = settings.tlsFiles();
        if (!address || !tls)
            return context.fail(address ? tls.error() : address.error());
        if (context.json)
            context.print({{"listen", address.value().toStdString()},
                           {"tls_certificate", tls.value().certificate.toStdString()},
                           {"tls_key", tls.value().key.toStdString()}});
        else
            context.out << "listen: " << (address.value().isEmpty() ? QStringLiteral("default (console: a free port on 127.0.0.1; serve: 127.0.0.1:8765)") : address.value())
                        << Qt::endl
                        << "https: " << (tls.value().isEmpty() ? QStringLiteral("no (plain HTTP)") : tls.value().certificate + QStringLiteral(", key ") + tls.value().key)
                        << Qt::endl;
        return kExitOk;
    }
    if (action == QLatin1String("evidence-formats")) {
        teep::tam::TeepSettings settings(opened.value()->connection(), context.clock, context.actor);
        if (words.size() > 1) {
            if (const teep::Status set = settings.setEvidenceFormats(words.mid(1)); !set)
                return context.fail(set.error());
        }
        const auto formats = settings.evidenceFormats();
        if (!formats)
            return context.fail(formats.error());
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const QString &entry : formats.value())
            list.push_back(entry.toStdString());
        if (context.json)
            context.print({{"evidence_formats", list}});
        else
            context.out << "attestation payload formats appraised: " << formats.value().join(QStringLiteral(" | ")) << Qt::endl;
        return kExitOk;
    }
    if (action == QLatin1String("update-limit")) {
        teep::tam::TeepSettings settings(opened.value()->connection(), context.clock, context.actor);
        if (words.size() == 2) {
            bool numeric = false;
            const qlonglong bytes = words[1].toLongLong(&numeric);
            if (!numeric)
                return context.usage(QStringLiteral("usage: teepctl tam update-limit [BYTES]"));
            if (const teep::Status set = settings.setCompatibleUpdateLimit(qsizetype(bytes)); !set)
                return context.fail(set.error());
        } else if (words.size() != 1) {
            return context.usage(QStringLiteral("usage: teepctl tam update-limit [BYTES]"));
        }
        const auto limit = settings.compatibleUpdateLimit();
        if (!limit)
            return context.fail(limit.error());
        if (context.json)
            context.print({{"compatible_update_limit", limit.value()}});
        else
            context.out << "largest Update for a device with the compatibility profile: " << limit.value() << " bytes" << Qt::endl;
        return kExitOk;
    }
    if (action == QLatin1String("show")) {
        const auto active = identities.active();
        if (!active)
            return context.fail(active.error());
        printIdentity(context, active.value());
        return kExitOk;
    }
    if (action == QLatin1String("list")) {
        const auto all = identities.list();
        if (!all)
            return context.fail(all.error());
        nlohmann::ordered_json json = nlohmann::ordered_json::array();
        for (const TamIdentity &identity : all.value()) {
            if (context.json)
                json.push_back(identityJson(identity));
            else
                context.out << identity.id << "  " << (identity.active ? "* " : "  ") << identity.state << "  " << identity.name
                            << "  " << identity.tamId << (identity.demoUnprotected ? "  [DEMO, UNENCRYPTED KEYS]" : "")
                            << (identity.inOverlap() ? QStringLiteral("  [still signing beside the active one; overlap planned until %1]")
                                                           .arg(identity.overlapUntil.toString(Qt::ISODate))
                                                     : QString())
                            << '\n';
        }
        if (context.json)
            context.print(json);
        return kExitOk;
    }
    if (action == QLatin1String("export-root")) {
        const auto roots = teep::store::TrustAnchors(opened.value()->connection(), context.clock, context.actor)
                               .certificates(teep::crypto::TrustStore::TamRoot);
        if (!roots)
            return context.fail(roots.error());
        if (roots.value().isEmpty())
            return context.fail({QStringLiteral("tam.no-root"),
                                 QStringLiteral("the TAM root CA store is empty: generate or import a TAM identity first")});
        QByteArray bytes;
        const QString fmt = parser.value(format);
        if (fmt == QLatin1String("pem")) {
            bytes = teep::crypto::writePem(roots.value());
        } else if (fmt == QLatin1String("p7")) {
            const auto p7 = teep::crypto::writePkcs7(roots.value());
            if (!p7)
                return context.fail(p7.error());
            bytes = p7.value();
        } else if (fmt == QLatin1String("der")) {
            if (roots.value().size() != 1)
                return context.usage(QStringLiteral("tam export-root: %1 roots cannot share one DER file; use --format pem or p7")
                                         .arg(roots.value().size()));
            bytes = roots.value().first().der();
        } else {
            return context.usage(QStringLiteral("tam export-root: --format is pem, der or p7"));
        }
        const teep::Status written = writeOutput(parser.value(output), bytes, context.out);
        return written ? kExitOk : context.fail(written.error());
    }
    return context.usage(QStringLiteral("tam: unknown action '%1'").arg(action));
}

} // namespace teepctl
