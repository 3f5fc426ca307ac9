// teepctl anchors list|import|export|show|remove
#include "commands.h"

#include "crypto/certificatedescription.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "store/database.h"
#include "store/trustanchors.h"

namespace teepctl {

namespace {

using teep::crypto::TrustStore;
using teep::store::TrustAnchor;

nlohmann::ordered_json anchorJson(const TrustAnchor &anchor, const QDateTime &now)
{
    nlohmann::ordered_json json{
        {"id", anchor.id},
        {"store", teep::crypto::trustStoreInfo(anchor.store).key},
        {"kind", anchor.isCertificate ? "certificate" : "public-key"},
        {"label", anchor.label.toStdString()},
        {"subject", anchor.subject.toStdString()},
        {"fingerprint_sha256", anchor.fingerprint.toStdString()},
        {"added_at", anchor.addedAt.toString(Qt::ISODate).toStdString()},
    };
    if (anchor.isCertificate) {
        const teep::crypto::Certificate cert = anchor.certificate();
        json["not_before"] = anchor.notBefore.toString(Qt::ISODate).toStdString();
        json["not_after"] = anchor.notAfter.toString(Qt::ISODate).toStdString();
        json["validity"] = teep::crypto::validityName(teep::crypto::validityAt(cert, now)).toStdString();
    }
    return json;
}

teep::Result<qint64> parseId(const QString &text)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0)
        return teep::Error{QStringLiteral("cli.id"), QStringLiteral("'%1' is not a trust anchor id (see 'anchors list')").arg(text)};
    return id;
}

int list(Context &context, teep::store::TrustAnchors &anchors, const QStringList &words)
{
    QList<TrustStore> stores;
    if (words.isEmpty()) {
        for (const auto &info : teep::crypto::trustStores())
            stores << info.store;
    } else {
        const auto store = teep::crypto::trustStoreFromKey(words.first());
        if (!store)
            return context.usage(store.error().message);
        stores << store.value();
    }
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (TrustStore store : stores) {
        const auto listed = anchors.list(store);
        if (!listed)
            return context.fail(listed.error());
        for (const TrustAnchor &anchor : listed.value()) {
            const nlohmann::ordered_json entry = anchorJson(anchor, context.clock.now());
            if (context.json) {
                json.push_back(entry);
                continue;
            }
            context.out << QStringLiteral("%1  %2  %3  %4  %5\n")
                               .arg(anchor.id, 4)
                               .arg(QString::fromLatin1(teep::crypto::trustStoreInfo(store).key), -12)
                               .arg(QString::fromStdString(entry.value("validity", std::string("public key"))), -13)
                               .arg(anchor.fingerprint.left(23), anchor.label);
        }
    }
    if (context.json)
        context.print(json);
    return kExitOk;
}

} // namespace

int runAnchors(Context &context, const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "list [STORE]                 every trust anchor, or those of one store\n"
        "import STORE FILE...         certificates (PEM, DER, PKCS#7; '-' reads stdin); all or none\n"
        "import verifier-key FILE --label L   a Verifier's bare public key\n"
        "show ID                      every detail of one anchor\n"
        "export ID [--format pem|der] [--out FILE]\n"
        "remove ID --yes\n"
        "Stores: tam-root, tee-root, tfw-root, sp-signer, verifier-key."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list, import, show, export or remove"));
    const QCommandLineOption label(QStringLiteral("label"), QStringLiteral("Label for a bare public key."), QStringLiteral("text"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("pem (default) or der."), QStringLiteral("format"),
                                    QStringLiteral("pem"));
    const QCommandLineOption output(QStringLiteral("out"), QStringLiteral("Write to this file instead of stdout."),
                                    QStringLiteral("file"));
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Confirm a removal."));
    parser.addOptions({label, format, output, yes});
    if (const int code = parseCommand(parser, QStringLiteral("anchors"), arguments, context); code >= 0)
        return code;
    const QStringList words = parser.positionalArguments();
    const QString action = words.value(0);
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::store::TrustAnchors anchors(opened.value()->connection(), context.clock, context.actor);

    if (action == QLatin1String("list"))
        return list(context, anchors, words.mid(1));
    if (action == QLatin1String("import")) {
        if (words.size() < 3)
            return context.usage(QStringLiteral("anchors import: give a store and at least one file"));
        const auto store = teep::crypto::trustStoreFromKey(words[1]);
        if (!store)
            return context.usage(store.error().message);
        nlohmann::ordered_json imported = nlohmann::ordered_json::array();
        for (const QString &file : words.mid(2)) {
            const auto bytes = readInput(file);
            if (!bytes)
                return context.fail(bytes.error());
            QList<qint64> ids;
            if (store.value() == TrustStore::VerifierKey && parser.isSet(label)) {
                const auto id = anchors.importPublicKey(store.value(), bytes.value(), parser.value(label));
                if (!id)
                    return context.fail({id.error().code, id.error().message, file});
                ids << id.value();
            } else {
                const auto added = anchors.importCertificates(store.value(), bytes.value());
                if (!added)
                    return context.fail({added.error().code, added.error().message, file});
                ids = added.value();
            }
            for (qint64 id : ids) {
                const TrustAnchor anchor = anchors.get(id).value();
                if (context.json)
                    imported.push_back(anchorJson(anchor, context.clock.now()));
                else
                    context.out << "imported " << id << ": " << anchor.label << " (" << anchor.fingerprint << ")\n";
            }
        }
        if (context.json)
            context.print(imported);
        return kExitOk;
    }

    const auto id = parseId(words.value(1));
    if (!id)
        return context.usage(id.error().message);
    const auto anchor = anchors.get(id.value());
    if (!anchor)
        return context.fail(anchor.error());
    if (action == QLatin1String("show")) {
        nlohmann::ordered_json json = anchorJson(anchor.value(), context.clock.now());
        if (anchor.value().isCertificate) {
            for (const auto &field : teep::crypto::describeCertificate(anchor.value().certificate(), context.clock.now())) {
                if (field.key.startsWith(QLatin1String("extension_")))
                    json["extensions"].push_back(field.value.toStdString());
                else
                    json["details"][field.key.toStdString()] = field.value.toStdString();
            }
        } else {
            json["key"] = anchor.value().publicKey().description().toStdString();
        }
        if (context.json) {
            context.print(json);
        } else if (anchor.value().isCertificate) {
            for (const auto &field : teep::crypto::describeCertificate(anchor.value().certificate(), context.clock.now()))
                context.out << field.label << ": " << field.value << '\n';
        } else {
            context.out << "Label: " << anchor.value().label << "\nKey: " << anchor.value().subject
                        << "\nSHA-256 fingerprint: " << anchor.value().fingerprint << '\n';
        }
        return kExitOk;
    }
    if (action == QLatin1String("export")) {
        const QString fmt = parser.value(format);
        if (fmt != QLatin1String("pem") && fmt != QLatin1String("der"))
            return context.usage(QStringLiteral("anchors export: --format is pem or der"));
        const char *pemLabel = anchor.value().isCertificate ? "CERTIFICATE" : "PUBLIC KEY";
        const QByteArray bytes = fmt == QLatin1String("der") ? anchor.value().der
                                                              : teep::crypto::pemEncode(anchor.value().der, pemLabel);
        const teep::Status written = writeOutput(parser.value(output), bytes, context.out);
        return written ? kExitOk : context.fail(written.error());
    }
    if (action == QLatin1String("remove")) {
        if (!parser.isSet(yes))
            return context.usage(QStringLiteral("anchors remove: this removes '%1' from %2; add --yes to confirm")
                                     .arg(anchor.value().label,
                                          QString::fromLatin1(teep::crypto::trustStoreInfo(anchor.value().store).title)));
        const teep::Status removed = anchors.remove(id.value());
        if (!removed)
            return context.fail(removed.error());
        if (context.json)
            context.print({{"removed", id.value()}});
        else
            context.out << "removed " << id.value() << ": " << anchor.value().label << '\n';
        return kExitOk;
    }
    return context.usage(QStringLiteral("anchors: unknown action '%1'").arg(action));
}

} // namespace teepctl
