#include "suit/suitenvelope.h"

#include "cbor/strictcbor.h"
#include "crypto/openssl.h"

#include <QCborArray>

namespace teep::suit {

namespace {

constexpr quint64 kEnvelopeTag = 107;
// Envelope and manifest keys.
constexpr qint64 kAuthenticationWrapper = 2, kManifest = 3;
constexpr qint64 kManifestVersion = 1, kSequenceNumber = 2, kCommon = 3, kValidate = 7, kInstall = 20;
constexpr qint64 kComponents = 2, kSharedSequence = 4;
// Commands and parameters used here.
constexpr qint64 kConditionVendor = 1, kConditionClass = 2, kConditionImageMatch = 3;
constexpr qint64 kDirectiveOverrideParameters = 20, kDirectiveFetch = 21;
constexpr qint64 kParamVendor = 1, kParamClass = 2, kParamImageDigest = 3, kParamImageSize = 14, kParamUri = 21;
constexpr qint64 kReportNothing = 15; // "report on" flags used by every condition here

Error suitError(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("suit.invalid"), message, where};
}

Result<QCborValue> nested(const QCborValue &value, const QString &where)
{
    if (!value.isByteArray())
        return suitError(QStringLiteral("must be a bstr-wrapped CBOR item"), where);
    cbor::Limits limits;
    limits.maxBytes = 4 * 1024 * 1024;
    const Result<QCborValue> decoded = cbor::decodeStrict(value.toByteArray(), limits);
    if (!decoded)
        return suitError(decoded.error().message, where + QLatin1Char(' ') + decoded.error().where);
    return decoded;
}

// Reads the parameters a command sequence overrides (directive 20); later overrides win.
Status readParameters(const QCborArray &sequence, Envelope &envelope, const QString &where)
{
    if (sequence.size() % 2 != 0)
        return suitError(QStringLiteral("a command sequence is pairs of command and argument"), where);
    for (qsizetype i = 0; i < sequence.size(); i += 2) {
        if (!sequence[i].isInteger())
            return suitError(QStringLiteral("command %1 is not an integer").arg(i / 2 + 1), where);
        if (sequence[i].toInteger() != kDirectiveOverrideParameters)
            continue;
        if (!sequence[i + 1].isMap())
            return suitError(QStringLiteral("override-parameters takes a map"), where);
        const QCborMap parameters = sequence[i + 1].toMap();
        if (parameters.contains(kParamVendor))
            envelope.vendorId = parameters.value(kParamVendor).toByteArray();
        if (parameters.contains(kParamClass))
            envelope.classId = parameters.value(kParamClass).toByteArray();
        if (parameters.contains(kParamImageDigest)) {
            const Result<QCborValue> digest = nested(parameters.value(kParamImageDigest), where + QStringLiteral(" image-digest"));
            if (!digest)
                return digest.error();
            const QCborArray pair = digest.value().toArray();
            if (pair.size() != 2 || pair[0].toInteger() != kSha256 || pair[1].toByteArray().size() != 32)
                return suitError(QStringLiteral("image-digest must be [-16 (SHA-256), 32 bytes]"), where);
            envelope.imageDigest = pair[1].toByteArray();
        }
        if (parameters.contains(kParamImageSize)) {
            if (!parameters.value(kParamImageSize).isInteger() || parameters.value(kParamImageSize).toInteger() < 0)
                return suitError(QStringLiteral("image-size must be an unsigned integer"), where);
            envelope.imageSize = quint64(parameters.value(kParamImageSize).toInteger());
        }
        if (parameters.contains(kParamUri))
            envelope.uri = parameters.value(kParamUri).toString();
    }
    return {};
}

QByteArray wrap(const QCborValue &value)
{
    return value.toCbor();
}

} // namespace

Result<Envelope> parseEnvelope(const QByteArray &bytes)
{
    cbor::Limits limits;
    limits.maxBytes = 8 * 1024 * 1024;
    const Result<QCborValue> decoded = cbor::decodeStrict(bytes, limits);
    if (!decoded)
        return suitError(decoded.error().message, decoded.error().where);
    QCborValue top = decoded.value();
    if (top.isTag()) {
        if (quint64(top.tag()) != kEnvelopeTag)
            return suitError(QStringLiteral("CBOR tag %1 is not a SUIT_Envelope (107)").arg(quint64(top.tag())));
        top = top.taggedValue();
    }
    if (!top.isMap())
        return suitError(QStringLiteral("a SUIT_Envelope is a map"));
    const QCborMap map = top.toMap();
    Envelope envelope;
    envelope.encoded = bytes;
    if (!map.value(kManifest).isByteArray())
        return suitError(QStringLiteral("the envelope has no manifest (key 3)"));
    envelope.manifestBytes = map.value(kManifest).toByteArray();

    const Result<QCborValue> wrapper = nested(map.value(kAuthenticationWrapper), QStringLiteral("authentication wrapper"));
    if (!wrapper)
        return wrapper.error();
    const QCborArray authentication = wrapper.value().toArray();
    if (authentication.size() < 2 || !authentication[0].isByteArray())
        return suitError(QStringLiteral("the authentication wrapper needs a digest and at least one signature"));
    envelope.digestBytes = authentication[0].toByteArray();
    const Result<QCborValue> digest = nested(authentication[0], QStringLiteral("manifest digest"));
    if (!digest)
        return digest.error();
    const QCborArray digestPair = digest.value().toArray();
    if (digestPair.size() != 2 || digestPair[0].toInteger() != kSha256)
        return suitError(QStringLiteral("only SHA-256 manifest digests [-16, bytes] are supported"));
    envelope.manifestDigest = digestPair[1].toByteArray();
    // The digest covers the bstr-wrapped manifest: the byte string's CBOR header included.
    if (crypto::sha256(QCborValue(envelope.manifestBytes).toCbor()) != envelope.manifestDigest)
        return Error{QStringLiteral("suit.digest-mismatch"),
                     QStringLiteral("the manifest's SHA-256 does not match the authentication wrapper's digest")};
    for (qsizetype i = 1; i < authentication.size(); ++i) {
        const Result<QCborValue> signature = nested(authentication[i], QStringLiteral("signature %1").arg(i));
        if (!signature)
            return signature.error();
        // A COSE_Mac0 (tag 17) authenticates with a key shared with the device: well-formed, it is
        // kept as such; only that key could verify it.
        if (signature.value().isTag() && signature.value().tag() == QCborTag(17)) {
            const QCborArray mac = signature.value().taggedValue().toArray();
            if (mac.size() != 4 || !mac[0].isByteArray() || !mac[1].isMap() || !(mac[2].isNull() || mac[2].isByteArray()) || !mac[3].isByteArray())
                return suitError(QStringLiteral("a COSE_Mac0 is [protected, unprotected, payload, tag]"), QStringLiteral("signature %1").arg(i));
            ++envelope.macs;
            continue;
        }
        Result<crypto::cose::SignedObject> object = crypto::cose::parse(signature.value(), false, true);
        if (!object)
            return suitError(object.error().message, QStringLiteral("signature %1").arg(i));
        if (object.value().detached)
            object.value().payload = envelope.digestBytes;
        else if (object.value().payload != envelope.digestBytes)
            return suitError(QStringLiteral("the signed payload is not the manifest digest"), QStringLiteral("signature %1").arg(i));
        envelope.signatures << object.value();
    }
    for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
        if (it.key().isString() && it.value().isByteArray())
            envelope.integratedPayloads.insert(it.key().toString(), it.value().toByteArray());
    }

    const Result<QCborValue> manifest = nested(map.value(kManifest), QStringLiteral("manifest"));
    if (!manifest)
        return manifest.error();
    if (!manifest.value().isMap())
        return suitError(QStringLiteral("a SUIT_Manifest is a map"));
    envelope.manifest = manifest.value().toMap();
    for (auto it = envelope.manifest.constBegin(); it != envelope.manifest.constEnd(); ++it)
        envelope.sections << it.key().toInteger();
    if (envelope.manifest.value(kManifestVersion).toInteger() != 1)
        return suitError(QStringLiteral("manifest-version must be 1"));
    const QCborValue sequence = envelope.manifest.value(kSequenceNumber);
    if (!sequence.isInteger() || sequence.toInteger() < 0)
        return suitError(QStringLiteral("manifest-sequence-number must be an unsigned integer"));
    envelope.sequenceNumber = quint64(sequence.toInteger());

    const Result<QCborValue> common = nested(envelope.manifest.value(kCommon), QStringLiteral("common"));
    if (!common)
        return common.error();
    const QCborArray components = common.value().toMap().value(kComponents).toArray();
    if (components.isEmpty())
        return suitError(QStringLiteral("common has no components"));
    for (const QCborValue &component : components) {
        if (!component.isArray() || component.toArray().isEmpty())
            return suitError(QStringLiteral("a component identifier is a non-empty array of byte strings"));
        envelope.components << component;
    }
    // Parameters come from the shared sequence, then the install sequence (when not severed).
    for (const auto &[source, key] : {std::pair{common.value().toMap().value(kSharedSequence), QStringLiteral("shared-sequence")},
                                      std::pair{envelope.manifest.value(kInstall), QStringLiteral("install")}}) {
        if (!source.isByteArray())
            continue;
        const Result<QCborValue> commands = nested(source, key);
        if (!commands)
            return commands.error();
        if (const Status read = readParameters(commands.value().toArray(), envelope, key); !read)
            return read.error();
    }
    return envelope;
}

Status verifyEnvelope(const Envelope &envelope, const crypto::Key &trustAnchor, const crypto::cose::AlgorithmPolicy &policy)
{
    if (envelope.signatures.isEmpty() && envelope.macs > 0)
        return Error{QStringLiteral("suit.mac-only"),
                     QStringLiteral("the manifest is authenticated with COSE_Mac0 only: verifying it needs the key shared with the device, "
                                    "not a public key")};
    QStringList reasons;
    for (const crypto::cose::SignedObject &signature : envelope.signatures) {
        const Status verified = crypto::cose::verify(signature, trustAnchor, policy);
        if (verified)
            return {};
        reasons << verified.error().message;
    }
    return Error{QStringLiteral("suit.signature"),
                 QStringLiteral("no manifest signature verifies with the trust anchor: %1").arg(reasons.join(QStringLiteral("; ")))};
}

Status checkSequence(const Envelope &envelope, std::optional<quint64> installedSequence)
{
    if (installedSequence && envelope.sequenceNumber <= *installedSequence)
        return Error{QStringLiteral("suit.rollback"),
                     QStringLiteral("manifest sequence number %1 is not newer than the installed %2 (rollback refused)")
                         .arg(envelope.sequenceNumber)
                         .arg(*installedSequence)};
    return {};
}

Status checkPayload(const Envelope &envelope, const QByteArray &payload)
{
    if (envelope.imageDigest.isEmpty())
        return Error{QStringLiteral("suit.no-digest"), QStringLiteral("the manifest names no image digest")};
    if (envelope.imageSize && quint64(payload.size()) != *envelope.imageSize)
        return Error{QStringLiteral("suit.payload-size"),
                     QStringLiteral("the payload is %1 bytes; the manifest says %2").arg(payload.size()).arg(*envelope.imageSize)};
    if (crypto::sha256(payload) != envelope.imageDigest)
        return Error{QStringLiteral("suit.payload-digest"), QStringLiteral("the payload's SHA-256 does not match the manifest")};
    return {};
}

Result<QByteArray> buildEnvelope(const TaManifestSpec &spec, const crypto::cose::SigningKey &signer)
{
    if (!spec.componentId.isArray() || spec.componentId.toArray().isEmpty())
        return suitError(QStringLiteral("a TA manifest needs a component identifier"));
    if (spec.vendorId.size() != 16 || spec.classId.size() != 16)
        return suitError(QStringLiteral("vendor and class ids are 16-byte UUIDs"));
    const QByteArray imageDigest = wrap(QCborArray{kSha256, crypto::sha256(spec.payload)});
    const QCborArray shared{kDirectiveOverrideParameters,
                            QCborMap{{kParamVendor, spec.vendorId}, {kParamClass, spec.classId},
                                     {kParamImageDigest, imageDigest}, {kParamImageSize, qint64(spec.payload.size())}},
                            kConditionVendor, kReportNothing, kConditionClass, kReportNothing};
    const QCborMap common{{kComponents, QCborArray{spec.componentId}}, {kSharedSequence, wrap(shared)}};
    const QString uri = spec.uri.isEmpty() ? QStringLiteral("#ta") : spec.uri;
    const QCborArray install{kDirectiveOverrideParameters, QCborMap{{kParamUri, uri}}, kDirectiveFetch, kReportNothing,
                             kConditionImageMatch, kReportNothing};
    const QCborMap manifest{{kManifestVersion, 1},
                            {kSequenceNumber, qint64(spec.sequenceNumber)},
                            {kCommon, wrap(common)},
                            {kValidate, wrap(QCborArray{kConditionImageMatch, kReportNothing})},
                            {kInstall, wrap(install)}};
    const QByteArray manifestBytes = wrap(manifest);
    const QByteArray digestBytes = wrap(QCborArray{kSha256, crypto::sha256(QCborValue(manifestBytes).toCbor())});
    const Result<QByteArray> signature = crypto::cose::sign1(digestBytes, signer, {}, true);
    if (!signature)
        return signature.error();
    QCborMap envelope{{kAuthenticationWrapper, wrap(QCborArray{digestBytes, signature.value()})}, {kManifest, manifestBytes}};
    if (spec.uri.isEmpty())
        envelope.insert(QStringLiteral("#ta"), spec.payload);
    return QCborValue(QCborTag(kEnvelopeTag), envelope).toCbor();
}

Result<QByteArray> withoutIntegratedPayloads(const QByteArray &bytes)
{
    const Result<Envelope> envelope = parseEnvelope(bytes);
    if (!envelope)
        return envelope.error();
    cbor::Limits limits;
    limits.maxBytes = 8 * 1024 * 1024;
    const Result<QCborValue> decoded = cbor::decodeStrict(bytes, limits);
    if (!decoded)
        return decoded.error();
    const bool tagged = decoded.value().isTag();
    QCborMap map = (tagged ? decoded.value().taggedValue() : decoded.value()).toMap();
    for (const QString &uri : envelope.value().integratedPayloads.keys())
        map.remove(uri);
    const QCborValue stripped = tagged ? QCborValue(QCborTag(kEnvelopeTag), map) : QCborValue(map);
    return stripped.toCbor();
}

} // namespace teep::suit
