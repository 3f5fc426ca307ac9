// teepctl: TEEP Console for scripts and factory lines. Same core, same database, no GUI.
// Exit codes: 0 success, 2 the operation failed (one line on stderr), 3 a check found a problem,
// 64 usage error.
#include "common/processsecurity.h"
#include "cli.h"
#include "commands.h"
#include "common/paths.h"
#include "store/auditlog.h"
#include "teep/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

namespace {

const char kCommandsHelp[] =
    "Commands (each has --help):\n"
    "  db info|migrate|copy                     the database (file or PostgreSQL), and moving it\n"
    "  tam generate|import|csr|install-cert|show|list|suites|export-root\n"
    "                                           the TAM's own identity, the root CA devices embed and\n"
    "                                           what TEEP messages are signed with (modern|legacy|both)\n"
    "  anchors list|import|show|export|remove   trust-anchor stores: tam-root, tee-root, tfw-root,\n"
    "                                           sp-signer, verifier-key\n"
    "  sp add|add-cert|list|show|remove         service providers and their TA-signing certificates\n"
    "  audit verify|list                        the hash-chained audit log\n"
    "  ta sign|add|list|assign|assignments|unassign\n"
    "                                           the TA catalog and what devices should have\n"
    "  devices list|add|import|admission|profile|attestation-policy\n"
    "                                           the fleet: TEEs, SDs, TAs, last attestation and outcome;\n"
    "                                           registration (one, or a CSV list), which devices are\n"
    "                                           accepted, deployed agents' forms (profile NAME\n"
    "                                           compatible), evidence or registered key per group\n"
    "  attestation reference set|list|remove    what each device model's evidence must claim\n"
    "  requests list|approve|refuse|policy      TAs devices ask for (client apps) and who decides\n"
    "  serve [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--teep-suites modern|legacy|both]\n"
    "                                           run the TAM headless (TEEP over HTTP)\n"
    "  demo init --out DIR                      a complete demo for teep-devsim\n"
    "  inspect FILE [--key F]... [--decrypt-key F]... [--compat]\n"
    "                                           decode and verify a captured TEEP message, COSE\n"
    "                                           object, SUIT envelope, EAT (binary or hex) or OTrP\n"
    "                                           message (JSON; JWE layers opened with --decrypt-key)\n"
    "\nSecrets (--passphrase, --pin, --pkcs12-password, --key-passphrase) are read from env:NAME, file:PATH\n"
    "or stdin, never from the command line. A key in a PKCS#11 token is named by its RFC 7512 URI where a\n"
    "key file is taken (pkcs11:token=T;object=L?module-path=/path/module.so) and unlocked with --pin.\n";

} // namespace

int main(int argc, char *argv[])
{
    teep::security::protectProcess(); // before any file or secret exists
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("teep-console"));
    QCoreApplication::setApplicationName(QStringLiteral("teepctl"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(teep::kVersion));

    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("TEEP Console command line: manage the local TAM from scripts.\n\n%1").arg(QString::fromLatin1(kCommandsHelp)));
    parser.addHelpOption();
    parser.addVersionOption();
    teepctl::addCommonOptions(parser);
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Also log what the core does (to stderr)."));
    parser.addOption(verbose);
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("See Commands above."),
                                 QStringLiteral("<command> [arguments]"));
    // Everything after the command word belongs to the command's own parser.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.process(app);
    // Scripts read stdout and stderr: only warnings and errors unless asked, or QT_LOGGING_RULES says.
    if (!parser.isSet(verbose) && !qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("teep.*.info=false"));

    teepctl::Context context{teep::paths::defaultDatabasePath(), {}, {}, false, out, err,
                             teep::SystemClock::instance(), teep::store::operatorActor(QStringLiteral("teepctl"))};
    context.applyCommonOptions(parser);

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return context.usage(QStringLiteral("no command given; see teepctl --help"));
    const QString command = positional.first();
    const QStringList rest = positional.mid(1);
    if (command == QLatin1String("db"))
        return teepctl::runDb(context, rest);
    if (command == QLatin1String("tam"))
        return teepctl::runTam(context, rest);
    if (command == QLatin1String("anchors"))
        return teepctl::runAnchors(context, rest);
    if (command == QLatin1String("sp"))
        return teepctl::runSp(context, rest);
    if (command == QLatin1String("audit"))
        return teepctl::runAudit(context, rest);
    if (command == QLatin1String("inspect"))
        return teepctl::runInspect(context, rest);
    if (command == QLatin1String("serve"))
        return teepctl::runServe(context, rest);
    if (command == QLatin1String("demo"))
        return teepctl::runDemo(context, rest);
    if (command == QLatin1String("devices"))
        return teepctl::runDevices(context, rest);
    if (command == QLatin1String("ta"))
        return teepctl::runTa(context, rest);
    if (command == QLatin1String("attestation"))
        return teepctl::runAttestation(context, rest);
    if (command == QLatin1String("requests"))
        return teepctl::runRequests(context, rest);
    return context.usage(QStringLiteral("unknown command '%1'; see teepctl --help").arg(command));
}
