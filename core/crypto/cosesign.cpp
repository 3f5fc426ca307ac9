#include "crypto/cosesign.h"

#include "cbor/strictcbor.h"
#include "crypto/cosekey.h"

#include <QCborArray>
#include <QCborStreamWriter>

namespace teep::crypto::cose {

namespace {

constexpr quint64 kTagSign1 = 18;
constexpr quint64 kTagSign = 98;
const QList<qint64> kUnderstoodLabels = {kHeaderAlg, kHeaderCrit, kHeaderContentType, kHeaderKid, kHeaderX5Chain};
constexpr qsizetype kMaxX5Chain = 8;

struct AlgorithmInfo
{
    qint64 id;
    const char *name;
    SignatureScheme scheme;
};
constexpr AlgorithmInfo kAlgorithms[] = {
    {kES256, "ES256", SignatureScheme::EcdsaP256Sha256},  {kESP256, "ESP256", SignatureScheme::EcdsaP256Sha256},
    {kES384, "ES384", SignatureScheme::EcdsaP384Sha384},  {kEdDSA, "EdDSA", SignatureScheme::Ed25519},
    {kEd25519, "Ed25519", SignatureScheme::Ed25519},
};

Error coseError(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("cose.invalid"), message, where};
}

// RFC 9052 4.4 Sig_structure, streamed straight into one buffer (no intermediate CBOR tree and
// no copy of the payload besides the one the signature needs).
QByteArray sigStructure(const QString &context, const QByteArray &bodyProtected, const QByteArray *signProtected,
                        const QByteArray &externalAad, const QByteArray &payload)
{
    QByteArray out;
    out.reserve(payload.size() + bodyProtected.size() + externalAad.size() + 48);
    QCborStreamWriter writer(&out);
    writer.startArray(signProtected ? 5 : 4);
    writer.append(context);
    writer.append(bodyProtected);
    if (signProtected)
        writer.append(*signProtected);
    writer.append(externalAad);
    writer.append(payload);
    writer.endArray();
    return out;
}

Result<Headers> parseHeaders(const QCborValue &protectedValue, const QCborValue &unprotectedValue, const QString &where,
                             const QList<qint64> &profileLabels)
{
    if (!protectedValue.isByteArray())
        return coseError(QStringLiteral("the protected header must be a byte string"), where);
    if (!unprotectedValue.isMap())
        return coseError(QStringLiteral("the unprotected header must be a map"), where);
    Headers headers;
    headers.protectedBytes = protectedValue.toByteArray();
    headers.unprotectedMap = unprotectedValue.toMap();
    if (!headers.protectedBytes.isEmpty()) {
        cbor::Limits limits;
        limits.maxBytes = 4096;
        limits.maxDepth = 4;
        const Result<QCborValue> decoded = cbor::decodeStrict(headers.protectedBytes, limits);
        if (!decoded)
            return coseError(QStringLiteral("the protected header is not valid CBOR: %1").arg(decoded.error().message), where);
        if (!decoded.value().isMap())
            return coseError(QStringLiteral("the protected header must encode a map"), where);
        headers.protectedMap = decoded.value().toMap();
    }
    for (auto it = headers.protectedMap.constBegin(); it != headers.protectedMap.constEnd(); ++it) {
        if (headers.unprotectedMap.contains(it.key()))
            return coseError(QStringLiteral("header label %1 is both protected and unprotected").arg(it.key().toDiagnosticNotation()), where);
    }
    // TEEP 4.1.2: only header parameters that are understood; anything else is refused, since an
    // unprotected one could otherwise be altered without breaking the signature.
    const auto understood = [&profileLabels](const QCborValue &label) {
        return label.isInteger() && (kUnderstoodLabels.contains(label.toInteger()) || profileLabels.contains(label.toInteger()));
    };
    for (const QCborMap *map : {&headers.protectedMap, &headers.unprotectedMap}) {
        for (auto it = map->constBegin(); it != map->constEnd(); ++it) {
            if (!understood(it.key()))
                return coseError(QStringLiteral("header parameter %1 is not understood").arg(it.key().toDiagnosticNotation()), where);
        }
    }
    const QCborValue alg = headers.protectedMap.value(kHeaderAlg);
    if (!alg.isInteger())
        return coseError(headers.unprotectedMap.contains(kHeaderAlg)
                             ? QStringLiteral("alg must be in the protected header")
                             : QStringLiteral("the protected header has no (integer) alg"),
                         where);
    headers.alg = alg.toInteger();
    if (headers.protectedMap.contains(kHeaderCrit)) {
        const QCborValue crit = headers.protectedMap.value(kHeaderCrit);
        if (!crit.isArray() || crit.toArray().isEmpty())
            return coseError(QStringLiteral("crit must be a non-empty array"), where);
        for (const QCborValue &label : crit.toArray()) {
            if (!understood(label))
                return coseError(QStringLiteral("critical header %1 is not understood").arg(label.toDiagnosticNotation()), where);
            if (!headers.protectedMap.contains(label))
                return coseError(QStringLiteral("critical header %1 is not in the protected header").arg(label.toDiagnosticNotation()), where);
        }
    }
    const QCborValue kid = headers.protectedMap.contains(kHeaderKid) ? headers.protectedMap.value(kHeaderKid)
                                                                     : headers.unprotectedMap.value(kHeaderKid);
    if (!kid.isUndefined() && !kid.isByteArray())
        return coseError(QStringLiteral("kid must be a byte string"), where);
    headers.kid = kid.toByteArray();
    // x5chain (RFC 9360): one certificate as a bstr, several as an array of bstr, leaf first.
    const QCborValue chain = headers.protectedMap.contains(kHeaderX5Chain) ? headers.protectedMap.value(kHeaderX5Chain)
                                                                           : headers.unprotectedMap.value(kHeaderX5Chain);
    if (chain.isByteArray()) {
        headers.x5chain = {chain.toByteArray()};
    } else if (chain.isArray()) {
        if (chain.toArray().size() < 2 || chain.toArray().size() > kMaxX5Chain)
            return coseError(QStringLiteral("x5chain as an array holds 2 to %1 certificates").arg(kMaxX5Chain), where);
        for (const QCborValue &certificate : chain.toArray()) {
            if (!certificate.isByteArray())
                return coseError(QStringLiteral("x5chain holds DER certificates (byte strings)"), where);
            headers.x5chain << certificate.toByteArray();
        }
    } else if (!chain.isUndefined()) {
        return coseError(QStringLiteral("x5chain must be a byte string or an array of them"), where);
    }
    return headers;
}

Result<QByteArray> protectedFor(qint64 alg)
{
    if (const Result<SignatureScheme> scheme = schemeFor(alg); !scheme)
        return scheme.error();
    return QCborValue(QCborMap{{kHeaderAlg, alg}}).toCbor();
}

Result<QCborMap> unprotectedFor(const SigningKey &signer, const QList<QByteArray> &x5chain = {})
{
    QCborMap map;
    if (signer.withKid) {
        const Result<QByteArray> kid = coseKeyThumbprint(signer.key);
        if (!kid)
            return kid.error();
        map.insert(kHeaderKid, kid.value());
    }
    if (x5chain.size() == 1) {
        map.insert(kHeaderX5Chain, x5chain.first());
    } else if (!x5chain.isEmpty()) {
        QCborArray chain;
        for (const QByteArray &der : x5chain)
            chain.append(der);
        map.insert(kHeaderX5Chain, chain);
    }
    return map;
}

} // namespace

QString algorithmName(qint64 alg)
{
    for (const AlgorithmInfo &info : kAlgorithms) {
        if (info.id == alg)
            return QStringLiteral("%1 (%2)").arg(QString::fromLatin1(info.name)).arg(alg);
    }
    return QStringLiteral("unknown (%1)").arg(alg);
}

Result<SignatureScheme> schemeFor(qint64 alg)
{
    for (const AlgorithmInfo &info : kAlgorithms) {
        if (info.id == alg)
            return info.scheme;
    }
    return Error{QStringLiteral("cose.unsupported-algorithm"), QStringLiteral("unsupported COSE algorithm %1").arg(alg)};
}

Result<QByteArray> sign1(const QByteArray &payload, const SigningKey &signer, const QByteArray &externalAad, bool detachPayload,
                         const QList<QByteArray> &x5chain)
{
    const Result<QByteArray> protectedBytes = protectedFor(signer.alg);
    if (!protectedBytes)
        return protectedBytes.error();
    const Result<QCborMap> unprotectedMap = unprotectedFor(signer, x5chain);
    if (!unprotectedMap)
        return unprotectedMap.error();
    const Result<QByteArray> signature =
        signRaw(signer.key, schemeFor(signer.alg).value(),
                sigStructure(QStringLiteral("Signature1"), protectedBytes.value(), nullptr, externalAad, payload));
    if (!signature)
        return signature.error();
    const QCborArray object{protectedBytes.value(), unprotectedMap.value(),
                            detachPayload ? QCborValue(nullptr) : QCborValue(payload), signature.value()};
    return QCborValue(QCborTag(kTagSign1), object).toCbor();
}

Result<QByteArray> signMulti(const QByteArray &payload, const QList<SigningKey> &signers, const QByteArray &externalAad)
{
    if (signers.isEmpty())
        return coseError(QStringLiteral("COSE_Sign needs at least one signer"));
    const QByteArray bodyProtected; // empty: every signer protects its own alg
    QCborArray signatures;
    for (const SigningKey &signer : signers) {
        const Result<QByteArray> protectedBytes = protectedFor(signer.alg);
        if (!protectedBytes)
            return protectedBytes.error();
        const Result<QCborMap> unprotectedMap = unprotectedFor(signer);
        if (!unprotectedMap)
            return unprotectedMap.error();
        const QByteArray signProtected = protectedBytes.value();
        const Result<QByteArray> signature =
            signRaw(signer.key, schemeFor(signer.alg).value(),
                    sigStructure(QStringLiteral("Signature"), bodyProtected, &signProtected, externalAad, payload));
        if (!signature)
            return signature.error();
        signatures.append(QCborArray{signProtected, unprotectedMap.value(), signature.value()});
    }
    const QCborArray object{bodyProtected, QCborMap(), payload, signatures};
    return QCborValue(QCborTag(kTagSign), object).toCbor();
}

Result<SignedObject> parse(const QCborValue &value, bool allowUntagged, bool allowDetached, const QList<qint64> &profileLabels)
{
    QCborValue inner = value;
    bool multi = false;
    if (value.isTag()) {
        const quint64 tag = quint64(value.tag());
        if (tag != kTagSign1 && tag != kTagSign)
            return coseError(QStringLiteral("CBOR tag %1 is not COSE_Sign1 (18) or COSE_Sign (98)").arg(tag));
        multi = tag == kTagSign;
        inner = value.taggedValue();
    } else if (!allowUntagged) {
        return coseError(QStringLiteral("not a tagged COSE_Sign1 or COSE_Sign object"));
    }
    if (!inner.isArray() || inner.toArray().size() != 4)
        return coseError(QStringLiteral("a COSE signed object is an array of 4 items"));
    const QCborArray array = inner.toArray();
    SignedObject object;
    object.multiSigner = multi;
    if (array[2].isNull() && allowDetached) {
        object.detached = true;
    } else if (!array[2].isByteArray()) {
        return coseError(array[2].isNull() ? QStringLiteral("detached payloads are not expected here")
                                           : QStringLiteral("the payload must be a byte string"));
    }
    object.payload = array[2].toByteArray();
    if (!multi) {
        const Result<Headers> headers = parseHeaders(array[0], array[1], QStringLiteral("COSE_Sign1"), profileLabels);
        if (!headers)
            return headers.error();
        if (!array[3].isByteArray())
            return coseError(QStringLiteral("the signature must be a byte string"));
        object.body = headers.value();
        object.signers.append(Signer{headers.value(), array[3].toByteArray()});
        return object;
    }
    // COSE_Sign: the body may carry headers but no alg of its own.
    if (!array[0].isByteArray() || !array[1].isMap())
        return coseError(QStringLiteral("COSE_Sign body headers are malformed"));
    object.body.protectedBytes = array[0].toByteArray();
    object.body.unprotectedMap = array[1].toMap();
    if (!array[3].isArray() || array[3].toArray().isEmpty())
        return coseError(QStringLiteral("COSE_Sign needs a non-empty array of signatures"));
    qsizetype index = 0;
    for (const QCborValue &entry : array[3].toArray()) {
        const QString where = QStringLiteral("signature %1").arg(++index);
        if (!entry.isArray() || entry.toArray().size() != 3 || !entry.toArray()[2].isByteArray())
            return coseError(QStringLiteral("a COSE_Signature is [protected, unprotected, signature]"), where);
        const Result<Headers> headers = parseHeaders(entry.toArray()[0], entry.toArray()[1], where, profileLabels);
        if (!headers)
            return headers.error();
        object.signers.append(Signer{headers.value(), entry.toArray()[2].toByteArray()});
    }
    return object;
}

Status verify(const SignedObject &object, const Key &key, const AlgorithmPolicy &policy, const QByteArray &externalAad)
{
    QStringList reasons;
    for (const Signer &signer : object.signers) {
        const QString name = algorithmName(signer.headers.alg);
        if (!policy.accepts(signer.headers.alg)) {
            reasons << QStringLiteral("%1 is not accepted for this peer").arg(name);
            continue;
        }
        const Result<SignatureScheme> scheme = schemeFor(signer.headers.alg);
        if (!scheme) {
            reasons << scheme.error().message;
            continue;
        }
        if (const Status fits = checkKeyFits(key, scheme.value()); !fits) {
            reasons << QStringLiteral("%1: %2").arg(name, fits.error().message);
            continue;
        }
        // TEEP's kid is the signer's RFC 9679 thumbprint; the kid sits in the unsigned header, so
        // a kid that names another key is refused rather than ignored.
        if (!signer.headers.kid.isEmpty()) {
            const Result<QByteArray> thumbprint = coseKeyThumbprint(key);
            if (thumbprint && thumbprint.value() != signer.headers.kid) {
                reasons << QStringLiteral("%1: kid %2 names another key than the one verifying")
                               .arg(name, QString::fromLatin1(signer.headers.kid.toHex().left(16)));
                continue;
            }
        }
        const QByteArray toBeSigned =
            object.multiSigner ? sigStructure(QStringLiteral("Signature"), object.body.protectedBytes,
                                              &signer.headers.protectedBytes, externalAad, object.payload)
                               : sigStructure(QStringLiteral("Signature1"), signer.headers.protectedBytes, nullptr,
                                              externalAad, object.payload);
        const Status verified = verifyRaw(key, scheme.value(), toBeSigned, signer.signature);
        if (verified)
            return {};
        reasons << QStringLiteral("%1%2: %3")
                       .arg(name,
                            signer.headers.kid.isEmpty() ? QString()
                                                         : QStringLiteral(" kid %1").arg(QString::fromLatin1(signer.headers.kid.toHex().left(16))),
                            verified.error().message);
    }
    return Error{QStringLiteral("cose.verify-failed"),
                 QStringLiteral("no signature verifies: %1").arg(reasons.join(QStringLiteral("; ")))};
}

} // namespace teep::crypto::cose
