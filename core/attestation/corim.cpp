#include "attestation/corim.h"

#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"

#include <QCborArray>
#include <QCborMap>
#include <QUuid>

namespace teep::attestation::corim {

namespace {

constexpr quint64 kTagCoseSign1 = 18;
constexpr quint64 kTagUuid = 37;
constexpr quint64 kTagOid = 111;
constexpr quint64 kTagUnsignedCorim = 501;
constexpr quint64 kTagCoswid = 505;
constexpr quint64 kTagComid = 506;
constexpr quint64 kTagCotl = 508;
constexpr quint64 kTagUeid = 550;
constexpr quint64 kTagSvn = 552;
constexpr quint64 kTagMinSvn = 553;
constexpr quint64 kTagPkixBase64Key = 554;
constexpr quint64 kTagPkixBase64Cert = 555;
constexpr quint64 kTagBytes = 560;
constexpr quint64 kTagMaskedRawValue = 563;
constexpr quint64 kTagPsaImplementationId = 600; // the PSA profile's class id
constexpr qint64 kHeaderCorimMeta = 8;

// An OID's DER content octets as dotted text (the first two arcs packed in the first value).
QString oidText(const QByteArray &der)
{
    QStringList arcs;
    quint64 value = 0;
    bool first = true;
    for (const char c : der) {
        value = (value << 7) | quint8(c & 0x7f);
        if (quint8(c) & 0x80)
            continue;
        if (first) {
            arcs << QString::number(value < 80 ? value / 40 : 2) << QString::number(value < 80 ? value % 40 : value - 80);
            first = false;
        } else {
            arcs << QString::number(value);
        }
        value = 0;
    }
    return arcs.join(QLatin1Char('.'));
}

class Decoder
{
public:
    Decoder(const Limits &limits) : m_limits(limits) {}

    Result<Corim> decodeUnsigned(const QCborValue &value, Corim corim)
    {
        if (!value.isTag() || quint64(value.tag()) != kTagUnsignedCorim)
            return fail(QStringLiteral("not a CoRIM: expected tag 501 (unsigned CoRIM) or a COSE_Sign1 (tag 18) holding one"));
        const QCborValue body = value.taggedValue();
        if (!body.isMap())
            return fail(QStringLiteral("the CoRIM is not a map"));
        const QCborMap map = body.toMap();
        {
            Scope scope(*this, QStringLiteral("id"));
            const std::optional<QString> id = identifier(map.value(0));
            if (!id)
                return fail(QStringLiteral("missing or not text or a UUID"));
            corim.id = *id;
        }
        if (map.contains(3))
            corim.profile = identifier(map.value(3)).value_or(QString());
        Scope tagsScope(*this, QStringLiteral("tags"));
        const QCborValue tags = map.value(1);
        if (!tags.isArray() || tags.toArray().isEmpty())
            return fail(QStringLiteral("missing, or not a non-empty array"));
        if (tags.toArray().size() > m_limits.maxTags)
            return fail(QStringLiteral("%1 tags; at most %2 are read").arg(tags.toArray().size()).arg(m_limits.maxTags));
        int index = 0;
        for (const QCborValue &tag : tags.toArray()) {
            Scope scope(*this, QStringLiteral("[%1]").arg(index++), false);
            Result<std::optional<Comid>> comid = concise(tag);
            if (!comid)
                return comid.error();
            if (comid.value().has_value())
                corim.comids << *comid.value();
            else
                ++corim.otherTags;
        }
        if (corim.comids.isEmpty())
            return fail(QStringLiteral("no CoMID tag (506) in the CoRIM: nothing to take reference values from"));
        return corim;
    }

private:
    // The path into the structure, for errors: "tags[1].triples.reference[0].measurements[2]".
    struct Scope
    {
        Scope(Decoder &decoder, const QString &name, bool dotted = true) : m_decoder(decoder)
        {
            m_decoder.m_path << ((dotted && !m_decoder.m_path.isEmpty() ? QStringLiteral(".") : QString()) + name);
        }
        ~Scope() { m_decoder.m_path.removeLast(); }
        Decoder &m_decoder;
    };

    Error fail(const QString &message) const
    {
        return Error{QStringLiteral("corim.invalid"), message, m_path.isEmpty() ? QStringLiteral("CoRIM") : QStringLiteral("CoRIM ") + m_path.join(QString())};
    }

    static std::optional<QString> identifier(const QCborValue &value)
    {
        if (value.isString())
            return value.toString();
        if (value.isTag() && value.taggedValue().isByteArray()) {
            const QByteArray bytes = value.taggedValue().toByteArray();
            if (quint64(value.tag()) == kTagUuid && bytes.size() == 16)
                return QStringLiteral("uuid:") + QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
            if (quint64(value.tag()) == kTagOid)
                return QStringLiteral("oid:") + oidText(bytes);
            if (quint64(value.tag()) == kTagBytes || quint64(value.tag()) == kTagPsaImplementationId)
                return QStringLiteral("bytes:") + QString::fromLatin1(bytes.toHex());
        }
        if (value.isTag() && quint64(value.tag()) == 32 && value.taggedValue().isString()) // a URI
            return value.taggedValue().toString();
        return std::nullopt;
    }

    // One entry of the tags array: a CoMID in any of the encodings in use (a tagged byte string,
    // a byte string holding the tag, or the tag around the map itself), or another kind of tag.
    Result<std::optional<Comid>> concise(const QCborValue &entry)
    {
        QCborValue value = entry;
        if (value.isByteArray()) {
            Result<QCborValue> inner = nested(value.toByteArray());
            if (!inner)
                return inner.error();
            value = inner.value();
        }
        if (!value.isTag())
            return fail(QStringLiteral("a tag is a CBOR tag (506 CoMID, 505 CoSWID, 508 CoTL), or a byte string holding one"));
        const quint64 tag = quint64(value.tag());
        if (tag == kTagCoswid || tag == kTagCotl)
            return std::optional<Comid>();
        if (tag != kTagComid)
            return fail(QStringLiteral("tag %1 is not a CoMID (506), CoSWID (505) or CoTL (508)").arg(tag));
        QCborValue body = value.taggedValue();
        if (body.isByteArray()) {
            Result<QCborValue> inner = nested(body.toByteArray());
            if (!inner)
                return inner.error();
            body = inner.value();
        }
        if (!body.isMap())
            return fail(QStringLiteral("the CoMID is not a map"));
        Result<Comid> comid = concise(body.toMap());
        if (!comid)
            return comid.error();
        return std::optional<Comid>(comid.value());
    }

    Result<QCborValue> nested(const QByteArray &bytes)
    {
        cbor::Limits limits;
        limits.maxBytes = m_limits.maxBytes;
        limits.maxItems = m_limits.maxBytes; // every item takes a byte: the size is the bound; the counts are checked as read
        Result<QCborValue> inner = cbor::decodeStrict(bytes, limits);
        if (!inner)
            return fail(QStringLiteral("the byte string does not hold CBOR: %1 (%2 within it)").arg(inner.error().message, inner.error().where));
        return inner;
    }

    Result<Comid> concise(const QCborMap &map)
    {
        Comid comid;
        {
            Scope scope(*this, QStringLiteral("tag-identity"));
            const QCborMap identity = map.value(1).toMap();
            const std::optional<QString> tagId = identifier(identity.value(0));
            if (!map.value(1).isMap() || !tagId)
                return fail(QStringLiteral("missing, or without a tag-id"));
            comid.tagId = *tagId;
            comid.tagVersion = identity.value(1).toInteger(0);
        }
        Scope triplesScope(*this, QStringLiteral("triples"));
        if (!map.value(4).isMap())
            return fail(QStringLiteral("missing, or not a map"));
        const QCborMap triples = map.value(4).toMap();
        for (const auto &[key, name, into] : {std::tuple{0, "reference", &comid.references}, std::tuple{1, "endorsed", &comid.endorsements}}) {
            if (!triples.contains(key))
                continue;
            Scope scope(*this, QLatin1String(name));
            Result<QList<Triple>> read = measurementTriples(triples.value(key));
            if (!read)
                return read.error();
            *into = read.value();
        }
        if (triples.contains(3)) {
            Scope scope(*this, QStringLiteral("attest-key"));
            Result<QList<AttestKeyTriple>> read = attestKeyTriples(triples.value(3));
            if (!read)
                return read.error();
            comid.attestKeys = read.value();
        }
        return comid;
    }

    Result<QList<Triple>> measurementTriples(const QCborValue &value)
    {
        if (!value.isArray())
            return fail(QStringLiteral("not an array of triples"));
        QList<Triple> triples;
        int index = 0;
        for (const QCborValue &record : value.toArray()) {
            Scope scope(*this, QStringLiteral("[%1]").arg(index++), false);
            if (++m_triples > m_limits.maxTriples)
                return fail(QStringLiteral("more than %1 triples").arg(m_limits.maxTriples));
            const QCborArray pair = record.toArray();
            if (!record.isArray() || pair.size() != 2)
                return fail(QStringLiteral("a triple is [environment, measurements]"));
            Triple triple;
            Result<Environment> environment = this->environment(pair.at(0));
            if (!environment)
                return environment.error();
            triple.environment = environment.value();
            Scope measurementsScope(*this, QStringLiteral("measurements"));
            // Early drafts carried one measurement map; later ones an array of them.
            const QCborArray maps = pair.at(1).isMap() ? QCborArray{pair.at(1)} : pair.at(1).toArray();
            if (maps.isEmpty())
                return fail(QStringLiteral("no measurement"));
            int measurementIndex = 0;
            for (const QCborValue &map : maps) {
                Scope itemScope(*this, QStringLiteral("[%1]").arg(measurementIndex++), false);
                Result<Measurement> measurement = this->measurement(map);
                if (!measurement)
                    return measurement.error();
                triple.measurements << measurement.value();
            }
            triples << triple;
        }
        return triples;
    }

    Result<QList<AttestKeyTriple>> attestKeyTriples(const QCborValue &value)
    {
        if (!value.isArray())
            return fail(QStringLiteral("not an array of triples"));
        QList<AttestKeyTriple> triples;
        int index = 0;
        for (const QCborValue &record : value.toArray()) {
            Scope scope(*this, QStringLiteral("[%1]").arg(index++), false);
            if (++m_triples > m_limits.maxTriples)
                return fail(QStringLiteral("more than %1 triples").arg(m_limits.maxTriples));
            const QCborArray parts = record.toArray();
            if (!record.isArray() || parts.size() < 2 || !parts.at(1).isArray())
                return fail(QStringLiteral("an attest-key triple is [environment, [+ key]]"));
            AttestKeyTriple triple;
            Result<Environment> environment = this->environment(parts.at(0));
            if (!environment)
                return environment.error();
            triple.environment = environment.value();
            for (const QCborValue &key : parts.at(1).toArray()) {
                if (!key.isTag())
                    return fail(QStringLiteral("a key is a tagged key or certificate"));
                const QCborValue inner = key.taggedValue();
                if (inner.isString() && (quint64(key.tag()) == kTagPkixBase64Key || quint64(key.tag()) == kTagPkixBase64Cert))
                    triple.keys << inner.toString().toUtf8();
                else if (inner.isByteArray())
                    triple.keys << inner.toByteArray();
            }
            triples << triple;
        }
        return triples;
    }

    Result<Environment> environment(const QCborValue &value)
    {
        Scope scope(*this, QStringLiteral("environment"));
        if (!value.isMap())
            return fail(QStringLiteral("not a map"));
        const QCborMap map = value.toMap();
        Environment environment;
        if (map.contains(0)) {
            Scope classScope(*this, QStringLiteral("class"));
            const QCborMap classMap = map.value(0).toMap();
            if (!map.value(0).isMap())
                return fail(QStringLiteral("not a map"));
            if (classMap.contains(0)) {
                const std::optional<QString> classId = identifier(classMap.value(0));
                if (!classId)
                    return fail(QStringLiteral("class-id is not a tagged OID, UUID or byte string"));
                environment.classId = *classId;
            }
            environment.vendor = classMap.value(1).toString();
            environment.model = classMap.value(2).toString();
        }
        if (map.contains(1)) {
            const QCborValue instance = map.value(1);
            if (instance.isTag() && quint64(instance.tag()) == kTagUeid && instance.taggedValue().isByteArray())
                environment.instanceUeid = instance.taggedValue().toByteArray();
            else if (const std::optional<QString> other = identifier(instance))
                environment.instanceOther = *other;
            else if (instance.isTag())
                environment.instanceOther = QStringLiteral("key:tag %1").arg(quint64(instance.tag()));
            else
                return fail(QStringLiteral("the instance is not a tagged UEID, UUID, bytes or key"));
        }
        if (environment.classId.isEmpty() && environment.vendor.isEmpty() && environment.model.isEmpty() && environment.instanceUeid.isEmpty()
            && environment.instanceOther.isEmpty())
            return fail(QStringLiteral("names no class and no instance"));
        return environment;
    }

    Result<Measurement> measurement(const QCborValue &value)
    {
        if (!value.isMap())
            return fail(QStringLiteral("not a measurement map"));
        if (++m_measurements > m_limits.maxMeasurements)
            return fail(QStringLiteral("more than %1 measurements").arg(m_limits.maxMeasurements));
        const QCborMap map = value.toMap();
        Measurement measurement;
        if (map.contains(0)) {
            const QCborValue key = map.value(0);
            if (key.isInteger())
                measurement.key = QString::number(key.toInteger());
            else if (key.isMap() && key.toMap().value(1).isString()) // the PSA profile's psa-refval-id: its label names the component
                measurement.key = key.toMap().value(1).toString();
            else if (const std::optional<QString> text = identifier(key))
                measurement.key = *text;
            else
                return fail(QStringLiteral("mkey is not text, a number, a UUID or an OID"));
        }
        Scope valuesScope(*this, QStringLiteral("values"));
        if (!map.value(1).isMap())
            return fail(QStringLiteral("missing, or not a map"));
        const QCborMap values = map.value(1).toMap();
        if (values.contains(0))
            measurement.version = values.value(0).toMap().value(0).toString();
        if (values.contains(1)) {
            QCborValue svn = values.value(1);
            if (svn.isTag()) {
                measurement.svnIsMinimum = quint64(svn.tag()) == kTagMinSvn;
                if (quint64(svn.tag()) != kTagSvn && quint64(svn.tag()) != kTagMinSvn)
                    return fail(QStringLiteral("svn is tagged %1, not 552 (exact) or 553 (minimum)").arg(quint64(svn.tag())));
                svn = svn.taggedValue();
            }
            if (!svn.isInteger() || svn.toInteger() < 0)
                return fail(QStringLiteral("svn is not an unsigned integer"));
            measurement.svn = svn.toInteger();
        }
        if (values.contains(2)) {
            Scope scope(*this, QStringLiteral("digests"));
            const QCborArray digests = values.value(2).toArray();
            if (!values.value(2).isArray() || digests.isEmpty())
                return fail(QStringLiteral("not a non-empty array"));
            if (digests.size() > m_limits.maxDigests)
                return fail(QStringLiteral("%1 digests; at most %2 per measurement").arg(digests.size()).arg(m_limits.maxDigests));
            int index = 0;
            for (const QCborValue &entry : digests) {
                Scope itemScope(*this, QStringLiteral("[%1]").arg(index++), false);
                const QCborArray pair = entry.toArray();
                if (!entry.isArray() || pair.size() != 2 || !pair.at(1).isByteArray() || pair.at(1).toByteArray().isEmpty())
                    return fail(QStringLiteral("a digest is [algorithm, bytes]"));
                std::optional<qint64> algorithm;
                if (pair.at(0).isInteger())
                    algorithm = pair.at(0).toInteger();
                else if (pair.at(0).isString())
                    algorithm = digestAlgorithmFromName(pair.at(0).toString());
                if (!algorithm)
                    return fail(QStringLiteral("unknown digest algorithm %1").arg(pair.at(0).toDiagnosticNotation()));
                measurement.digests << Digest{*algorithm, pair.at(1).toByteArray()};
            }
        }
        if (values.contains(4)) {
            const QCborValue raw = values.value(4);
            if (raw.isTag() && quint64(raw.tag()) == kTagBytes && raw.taggedValue().isByteArray()) {
                measurement.rawValue = raw.taggedValue().toByteArray();
            } else if (raw.isTag() && quint64(raw.tag()) == kTagMaskedRawValue && raw.taggedValue().toArray().size() == 2) {
                measurement.rawValue = raw.taggedValue().toArray().at(0).toByteArray();
                measurement.rawValueMask = raw.taggedValue().toArray().at(1).toByteArray();
            } else {
                return fail(QStringLiteral("raw-value is neither tagged bytes (560) nor a masked raw value (563)"));
            }
        }
        if (values.contains(5)) // the earlier drafts' separate mask
            measurement.rawValueMask = values.value(5).toByteArray();
        if (!measurement.rawValueMask.isEmpty() && measurement.rawValueMask.size() != measurement.rawValue.size())
            return fail(QStringLiteral("the raw value's mask is %1 bytes, the value %2").arg(measurement.rawValueMask.size()).arg(measurement.rawValue.size()));
        measurement.name = values.value(11).toString();
        if (measurement.digests.isEmpty() && measurement.rawValue.isEmpty() && !measurement.svn && measurement.version.isEmpty())
            return fail(QStringLiteral("holds no digest, raw value, SVN or version: nothing to compare evidence with"));
        return measurement;
    }

    const Limits &m_limits;
    QStringList m_path;
    int m_triples = 0;
    int m_measurements = 0;
};

// corim-meta: a map, or (as Veraison writes it) a byte string holding one.
QString signerName(const QCborValue &meta)
{
    QCborValue map = meta;
    if (meta.isByteArray()) {
        const Result<QCborValue> inner = cbor::decodeStrict(meta.toByteArray());
        map = inner ? inner.value() : QCborValue();
    }
    return map.toMap().value(0).toMap().value(0).toString();
}

} // namespace

QString digestAlgorithmName(qint64 algorithm)
{
    switch (algorithm) {
    case 1:
        return QStringLiteral("sha-256");
    case 7:
        return QStringLiteral("sha-384");
    case 8:
        return QStringLiteral("sha-512");
    case 2:
        return QStringLiteral("sha-256-128");
    default:
        return QStringLiteral("hash %1").arg(algorithm);
    }
}

std::optional<qint64> digestAlgorithmFromName(const QString &name)
{
    for (const qint64 algorithm : {1, 2, 7, 8}) {
        if (name.compare(digestAlgorithmName(algorithm), Qt::CaseInsensitive) == 0)
            return algorithm;
    }
    return std::nullopt;
}

QString Environment::describe() const
{
    QStringList parts;
    if (!vendor.isEmpty())
        parts << QStringLiteral("vendor %1").arg(vendor);
    if (!model.isEmpty())
        parts << QStringLiteral("model %1").arg(model);
    if (!classId.isEmpty())
        parts << QStringLiteral("class %1").arg(classId);
    if (!instanceUeid.isEmpty())
        parts << QStringLiteral("ueid %1").arg(QString::fromLatin1(instanceUeid.toHex()));
    if (!instanceOther.isEmpty())
        parts << QStringLiteral("instance %1").arg(instanceOther);
    return parts.join(QStringLiteral(", "));
}

QString Measurement::label() const
{
    if (!name.isEmpty())
        return name;
    return key.isEmpty() ? QStringLiteral("unnamed measurement") : key;
}

QString Measurement::describeValues() const
{
    QStringList parts;
    if (!version.isEmpty())
        parts << QStringLiteral("version %1").arg(version);
    if (svn)
        parts << QStringLiteral("svn %1%2").arg(svnIsMinimum ? QStringLiteral(">=") : QString()).arg(*svn);
    for (const Digest &digest : digests)
        parts << digestAlgorithmName(digest.algorithm) + QLatin1Char(':') + QString::fromLatin1(digest.value.toHex());
    if (!rawValue.isEmpty())
        parts << QStringLiteral("raw %1%2").arg(QString::fromLatin1(rawValue.toHex()),
                                               rawValueMask.isEmpty() ? QString() : QStringLiteral(" mask ") + QString::fromLatin1(rawValueMask.toHex()));
    return parts.join(QStringLiteral("  "));
}

int Corim::referenceCount() const
{
    int count = 0;
    for (const Comid &comid : comids)
        for (const Triple &triple : comid.references)
            count += int(triple.measurements.size());
    return count;
}

Result<Corim> decode(const QByteArray &bytes, const QList<VerifierKey> &verifierKeys, const Limits &limits)
{
    cbor::Limits cborLimits;
    cborLimits.maxBytes = limits.maxBytes;
    cborLimits.maxItems = limits.maxBytes; // every item takes a byte: the size is the bound; the counts are checked as read
    const Result<QCborValue> top = cbor::decodeStrict(bytes, cborLimits);
    if (!top)
        return Error{QStringLiteral("corim.invalid"), QStringLiteral("not CBOR: %1").arg(top.error().message), top.error().where};
    Decoder decoder(limits);
    if (!top.value().isTag() || quint64(top.value().tag()) != kTagCoseSign1)
        return decoder.decodeUnsigned(top.value(), Corim{});

    // Signed: the signature first, by a key the operator trusts; nothing is read from a CoRIM that
    // does not verify.
    const Result<crypto::cose::SignedObject> object = crypto::cose::parse(top.value(), false, false, {kHeaderCorimMeta});
    if (!object)
        return Error{QStringLiteral("corim.invalid"), QStringLiteral("a signed CoRIM that is not a COSE_Sign1: %1").arg(object.error().message)};
    const QCborValue contentType = object.value().body.protectedMap.value(crypto::cose::kHeaderContentType);
    if (!contentType.isUndefined() && contentType.toString() != QLatin1String("application/rim+cbor"))
        return Error{QStringLiteral("corim.invalid"),
                     QStringLiteral("the signed content is %1, not application/rim+cbor").arg(contentType.toDiagnosticNotation())};
    Corim corim;
    corim.isSigned = true;
    corim.signerName = signerName(object.value().body.protectedMap.value(kHeaderCorimMeta));
    const crypto::cose::AlgorithmPolicy policy{{crypto::cose::kES256, crypto::cose::kESP256, crypto::cose::kES384, crypto::cose::kEdDSA,
                                                crypto::cose::kEd25519}};
    QString lastProblem = QStringLiteral("no verifier key is trusted (teepctl anchors import verifier-key FILE)");
    for (const VerifierKey &verifier : verifierKeys) {
        const Status verified = crypto::cose::verify(object.value(), verifier.key, policy);
        if (verified) {
            corim.verifiedBy = verifier.name;
            break;
        }
        lastProblem = verified.error().message;
    }
    if (corim.verifiedBy.isEmpty())
        return Error{QStringLiteral("corim.untrusted-signer"),
                     QStringLiteral("the CoRIM's signature (signer '%1') verifies with no trusted verifier key: %2")
                         .arg(corim.signerName.isEmpty() ? QStringLiteral("unnamed") : corim.signerName, lastProblem)};
    const Result<QCborValue> payload = cbor::decodeStrict(object.value().payload, cborLimits);
    if (!payload)
        return Error{QStringLiteral("corim.invalid"), QStringLiteral("the signed payload is not CBOR: %1").arg(payload.error().message),
                     payload.error().where + QStringLiteral(" of the payload")};
    return decoder.decodeUnsigned(payload.value(), corim);
}

} // namespace teep::attestation::corim
