#include "protocol/inspector.h"
#include "common/json.h"

#include "protocol/otrp/otrpframing.h"
#include "protocol/otrp/otrpinspector.h"

#include "attestation/eat.h"
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "protocol/diagnostic.h"
#include "protocol/teep/teepcodec.h"
#include "suit/suitenvelope.h"

#include <QCborArray>
#include <QRegularExpression>

namespace teep::protocol {

namespace {

QString eatNamer(const QCborValue &key, const QStringList &path);
std::optional<QString> coseSign1Namer(const QCborValue &key, const QStringList &path, const KeyNamer &payloadNamer);

QString teepNamer(const QCborValue &key, const QStringList &path)
{
    // The evidence in a QueryResponse: a signed EAT (COSE_Sign1) or the claims alone.
    if (const qsizetype at = path.indexOf(QStringLiteral("attestation-payload")); at >= 0) {
        const QStringList inner = path.mid(at + 1);
        if (const std::optional<QString> named = coseSign1Namer(key, inner, eatNamer))
            return *named;
        return eatNamer(key, inner);
    }
    if (!key.isInteger())
        return {};
    // The options map, and the entries of requested-tc-list, use TEEP labels; tc-list entries are
    // SUIT system-property-claims.
    if (path.isEmpty() || path.last() == labelName(label::RequestedTcList))
        return labelName(key.toInteger());
    if (path.last() == labelName(label::TcList)) {
        switch (key.toInteger()) {
        case 0:
            return QStringLiteral("system-component-id");
        case 3:
            return QStringLiteral("image-digest");
        case 14:
            return QStringLiteral("image-size");
        default:
            return {};
        }
    }
    return {};
}

QString coseNamer(const QCborValue &key, const QStringList &)
{
    switch (key.toInteger(0)) {
    case 1:
        return QStringLiteral("alg");
    case 2:
        return QStringLiteral("crit");
    case 3:
        return QStringLiteral("content type");
    case 4:
        return QStringLiteral("kid");
    case 32:
        return QStringLiteral("x5bag");
    case 33:
        return QStringLiteral("x5chain");
    case 34:
        return QStringLiteral("x5t");
    default:
        return {};
    }
}

// COSE_Key (RFC 9052 7, RFC 9053 7.1) as an EAT's cnf carries it.
QString coseKeyNamer(const QCborValue &key)
{
    switch (key.toInteger(0)) {
    case 1:
        return QStringLiteral("kty");
    case 2:
        return QStringLiteral("kid");
    case 3:
        return QStringLiteral("alg");
    case -1:
        return QStringLiteral("crv");
    case -2:
        return QStringLiteral("x");
    case -3:
        return QStringLiteral("y");
    default:
        return {};
    }
}

// EAT claims (RFC 9711) at the top, the confirmation key inside cnf (RFC 8747).
QString eatNamer(const QCborValue &key, const QStringList &path)
{
    if (!key.isInteger())
        return {};
    if (path.isEmpty())
        return attestation::claimName(key.toInteger());
    if (path.last() == QLatin1String("cnf"))
        return key.toInteger() == 1 ? QStringLiteral("COSE_Key") : QString();
    if (path.last() == QLatin1String("COSE_Key"))
        return coseKeyNamer(key);
    return {};
}

// Inside a COSE_Sign1 nested in a message: its headers by COSE's labels, its payload by
// `payloadNamer` (with the path restarting at the payload). Empty when `path` is not inside one.
std::optional<QString> coseSign1Namer(const QCborValue &key, const QStringList &path, const KeyNamer &payloadNamer)
{
    for (qsizetype i = path.size() - 1; i >= 0; --i) {
        if (!path[i].startsWith(QLatin1String("COSE_Sign1 ")))
            continue;
        if (path[i] == QLatin1String("COSE_Sign1 payload"))
            return payloadNamer ? payloadNamer(key, path.mid(i + 1)) : QString();
        return i == path.size() - 1 ? coseNamer(key, {}) : QString();
    }
    return std::nullopt;
}

QString suitNamer(const QCborValue &key, const QStringList &path)
{
    if (const std::optional<QString> named = coseSign1Namer(key, path, {})) // the authentication block's signature
        return *named;
    if (!key.isInteger())
        return key.isString() ? QStringLiteral("integrated payload") : QString();
    const qint64 k = key.toInteger();
    auto pick = [k](std::initializer_list<std::pair<qint64, const char *>> table) {
        for (const auto &[number, name] : table) {
            if (number == k)
                return QString::fromLatin1(name);
        }
        return QString();
    };
    if (path.isEmpty())
        return pick({{2, "authentication-wrapper"}, {3, "manifest"}, {16, "payload-fetch"}, {20, "install"}, {23, "text"}});
    const QString last = path.last();
    if (last == QLatin1String("manifest"))
        return pick({{1, "manifest-version"}, {2, "manifest-sequence-number"}, {3, "common"}, {4, "reference-uri"},
                     {7, "validate"}, {8, "load"}, {9, "invoke"}, {16, "payload-fetch"}, {20, "install"}, {23, "text"}});
    if (last == QLatin1String("common"))
        return pick({{2, "components"}, {4, "shared-sequence"}});
    return pick({{1, "vendor-id"}, {2, "class-id"}, {3, "image-digest"}, {5, "component-slot"}, {14, "image-size"},
                 {21, "uri"}});
}

// Hex text as the drafts print it: hex digits, whitespace, and '#' comments to the end of a line.
std::optional<QByteArray> fromHexText(const QByteArray &bytes)
{
    QByteArray hex;
    for (const QByteArray &line : bytes.split('\n')) {
        const qsizetype comment = line.indexOf('#');
        hex += (comment < 0 ? line : line.left(comment)).simplified().replace(' ', "");
    }
    static const QRegularExpression onlyHex(QStringLiteral("^([0-9A-Fa-f]{2})+$"));
    if (hex.isEmpty() || !onlyHex.match(QString::fromLatin1(hex)).hasMatch())
        return std::nullopt;
    return QByteArray::fromHex(hex);
}

bool looksLikeEat(const QCborValue &value)
{
    if (!value.isMap())
        return false;
    const QCborMap map = value.toMap();
    return map.contains(attestation::claim::Nonce) || map.contains(attestation::claim::Ueid) || map.contains(attestation::claim::Cnf);
}

QString verifyWithKeys(const crypto::cose::SignedObject &object, const QList<crypto::Key> &keys,
                       const crypto::cose::AlgorithmPolicy &policy, bool *ok)
{
    *ok = false;
    if (keys.isEmpty())
        return QStringLiteral("no key was given to verify it (use --key)");
    QStringList reasons;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const Status verified = crypto::cose::verify(object, keys[i], policy);
        if (verified) {
            *ok = true;
            return QStringLiteral("verified with key %1 (%2)").arg(i + 1).arg(keys[i].description());
        }
        reasons << QStringLiteral("key %1: %2").arg(i + 1).arg(verified.error().message);
    }
    return reasons.join(QStringLiteral("; "));
}

} // namespace

void conclude(Inspection &result, const InspectionStep &step, Verdict failure)
{
    result.steps << step;
    if (!step.ok && result.verdict == Verdict::Verified) {
        result.verdict = failure;
        result.reason = QStringLiteral("%1: %2").arg(step.what, step.detail);
    }
}

namespace {

void inspectPayload(Inspection &result, const QByteArray &payload, bool compatibility, QString *kind, QString *diagnostic,
                    int indent = 0)
{
    const auto value = cbor::decodeStrict(payload);
    if (!value) {
        *kind = QStringLiteral("payload");
        *diagnostic = QStringLiteral("h'%1'").arg(QString::fromLatin1(payload.toHex()));
        return;
    }
    if (value.value().isArray()) {
        const auto message = decodeMessage(value.value(), compatibility ? DecodeProfile::compatible() : DecodeProfile::standard());
        // Named by its type element even when the rest is invalid.
        const qint64 type = value.value().toArray().at(0).toInteger(-1);
        const bool known = type == 1 || type == 2 || type == 3 || type == 5 || type == 6;
        *kind = known ? QStringLiteral("TEEP ") + messageTypeName(MessageType(type)) : QStringLiteral("TEEP message");
        conclude(result, {QStringLiteral("TEEP message"), message.ok(),
                          message ? (message.value().compatibilityNotes.isEmpty()
                                         ? QStringLiteral("valid")
                                         : QStringLiteral("valid in the compatibility profile: ") +
                                               message.value().compatibilityNotes.join(QStringLiteral("; ")))
                                  : message.error().toString()},
                 Verdict::Invalid);
        *diagnostic = annotatedDiagnostic(value.value(), teepNamer, indent);
        return;
    }
    *kind = looksLikeEat(value.value()) ? QStringLiteral("EAT") : QStringLiteral("CBOR payload");
    *diagnostic = annotatedDiagnostic(value.value(), looksLikeEat(value.value()) ? KeyNamer(eatNamer) : KeyNamer(), indent);
}

} // namespace

Inspection inspect(const QByteArray &bytes, const QList<crypto::Key> &keys, bool compatibility, const QList<crypto::Key> &decryptionKeys)
{
    if (bytes.trimmed().startsWith('{') && bytes.size() <= otrp::kMaxMessageBytes) {
        const Result<nlohmann::json> json = parseJsonText(std::string_view(bytes.constData(), size_t(bytes.size())));
        if (json)
            return otrp::inspectOtrp(json.value(), keys, decryptionKeys);
        if (json.error().code == QLatin1String("teep.json-depth")) {
            Inspection refused;
            refused.kind = QStringLiteral("JSON");
            conclude(refused, {QStringLiteral("JSON"), false, json.error().toString()}, Verdict::Invalid);
            return refused;
        }
    }
    Inspection result;
    QByteArray data = bytes;
    if (const auto hex = fromHexText(bytes)) {
        data = *hex;
        result.steps << InspectionStep{QStringLiteral("input"), true, QStringLiteral("hex text, %1 bytes").arg(data.size())};
    }
    cbor::Limits limits;
    limits.maxBytes = 8 * 1024 * 1024;
    const auto value = cbor::decodeStrict(data, limits);
    if (!value) {
        result.kind = QStringLiteral("not CBOR");
        conclude(result, {QStringLiteral("CBOR"), false, value.error().toString()}, Verdict::NotCbor);
        return result;
    }
    const auto policy = compatibility ? crypto::cose::AlgorithmPolicy::compatible() : crypto::cose::AlgorithmPolicy::standard();
    const QCborValue top = value.value();
    const quint64 tag = top.isTag() ? quint64(top.tag()) : 0;

    if (tag == 18 || tag == 98) {
        const auto object = crypto::cose::parse(top);
        if (!object) {
            result.kind = QStringLiteral("COSE object");
            conclude(result, {QStringLiteral("COSE"), false, object.error().toString()}, Verdict::Invalid);
            result.diagnostic = annotatedDiagnostic(top);
            return result;
        }
        bool verified = false;
        const QString detail = verifyWithKeys(object.value(), keys, policy, &verified);
        QString payloadKind;
        QString payloadDiagnostic;
        conclude(result, {QStringLiteral("signature"), verified, detail}, Verdict::NotVerified);
        inspectPayload(result, object.value().payload, compatibility, &payloadKind, &payloadDiagnostic, 1);
        result.kind = QStringLiteral("%1 (%2)").arg(payloadKind, tag == 18 ? QStringLiteral("COSE_Sign1") : QStringLiteral("COSE_Sign"));
        QStringList parts;
        for (const crypto::cose::Signer &signer : object.value().signers) {
            const QCborValue protectedValue = cbor::decodeStrict(signer.headers.protectedBytes).value();
            parts << QStringLiteral("  / protected / << %1 >>,\n  / unprotected / %2,\n  / signature / h'%3'")
                         .arg(annotatedDiagnostic(protectedValue, coseNamer, 1), annotatedDiagnostic(signer.headers.unprotectedMap, coseNamer, 1),
                              QString::fromLatin1(signer.signature.toHex()));
        }
        result.diagnostic = QStringLiteral("%1([\n%2,\n  / payload / << %3 >>\n])").arg(tag).arg(parts.join(QStringLiteral(",\n")), payloadDiagnostic);
        return result;
    }
    if (tag == 107 || (top.isMap() && top.toMap().value(3).isByteArray() && top.toMap().value(2).isByteArray())) {
        result.kind = QStringLiteral("SUIT envelope");
        result.diagnostic = annotatedDiagnostic(top, suitNamer);
        const auto envelope = suit::parseEnvelope(data);
        conclude(result, {QStringLiteral("SUIT envelope"), envelope.ok(),
                          envelope ? QStringLiteral("manifest digest matches; sequence number %1").arg(envelope.value().sequenceNumber)
                                   : envelope.error().toString()},
                 Verdict::Invalid);
        if (!envelope)
            return result;
        bool verified = false;
        QString detail = QStringLiteral("no key was given to verify it (use --key)");
        if (envelope.value().signatures.isEmpty() && envelope.value().macs > 0)
            detail = QStringLiteral("authenticated with COSE_Mac0 (a MAC): not verifiable without the key shared with the device");
        for (qsizetype i = 0; i < keys.size() && !verified && !envelope.value().signatures.isEmpty(); ++i) {
            const Status status = suit::verifyEnvelope(envelope.value(), keys[i], policy);
            verified = status.ok();
            detail = verified ? QStringLiteral("verified with key %1 (%2)").arg(i + 1).arg(keys[i].description()) : status.error().message;
        }
        conclude(result, {QStringLiteral("manifest signature"), verified, detail}, Verdict::NotVerified);
        return result;
    }
    if (top.isArray() && top.toArray().size() >= 2 && top.toArray().at(0).isInteger()) {
        QString kind;
        inspectPayload(result, data, compatibility, &kind, &result.diagnostic);
        result.kind = kind + QStringLiteral(" (unsigned)");
        return result;
    }
    if (looksLikeEat(top)) {
        result.kind = QStringLiteral("EAT claims (unsigned)");
        result.diagnostic = annotatedDiagnostic(top, eatNamer);
        return result;
    }
    result.kind = QStringLiteral("CBOR");
    result.diagnostic = annotatedDiagnostic(top);
    return result;
}

} // namespace teep::protocol
