// teepctl sp add|list|show|add-cert|retire-cert|remove
#include "commands.h"

#include "crypto/pkiformats.h"
#include "store/database.h"
#include "tam/serviceproviders.h"

namespace teepctl {

namespace {
nlohmann::ordered_json providerJson(const teep::tam::ServiceProvider &sp)
{
    nlohmann::ordered_json json{{"spid", sp.spid.toStdString()}, {"name", sp.name.toStdString()},
                                {"certificates", nlohmann::ordered_json::array()}};
    for (const auto &cert : sp.certificates)
        json["certificates"].push_back({{"subject", cert.subject().toStdString()},
                                        {"not_after", cert.notAfter().toString(Qt::ISODate).toStdString()},
                                        {"fingerprint_sha256", cert.fingerprintSha256().toStdString()}});
    json["retired_certificates"] = nlohmann::ordered_json::array();
    for (const auto &cert : sp.retired)
        json["retired_certificates"].push_back({{"subject", cert.subject().toStdString()},
                                                {"fingerprint_sha256", cert.fingerprintSha256().toStdString()}});
    return json;
}
} // namespace

int runSp(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "add SPID NAME                a service provider\n"
        "add-cert SPID FILE [--key FILE|pkcs11:URI]   its TA-signing certificate (must chain to an SP signer CA);\n"
        "                             with --key, checked to be that key's (a file, or in a token with --pin)\n"
        "retire-cert SPID SHA256 --yes   a signer certificate its successor replaced (key rollover): TAs it signs are\n"
        "                             no longer accepted; prints the TA versions to sign again with the new key\n"
        "list | show SPID | remove SPID --yes"));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("add, add-cert, retire-cert, list, show or remove"));
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Confirm a removal or retirement."));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("add-cert: the signer's private key (PEM file or pkcs11: URI)."),
                                 QStringLiteral("file|uri"));
    parser.addOptions({yes, key});
    if (const int code = parseCommand(parser, QStringLiteral("sp"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::ServiceProviders providers(opened.value()->connection(), context.clock, context.actor);

    auto report = [&context](const teep::Result<teep::tam::ServiceProvider> &sp) {
        if (!sp)
            return context.fail(sp.error());
        if (context.json)
            context.print(providerJson(sp.value()));
        else
            context.out << sp.value().spid << "  " << sp.value().name << "  (" << sp.value().certificates.size()
                        << " signer certificate(s))\n";
        return kExitOk;
    };
    if (action == QLatin1String("add") && words.size() == 3)
        return report(providers.add(words[1], words[2]));
    if (action == QLatin1String("show") && words.size() == 2)
        return report(providers.get(words[1]));
    if (action == QLatin1String("add-cert") && words.size() == 3) {
        const auto bytes = readInput(words[2]);
        if (!bytes)
            return context.fail(bytes.error());
        if (parser.isSet(key)) {
            // The SP's key where it signs (a token, a file) is the certificate's: checked before it is added.
            const auto signer = context.readKey(parser.value(key));
            const auto certificates = teep::crypto::parseCertificates(bytes.value());
            if (!signer || !certificates)
                return context.fail(!signer ? signer.error() : certificates.error());
            if (certificates.value().isEmpty() || !certificates.value().first().publicKey().samePublicKey(signer.value()))
                return context.fail({QStringLiteral("sp.key-mismatch"),
                                     QStringLiteral("%1 is not the key of the certificate in %2").arg(parser.value(key), words[2])});
        }
        return report(providers.addCertificate(words[1], bytes.value()));
    }
    if (action == QLatin1String("retire-cert") && words.size() == 3) {
        if (!parser.isSet(yes))
            return context.usage(QStringLiteral("sp retire-cert: TAs signed with it will no longer be accepted; add --yes to retire it"));
        const auto toSignAgain = providers.retireCertificate(words[1], words[2]);
        if (!toSignAgain)
            return context.fail(toSignAgain.error());
        if (context.json) {
            nlohmann::ordered_json versions = nlohmann::ordered_json::array();
            for (const QString &version : toSignAgain.value())
                versions.push_back(version.toStdString());
            context.print({{"retired", words[2].toStdString()}, {"ta_versions_to_sign_again", versions}});
        } else {
            context.out << "retired " << words[2] << '\n';
            if (!toSignAgain.value().isEmpty())
                context.out << "TA versions it signed (sign them again with the new key and publish): " << toSignAgain.value().join(QStringLiteral(", "))
                            << '\n';
        }
        return kExitOk;
    }
    if (action == QLatin1String("list")) {
        const auto all = providers.list();
        if (!all)
            return context.fail(all.error());
        nlohmann::ordered_json json = nlohmann::ordered_json::array();
        for (const auto &sp : all.value()) {
            if (context.json)
                json.push_back(providerJson(sp));
            else
                context.out << sp.spid << "  " << sp.name << "  (" << sp.certificates.size() << " signer certificate(s))\n";
        }
        if (context.json)
            context.print(json);
        return kExitOk;
    }
    if (action == QLatin1String("remove") && words.size() == 2) {
        if (!parser.isSet(yes))
            return context.usage(QStringLiteral("sp remove: add --yes to confirm removing '%1'").arg(words[1]));
        const teep::Status removed = providers.remove(words[1]);
        if (!removed)
            return context.fail(removed.error());
        context.out << "removed " << words[1] << '\n';
        return kExitOk;
    }
    return context.usage(QStringLiteral("sp: unknown action or wrong arguments; see teepctl sp --help"));
}

} // namespace teepctl
