#include "protocol/otrp/otrpinspector.h"
#include "common/json.h"

#include "crypto/jwe.h"
#include "crypto/openssl.h"
#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/tapackage.h"

namespace teep::protocol::otrp {

namespace {

constexpr std::size_t kMaxTeeEntries = 16;

// One JWE layer, opened with the first key that can: the shown value and, when opened, the
// plaintext.
nlohmann::json openJwe(Inspection &result, const QString &prefix, const QString &what,
                       const nlohmann::json &jwe, const QList<crypto::Key> &decryptionKeys,
                       QByteArray *plaintext = nullptr)
{
    nlohmann::json shown{{"JWE", {{"enc", "?"}, {"alg", "?"}}}};
    if (jwe.is_object() && jwe.contains("recipients") && jwe["recipients"].is_array() &&
        !jwe["recipients"].empty()) {
        const nlohmann::json &header =
            jwe["recipients"][0].value("header", nlohmann::json::object());
        if (header.is_object() && header.contains("alg"))
            shown["JWE"]["alg"] = header["alg"];
        shown["JWE"]["recipients"] = jwe["recipients"].size();
    }
    if (jwe.is_object() && jwe.contains("protected") && jwe["protected"].is_string()) {
        const auto protectedBytes = crypto::jose::base64UrlDecode(
            QByteArray::fromStdString(jwe["protected"].get<std::string>()), what);
        const nlohmann::json header =
            protectedBytes
                ? parseJson(protectedBytes.value().toStdString())
                : nlohmann::json();
        if (header.is_object() && header.contains("enc"))
            shown["JWE"]["enc"] = header["enc"];
    }
    QString lastError = QStringLiteral("no --decrypt-key was given");
    for (qsizetype i = 0; i < decryptionKeys.size(); ++i) {
        const Result<crypto::jose::Decrypted> opened =
            crypto::jose::decrypt(jwe, decryptionKeys[i], crypto::jose::JwePolicy{true});
        if (!opened) {
            lastError = opened.error().message;
            continue;
        }
        result.steps << InspectionStep{prefix + QStringLiteral("decrypt %1").arg(what), true,
                                       QStringLiteral("opened with decryption key %1 (%2, %3)")
                                           .arg(i + 1)
                                           .arg(opened.value().alg, opened.value().enc)};
        if (plaintext)
            *plaintext = opened.value().plaintext;
        const nlohmann::json inner =
            parseJson(opened.value().plaintext.toStdString());
        shown["decrypted"] =
            inner.is_discarded()
                ? nlohmann::json(
                      QStringLiteral("%1 bytes").arg(opened.value().plaintext.size()).toStdString())
                : inner;
        return shown;
    }
    // Not opening a layer is no failure of the message: it is reported, not judged.
    result.steps << InspectionStep{prefix + QStringLiteral("decrypt %1").arg(what), true,
                                   QStringLiteral("left encrypted: %1").arg(lastError)};
    return shown;
}

// encrypted_ta: the TA key (a JWE to the SP AIK), then the signed TA inside.
nlohmann::json openEncryptedTa(Inspection &result, const nlohmann::json &encryptedTa,
                               TaOperation operation, const QList<crypto::Key> &keys,
                               const QList<crypto::Key> &decryptionKeys)
{
    nlohmann::json shown = encryptedTa;
    if (!encryptedTa.is_object() || !encryptedTa.contains("key"))
        return shown;
    shown["key"] = openJwe(result, QString(), QStringLiteral("encrypted_ta key"),
                           encryptedTa["key"], decryptionKeys);
    for (const crypto::Key &key : decryptionKeys) {
        const Result<DecryptedTa> ta = decryptTa(operation, encryptedTa, key);
        if (!ta || !ta.value().signedTa)
            continue;
        const nlohmann::json jws =
            parseJson(ta.value().signedTa->toStdString());
        const auto parsed = crypto::jose::parse(jws);
        const nlohmann::json image =
            parsed ? parseJson(parsed.value().payload.toStdString())
                   : nlohmann::json();
        if (!image.is_object()) {
            conclude(result,
                     {QStringLiteral("signed TA"), false,
                      QStringLiteral("the decrypted TA is not a signed TA")},
                     Verdict::Invalid);
            return shown;
        }
        nlohmann::json summary = image;
        if (summary.contains("binary") && summary["binary"].is_string()) {
            const QByteArray binary = QByteArray::fromBase64(
                QByteArray::fromStdString(summary["binary"].get<std::string>()));
            summary["binary"] = QStringLiteral("%1 bytes, SHA-256 %2")
                                    .arg(binary.size())
                                    .arg(QString::fromLatin1(crypto::sha256(binary).toHex()))
                                    .toStdString();
        }
        shown["signed TA"] = summary;
        bool verified = false;
        for (qsizetype i = 0; i < keys.size() && !verified; ++i)
            verified = crypto::jose::verify(parsed.value(), keys[i]).ok();
        conclude(result,
                 {QStringLiteral("SP signature over the TA"), verified,
                  verified ? QStringLiteral("verified with a key given")
                           : QStringLiteral(
                                 "no key given verifies it (use --key with the SP certificate)")},
                 Verdict::NotVerified);
        return shown;
    }
    return shown;
}

nlohmann::json inspectMessage(Inspection &result, const nlohmann::json &message,
                              const QString &prefix, const QList<crypto::Key> &keys,
                              const QList<crypto::Key> &decryptionKeys)
{
    if (message.is_object() && message.size() == 1 && message.begin().key().size() < 64 &&
        QString::fromStdString(message.begin().key()).endsWith(QLatin1String("TBSResponse"))) {
        result.steps << InspectionStep{
            prefix + QStringLiteral("unsigned refusal"), true,
            QStringLiteral("%1: %2").arg(QString::fromStdString(message.begin().key()),
                                         reasonCode(message.begin().value()))};
        return message;
    }
    if (message.is_object() && message.contains("OTrPBrokerError")) {
        result.steps << InspectionStep{prefix + QStringLiteral("Broker error"), true,
                                       QStringLiteral("unsigned")};
        return message;
    }
    const Result<Unwrapped> unwrapped = unwrap(message);
    if (!unwrapped) {
        conclude(result, {prefix + QStringLiteral("framing"), false, unwrapped.error().toString()},
                 Verdict::Invalid);
        return message;
    }
    const Unwrapped &u = unwrapped.value();
    const QString name = signedName(u.command, u.direction);
    result.steps << InspectionStep{
        prefix + QStringLiteral("framing"), true,
        QStringLiteral("%1: the outer name matches the signed payload").arg(name)};
    const crypto::jose::JwsSignature &signature = u.jws.signatures.first();
    QList<std::pair<QString, crypto::Key>> candidates;
    if (!signature.x5c.isEmpty())
        candidates.append(
            {QStringLiteral("the x5c certificate '%1' (its chain is not checked here)")
                 .arg(signature.x5c.first().commonName()),
             signature.x5c.first().publicKey()});
    for (qsizetype i = 0; i < keys.size(); ++i)
        candidates.append(
            {QStringLiteral("key %1 (%2)").arg(i + 1).arg(keys[i].description()), keys[i]});
    QString verifiedBy;
    for (const auto &candidate : candidates) {
        if (crypto::jose::verify(u.jws, candidate.second).ok()) {
            verifiedBy = candidate.first;
            break;
        }
    }
    conclude(
        result,
        {prefix + QStringLiteral("signature (%1)").arg(signature.alg), !verifiedBy.isEmpty(),
         verifiedBy.isEmpty()
             ? (candidates.isEmpty()
                    ? QStringLiteral("no key to verify with (use --key, e.g. the TEE certificate)")
                    : QStringLiteral("no key given verifies it"))
             : QStringLiteral("verified with %1").arg(verifiedBy)},
        Verdict::NotVerified);

    nlohmann::json tbs = u.tbs;
    for (const char *layer : {"content", "edsi"}) {
        if (tbs.contains(layer))
            tbs[layer] = openJwe(result, prefix, QLatin1String(layer), tbs[layer], decryptionKeys);
    }
    if (tbs.contains("encrypted_ta"))
        tbs["encrypted_ta"] = openEncryptedTa(
            result, tbs["encrypted_ta"],
            u.command == QLatin1String("UpdateTA") ? TaOperation::Update : TaOperation::Install,
            keys, decryptionKeys);
    nlohmann::json header = parseJson(signature.protectedHeaderJson.toStdString()); // parse() saw an object
    if (header.contains("x5c")) {
        nlohmann::json subjects = nlohmann::json::array();
        for (const crypto::Certificate &certificate : signature.x5c)
            subjects.push_back(certificate.commonName().toStdString());
        header["x5c"] = subjects;
    }
    return {{name.toStdString(),
             {{"protected", header},
              {"payload", {{tbsName(u.command, u.direction).toStdString(), tbs}}},
              {"signature",
               QStringLiteral("%1 bytes").arg(signature.signature.size()).toStdString()}}}};
}

} // namespace

Inspection inspectOtrp(const nlohmann::json &json, const QList<crypto::Key> &keys,
                       const QList<crypto::Key> &decryptionKeys)
{
    Inspection result;
    nlohmann::json shown;
    if (json.is_object() && json.size() == 1 && json.contains("GetDeviceStateResponse")) {
        const nlohmann::json &entries = json["GetDeviceStateResponse"];
        if (!entries.is_array() || entries.empty() || entries.size() > kMaxTeeEntries) {
            result.kind = QStringLiteral("OTrP GetDeviceStateResponse");
            conclude(result,
                     {QStringLiteral("framing"), false,
                      QStringLiteral("expected an array of 1 to 16 TEE answers")},
                     Verdict::Invalid);
            result.diagnostic = QString::fromStdString(json.dump(2));
            return result;
        }
        result.kind = QStringLiteral("OTrP GetDeviceStateResponse (%1 TEE%2)")
                          .arg(entries.size())
                          .arg(entries.size() == 1 ? "" : "s");
        shown = nlohmann::json{{"GetDeviceStateResponse", nlohmann::json::array()}};
        int index = 0;
        for (const nlohmann::json &entry : entries)
            shown["GetDeviceStateResponse"].push_back(inspectMessage(
                result, entry, QStringLiteral("TEE %1: ").arg(++index), keys, decryptionKeys));
    } else {
        shown = inspectMessage(result, json, QString(), keys, decryptionKeys);
        const QString outer = json.is_object() && json.size() == 1
                                  ? QString::fromStdString(json.begin().key()).left(64)
                                  : QStringLiteral("JSON");
        result.kind = QStringLiteral("OTrP %1").arg(outer);
    }
    result.diagnostic = QString::fromStdString(shown.dump(2));
    return result;
}

} // namespace teep::protocol::otrp
