// teepctl attestation reference set|list|remove|import|remove-import, teepctl attestation appraise
#include "commands.h"

#include "attestation/ear.h"
#include "attestation/eatappraisal.h"
#include "attestation/sgxcollateral.h"
#include "cbor/strictcbor.h"
#include "crypto/chainverifier.h"
#include "crypto/pkiformats.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/trustanchors.h"
#include "tam/corimreferences.h"
#include "tam/referenceappraisal.h"
#include "tam/referencevalues.h"
#include "tam/tamcredentials.h"
#include "tam/tamidentity.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSaveFile>
#include <QFileInfo>

#include <openssl/x509v3.h>

namespace teepctl {

namespace {

// `teepctl attestation appraise`'s exit codes: 0 only when affirming.
constexpr int kExitWarning = 10;
constexpr int kExitContraindicated = 11;
constexpr int kExitNotVerified = 12;
constexpr int kExitMalformed = 13;

int exitCodeFor(teep::attestation::Appraisal::Status status)
{
    using Status = teep::attestation::Appraisal::Status;
    switch (status) {
    case Status::Affirming:
        return kExitOk;
    case Status::Warning:
        return kExitWarning;
    case Status::Contraindicated:
        return kExitContraindicated;
    case Status::NotVerified:
        return kExitNotVerified;
    case Status::Malformed:
        break;
    }
    return kExitMalformed;
}

teep::Result<QByteArray> readFile(const QString &path, qint64 maxBytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return teep::Error{QStringLiteral("file.unreadable"), file.errorString(), path};
    if (file.size() > maxBytes)
        return teep::Error{QStringLiteral("file.too-large"), QStringLiteral("%1 bytes; at most %2 are read").arg(file.size()).arg(maxBytes), path};
    return file.readAll();
}

// A verifying key given on the command line: a public key (PEM or DER) or a certificate.
teep::Result<teep::crypto::Key> readPublicKey(const QString &path)
{
    const teep::Result<QByteArray> bytes = readFile(path, 1024 * 1024);
    if (!bytes)
        return bytes.error();
    if (const teep::Result<QList<teep::crypto::Certificate>> certificates = teep::crypto::parseCertificates(bytes.value());
        certificates && !certificates.value().isEmpty())
        return certificates.value().first().publicKey();
    teep::Result<teep::crypto::Key> key = teep::crypto::Key::fromPublicKey(bytes.value());
    if (!key)
        return teep::Error{key.error().code, QStringLiteral("neither a public key nor a certificate: %1").arg(key.error().message), path};
    return key;
}

// Without --key: the attestation certificate the evidence carries (x5chain), checked against the
// database's TEE root CAs, as the TAM does in a session.
teep::attestation::Check chainKey(const QByteArray &token, teep::store::Database &database, const teep::Clock &clock, QList<teep::crypto::Key> &keys)
{
    using teep::attestation::Check;
    using teep::attestation::Outcome;
    const QString name = QStringLiteral("attestation certificate chain");
    const teep::Result<QCborValue> decoded = teep::cbor::decodeStrict(token);
    const teep::Result<teep::crypto::cose::SignedObject> object =
        decoded ? teep::crypto::cose::parse(decoded.value()) : teep::Result<teep::crypto::cose::SignedObject>(decoded.error());
    if (!object || object.value().body.x5chain.isEmpty())
        return Check{name, Outcome::Fail, QStringLiteral("no --key given and the evidence carries no x5chain")};
    const QList<QByteArray> chain = object.value().body.x5chain;
    const teep::Result<teep::crypto::Certificate> leaf = teep::crypto::Certificate::fromDer(chain.first());
    if (!leaf)
        return Check{name, Outcome::Fail, leaf.error().message};
    QList<teep::crypto::Certificate> intermediates;
    for (const QByteArray &der : chain.mid(1))
        if (const teep::Result<teep::crypto::Certificate> certificate = teep::crypto::Certificate::fromDer(der))
            intermediates << certificate.value();
    const auto roots = teep::store::TrustAnchors(database.connection(), clock, QString()).certificates(teep::crypto::TrustStore::TeeRoot);
    teep::crypto::ChainVerifier verifier(roots ? roots.value() : QList<teep::crypto::Certificate>(), clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    const teep::crypto::ChainResult result = verifier.verify(leaf.value(), intermediates);
    if (!result.ok)
        return Check{name, Outcome::Fail, result.message};
    keys << leaf.value().publicKey();
    return Check{name, Outcome::Pass, QStringLiteral("issued by %1").arg(leaf.value().issuer())};
}


void printAppraisal(Context &context, const teep::attestation::Appraisal &appraisal)
{
    using teep::attestation::outcomeName;
    if (context.json) {
        nlohmann::ordered_json vector = nlohmann::ordered_json::object();
        for (const teep::attestation::TrustClaim &claim : appraisal.vector.claims)
            vector[claim.name] = {{"value", claim.value}, {"tier", teep::attestation::tierName(claim.tier()).toStdString()}, {"detail", claim.detail.toStdString()}};
        nlohmann::ordered_json checks = nlohmann::ordered_json::array();
        for (const teep::attestation::Check &check : appraisal.checks)
            checks.push_back({{"name", check.name.toStdString()}, {"outcome", outcomeName(check.outcome).toStdString()}, {"detail", check.detail.toStdString()}});
        nlohmann::ordered_json components = nlohmann::ordered_json::array();
        for (const teep::attestation::ComponentMatch &match : appraisal.components)
            components.push_back({{"name", match.component.name.toStdString()},
                                  {"version", match.component.version.toStdString()},
                                  {"digest", (teep::attestation::corim::digestAlgorithmName(match.component.digest.algorithm) + QLatin1Char(':')
                                              + QString::fromLatin1(match.component.digest.value.toHex())).toStdString()},
                                  {"outcome", outcomeName(match.outcome).toStdString()},
                                  {"reference", match.reference.toStdString()}});
        context.print({{"status", appraisal.statusName().toStdString()},
                       {"tier", teep::attestation::tierName(appraisal.tier).toStdString()},
                       {"reason", appraisal.reason().toStdString()},
                       {"trust_vector", vector},
                       {"checks", checks},
                       {"components", components}});
        return;
    }
    context.out << appraisal.statusName() << ": " << appraisal.reason() << '\n';
    if (appraisal.status != teep::attestation::Appraisal::Status::Malformed && appraisal.status != teep::attestation::Appraisal::Status::NotVerified) {
        context.out << "trust vector:\n";
        for (const teep::attestation::TrustClaim &claim : appraisal.vector.claims)
            context.out << "  " << QString::fromLatin1(claim.name).leftJustified(18) << ' ' << QString::number(claim.value).rightJustified(3) << "  "
                        << teep::attestation::tierName(claim.tier()).leftJustified(15) << ' ' << (claim.detail.isEmpty() ? QStringLiteral("no claim") : claim.detail)
                        << '\n';
    }
    context.out << "checks:\n";
    for (const teep::attestation::Check &check : appraisal.checks)
        context.out << "  " << outcomeName(check.outcome).leftJustified(4) << "  " << check.name << ": " << check.detail << '\n';
}

struct EarRequest
{
    QString path;   // where to write it; empty: no EAR
    QString format; // "jwt" or "cwt"
    QString key;    // FILE or pkcs11: URI; empty: the active TAM identity's key
};

// The key an EAR is signed with: the one given, else the active TAM identity's (the key store
// unlocked with --passphrase).
teep::Result<teep::crypto::Key> earKey(Context &context, teep::store::Database &database, const QString &given)
{
    if (!given.isEmpty())
        return context.readKey(given);
    teep::store::KeyStore keys(database.connection());
    const auto active = teep::tam::TamIdentities(database.connection(), keys, context.clock, context.actor).active();
    if (!active)
        return active.error();
    if (!active.value().demoUnprotected) {
        if (const teep::Status unlocked = context.unlock(keys); !unlocked)
            return unlocked.error();
    }
    const auto credentials = teep::tam::loadActiveTam(database.connection(), keys);
    if (!credentials)
        return credentials.error();
    return credentials.value().key;
}

teep::Status writeEar(Context &context, teep::store::Database &database, const teep::attestation::Appraisal &appraisal, const EarRequest &request,
                      const QByteArray &nonce)
{
    const teep::Result<teep::crypto::Key> key = earKey(context, database, request.key);
    if (!key)
        return key.error();
    teep::attestation::EarOptions options;
    options.nonce = nonce;
    options.issuedAt = context.clock.now().toSecsSinceEpoch();
    options.build = QCoreApplication::applicationVersion();
    const teep::Result<QByteArray> ear = request.format == QLatin1String("cwt") ? teep::attestation::earCwt(appraisal, options, key.value())
                                                                                 : teep::attestation::earJwt(appraisal, options, key.value());
    if (!ear)
        return ear.error();
    QSaveFile file(request.path);
    if (!file.open(QIODevice::WriteOnly) || file.write(ear.value()) != ear.value().size() || !file.commit())
        return teep::Error{QStringLiteral("file.unwritable"), file.errorString(), request.path};
    return {};
}

int appraise(Context &context, const QCommandLineParser &parser, const QStringList &words, const QCommandLineOption &keyOption,
             const QCommandLineOption &nonceOption, const QCommandLineOption &formatOption, const QCommandLineOption &collateralOption, const EarRequest &ear,
             qint64 maxAgeSeconds)
{
    const QString format = parser.isSet(formatOption) ? parser.value(formatOption) : QStringLiteral("eat");
    if (format != QLatin1String("eat") && format != QLatin1String("psa") && format != QLatin1String("ear") && format != QLatin1String("sgx"))
        return context.usage(QStringLiteral("--format %1: this TAM reads eat (RFC 9711), psa (RFC 9783), sgx (an SGX DCAP quote bundle) and ear (a verifier's result)").arg(format));
    if (parser.isSet(collateralOption) && format != QLatin1String("sgx"))
        return context.usage(QStringLiteral("--collateral is Intel's collateral for --format sgx"));
    if (format == QLatin1String("sgx") && parser.values(keyOption).size() > 1)
        return context.usage(QStringLiteral("--format sgx takes one --key: the agent key the quote must bind"));
    const teep::Result<QByteArray> token = readFile(words[1], 1024 * 1024);
    if (!token)
        return context.fail(token.error());
    teep::attestation::EatAppraisalOptions options;
    if (parser.isSet(nonceOption)) {
        const QByteArray hex = parser.value(nonceOption).toLatin1();
        options.nonce = QByteArray::fromHex(hex);
        if (options.nonce.toHex() != hex.toLower() || options.nonce.isEmpty())
            return context.usage(QStringLiteral("--nonce takes the challenge in hex"));
    }
    for (const QString &path : parser.values(keyOption)) {
        const teep::Result<teep::crypto::Key> key = readPublicKey(path);
        if (!key)
            return context.fail(key.error());
        options.attestationKeys << key.value();
    }
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::attestation::Appraisal appraisal;
    if (format == QLatin1String("ear")) {
        // A verifier's result (the passport model): signed by a key of the verifier-key store, or one given.
        auto verifiers = teep::tam::trustedVerifierKeys(opened.value()->connection(), context.clock);
        if (!verifiers)
            return context.fail(verifiers.error());
        for (qsizetype i = 0; i < options.attestationKeys.size(); ++i)
            verifiers.value() << teep::attestation::corim::VerifierKey{parser.values(keyOption).value(i), options.attestationKeys[i]};
        teep::attestation::EarCheckOptions check;
        check.nonce = options.nonce;
        check.now = context.clock.now().toSecsSinceEpoch();
        check.maxAgeSeconds = maxAgeSeconds;
        appraisal = teep::attestation::readEar(token.value(), verifiers.value(), check);
    } else if (format == QLatin1String("sgx")) {
        // The quote carries its PCK chain (checked against the TEE root CAs); --key is the agent's
        // key the report data must bind, --collateral Intel's collateral instead of the kept one.
        std::optional<teep::attestation::sgx::Collateral> collateral;
        if (parser.isSet(collateralOption)) {
            const auto files = teep::attestation::sgx::readCollateralFiles(parser.value(collateralOption));
            if (!files)
                return context.fail(files.error());
            const auto roots = teep::store::TrustAnchors(opened.value()->connection(), context.clock, QString()).certificates(teep::crypto::TrustStore::TeeRoot);
            if (!roots)
                return context.fail(roots.error());
            const auto read = teep::attestation::sgx::readCollateral(files.value(), roots.value(), context.clock);
            if (!read)
                return context.fail(read.error());
            collateral = read.value();
        }
        appraisal = teep::tam::appraiseSgxEvidence(opened.value()->connection(), context.clock, token.value(), options.nonce,
                                                   options.attestationKeys.value(0), collateral);
    } else if (format == QLatin1String("psa")) {
        // A PSA token carries no certificate: its Initial Attestation Key is given.
        appraisal = teep::tam::appraisePsaEvidence(opened.value()->connection(), context.clock, token.value(), options);
    } else {
        QList<teep::attestation::Check> before;
        if (options.attestationKeys.isEmpty())
            before << chainKey(token.value(), *opened.value(), context.clock, options.attestationKeys);
        appraisal = teep::tam::appraiseEvidence(opened.value()->connection(), context.clock, token.value(), options);
        appraisal.checks = before + appraisal.checks;
    }
    printAppraisal(context, appraisal);
    // The result for a Service Provider to keep, whatever it says (its status is in it).
    if (!ear.path.isEmpty()) {
        if (const teep::Status written = writeEar(context, *opened.value(), appraisal, ear, options.nonce); !written)
            return context.fail(written.error());
    }
    return exitCodeFor(appraisal.status);
}

int listReferences(Context &context, teep::tam::ReferenceValues &references, teep::tam::CorimReferences &corim)
{
    const auto values = references.list();
    if (!values)
        return context.fail(values.error());
    const auto imports = corim.imports();
    if (!imports)
        return context.fail(imports.error());
    const auto rows = corim.rows();
    if (!rows)
        return context.fail(rows.error());
    nlohmann::ordered_json models = nlohmann::ordered_json::array();
    for (const teep::tam::ReferenceValue &value : values.value()) {
        models.push_back({{"model", value.model.toStdString()}, {"claim", value.claim.toStdString()}, {"expected", value.expected.toStdString()}});
        if (!context.json)
            context.out << value.model << "  " << value.claim << " = " << value.expected << '\n';
    }
    nlohmann::ordered_json importsJson = nlohmann::ordered_json::array();
    for (const teep::tam::CorimImport &import : imports.value()) {
        nlohmann::ordered_json measurements = nlohmann::ordered_json::array();
        for (const teep::tam::CorimReferenceRow &row : rows.value()) {
            if (row.importId != import.id)
                continue;
            measurements.push_back({{"kind", row.kind.toStdString()},
                                    {"environment", row.environment.describe().toStdString()},
                                    {"measurement", nlohmann::ordered_json::parse(teep::tam::measurementToJson(row.measurement).toStdString())}});
        }
        importsJson.push_back({{"id", import.id}, {"corim_id", import.corimId.toStdString()}, {"source", import.source.toStdString()},
                               {"sha256", import.sha256.toStdString()}, {"signer", import.signer.toStdString()},
                               {"imported_at", import.importedAt.toStdString()}, {"imported_by", import.importedBy.toStdString()},
                               {"measurements", measurements}});
        if (context.json)
            continue;
        context.out << "CoRIM import " << import.id << ": " << import.corimId << " from " << import.source << ", "
                    << (import.signer.isEmpty() ? QStringLiteral("unsigned") : QStringLiteral("signed by ") + import.signer) << '\n';
        for (const teep::tam::CorimReferenceRow &row : rows.value()) {
            if (row.importId != import.id)
                continue;
            context.out << "  " << row.kind << "  " << row.environment.describe() << "  " << row.measurement.label() << "  " << row.measurement.describeValues()
                        << '\n';
        }
    }
    if (context.json)
        context.print({{"models", models}, {"corim", importsJson}});
    else if (values.value().isEmpty() && imports.value().isEmpty())
        context.out << "no reference values: evidence from every model is only a warning (teepctl attestation reference import FILE, or reference set)\n";
    return kExitOk;
}

} // namespace

int runAttestation(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "reference set MODEL [--oemid HEX] [--hwversion TEXT]\n"
        "                    what a device model's evidence must claim (TEEP EAT hwmodel = MODEL);\n"
        "                    a difference makes the device contraindicated, no values a warning\n"
        "reference import FILE   reference values from a CoRIM (unsigned, tag 501, or signed: COSE_Sign1 by a\n"
        "                    key in the verifier-key store) with CoMID tags; refused whole when any part is not\n"
        "                    CoRIM, saying where (the byte offset, or the path in the file)\n"
        "reference list | reference remove MODEL | reference remove-import ID\n"
        "collateral import DIR|FILE... | collateral list | collateral remove ID\n"
        "                    Intel's SGX collateral (TCB info, QE identity, CRLs, the TCB signing chain), verified\n"
        "                    against the TEE root store (the Intel SGX Root CA) and kept for sessions' SGX quotes\n"
        "appraise EVIDENCE [--key PEM]... [--nonce HEX] [--format eat|psa|sgx|ear] [--collateral DIR]\n"
        "                    [--ear-out FILE [--ear-format jwt|cwt]\n"
        "                    [--ear-key FILE|pkcs11:URI]]\n"
        "                    appraises a captured EAT (RFC 9711) or PSA token (RFC 9783) against the reference\n"
        "                    values: the trust vector (AR4SI) and every check. Without --key, an EAT's x5chain is\n"
        "                    checked against the TEE root CAs (a PSA token needs its Initial Attestation Key).\n"
        "                    --format sgx reads an SGX DCAP bundle [quote v3, raw-report-data]: its PCK chain\n"
        "                    against the TEE root CAs, --key the agent key it must bind, and Intel's collateral\n"
        "                    kept (or --collateral DIR); without collateral the tier is at most warning.\n"
        "                    --format ear reads a verifier's result (JWT or CWT) signed by a verifier key\n"
        "                    (the store's, or --key), fresh by --nonce or --max-age SECONDS (default 300).\n"
        "                    Exit: 0 affirming, 10 warning, 11 contraindicated, 12 not verified (signature),\n"
        "                    13 malformed. --ear-out writes the appraisal as a signed EAT Attestation Result\n"
        "                    (JWT with ES256, or CWT), signed by the active TAM identity's key unless --ear-key"));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("reference set|list|remove|import|remove-import, collateral import|list|remove, or appraise"));
    const QCommandLineOption oemid(QStringLiteral("oemid"), QStringLiteral("The expected oemid, in hex."), QStringLiteral("hex"));
    const QCommandLineOption hwversion(QStringLiteral("hwversion"), QStringLiteral("The expected hardware version."), QStringLiteral("text"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("appraise: the attestation key (public key or certificate, PEM or DER); repeatable. "
                                                "With --format sgx: the agent key the quote must bind."),
                                 QStringLiteral("file"));
    const QCommandLineOption nonce(QStringLiteral("nonce"), QStringLiteral("appraise: the challenge the evidence must carry, in hex."), QStringLiteral("hex"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("appraise: the evidence format (eat, psa, sgx or ear)."), QStringLiteral("format"));
    const QCommandLineOption collateral(QStringLiteral("collateral"), QStringLiteral("appraise --format sgx: Intel's collateral from this directory or file."),
                                        QStringLiteral("dir"));
    const QCommandLineOption earOut(QStringLiteral("ear-out"), QStringLiteral("appraise: write the result as a signed EAR to this file."), QStringLiteral("file"));
    const QCommandLineOption earFormat(QStringLiteral("ear-format"), QStringLiteral("appraise: jwt (default) or cwt."), QStringLiteral("format"));
    const QCommandLineOption earKeyOption(QStringLiteral("ear-key"), QStringLiteral("appraise: sign the EAR with this key (PEM file or pkcs11: URI)."),
                                          QStringLiteral("key"));
    const QCommandLineOption maxAge(QStringLiteral("max-age"), QStringLiteral("appraise --format ear: how old (seconds, default 300) an EAR without the nonce may be."),
                                    QStringLiteral("seconds"));
    parser.addOptions({oemid, hwversion, key, nonce, format, collateral, earOut, earFormat, earKeyOption, maxAge});
    if (const int code = parseCommand(parser, QStringLiteral("attestation"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    if (words.value(0) == QLatin1String("appraise") && words.size() == 2) {
        const EarRequest ear{parser.value(earOut), parser.isSet(earFormat) ? parser.value(earFormat) : QStringLiteral("jwt"), parser.value(earKeyOption)};
        if (ear.format != QLatin1String("jwt") && ear.format != QLatin1String("cwt"))
            return context.usage(QStringLiteral("--ear-format is jwt or cwt"));
        bool numeric = true;
        const qint64 maxAgeSeconds = parser.isSet(maxAge) ? parser.value(maxAge).toLongLong(&numeric) : 300;
        if (!numeric || maxAgeSeconds < 0)
            return context.usage(QStringLiteral("--max-age takes seconds"));
        return appraise(context, parser, words, key, nonce, format, collateral, ear, maxAgeSeconds);
    }
    if (words.value(0) == QLatin1String("collateral"))
        return runCollateral(context, words);
    if (words.value(0) != QLatin1String("reference"))
        return context.usage(QStringLiteral("usage: teepctl attestation reference ... | collateral ... | appraise EVIDENCE (see --help)"));
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::ReferenceValues references(opened.value()->connection(), context.clock, context.actor);
    teep::tam::CorimReferences corim(opened.value()->connection(), context.clock, context.actor);
    const QString action = words.value(1);
    if (action == QLatin1String("import") && words.size() == 3) {
        const teep::Result<QByteArray> bytes = readFile(words[2], 4 * 1024 * 1024);
        if (!bytes)
            return context.fail(bytes.error());
        const teep::Result<teep::tam::CorimImport> imported = corim.importFile(bytes.value(), QFileInfo(words[2]).fileName());
        if (!imported)
            return context.fail(imported.error());
        if (context.json)
            context.print({{"id", imported.value().id}, {"corim_id", imported.value().corimId.toStdString()}, {"references", imported.value().references},
                           {"endorsements", imported.value().endorsements}, {"signer", imported.value().signer.toStdString()}});
        else
            context.out << "imported " << imported.value().corimId << " as import " << imported.value().id << ": " << imported.value().references
                        << " reference and " << imported.value().endorsements << " endorsed measurement(s), "
                        << (imported.value().signer.isEmpty() ? QStringLiteral("unsigned") : QStringLiteral("signed by ") + imported.value().signer) << '\n';
        return kExitOk;
    }
    if (action == QLatin1String("remove-import") && words.size() == 3) {
        bool numeric = false;
        const qint64 id = words[2].toLongLong(&numeric);
        if (!numeric)
            return context.usage(QStringLiteral("reference remove-import takes an import id (teepctl attestation reference list)"));
        if (const teep::Status removed = corim.remove(id); !removed)
            return context.fail(removed.error());
        return kExitOk;
    }
    if (action == QLatin1String("set") && words.size() == 3 && (parser.isSet(oemid) || parser.isSet(hwversion))) {
        for (const auto &[option, claim] : {std::pair{&oemid, "oemid"}, std::pair{&hwversion, "hwversion"}}) {
            if (!parser.isSet(*option))
                continue;
            if (const teep::Status set = references.set(words[2], QLatin1String(claim), parser.value(*option)); !set)
                return context.fail(set.error());
        }
        return kExitOk;
    }
    if (action == QLatin1String("remove") && words.size() == 3) {
        if (const teep::Status removed = references.remove(words[2]); !removed)
            return context.fail(removed.error());
        return kExitOk;
    }
    if (action == QLatin1String("list") && words.size() == 2)
        return listReferences(context, references, corim);
    return context.usage(QStringLiteral("usage: teepctl attestation reference set MODEL [--oemid HEX] [--hwversion TEXT] | import FILE | list | remove MODEL "
                                        "| remove-import ID"));
}

} // namespace teepctl
