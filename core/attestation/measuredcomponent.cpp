#include "attestation/measuredcomponent.h"

#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QCborMap>

namespace teep::attestation {

namespace {
constexpr qint64 kId = 1;
constexpr qint64 kMeasurement = 2;
constexpr int kMaxComponents = 1024;

Error bad(int index, const QString &why)
{
    return Error{QStringLiteral("eat.bad-measurement"), why, QStringLiteral("measurements[%1]").arg(index)};
}
} // namespace

Result<QList<MeasuredComponent>> measuredComponents(const QCborValue &measurements)
{
    if (measurements.isUndefined())
        return QList<MeasuredComponent>();
    if (!measurements.isArray())
        return Error{QStringLiteral("eat.bad-measurement"), QStringLiteral("the measurements claim is not an array"), QStringLiteral("measurements")};
    const QCborArray entries = measurements.toArray();
    if (entries.size() > kMaxComponents)
        return bad(kMaxComponents, QStringLiteral("more than %1 measurements").arg(kMaxComponents));
    QList<MeasuredComponent> components;
    for (int index = 0; index < entries.size(); ++index) {
        const QCborArray entry = entries.at(index).toArray();
        if (entry.size() != 2)
            return bad(index, QStringLiteral("an entry is [content-type, content]"));
        // A measured component says so by its media type, or (for a CoAP content-format number,
        // not registered when deployed Attesters were built) by its shape: a map with an id and a
        // measurement in a byte string.
        const bool named = entry.at(0).toString() == QLatin1String(kMeasuredComponentType);
        if (!entry.at(1).isByteArray()) {
            if (named)
                return bad(index, QStringLiteral("a measured component travels in a byte string"));
            continue; // a SUIT report, as the TEEP profile's manifests claim carries
        }
        const Result<QCborValue> decoded = cbor::decodeStrict(entry.at(1).toByteArray(), cbor::Limits{64 * 1024, 8, 256, false});
        const QCborMap map = decoded ? decoded.value().toMap() : QCborMap();
        const bool shaped = decoded && decoded.value().isMap() && map.value(kId).isArray() && map.value(kMeasurement).isArray();
        if (!shaped) {
            if (named)
                return bad(index, decoded ? QStringLiteral("not a measured component: no id and measurement")
                                          : QStringLiteral("not CBOR: %1 (%2)").arg(decoded.error().message, decoded.error().where));
            continue;
        }
        const QCborArray id = map.value(kId).toArray();
        const QCborArray digest = map.value(kMeasurement).toArray();
        MeasuredComponent component;
        component.name = id.at(0).toString();
        component.version = id.at(1).toArray().at(0).toString();
        if (component.name.isEmpty())
            return bad(index, QStringLiteral("the component has no name"));
        std::optional<qint64> algorithm = digest.at(0).isInteger() ? std::optional<qint64>(digest.at(0).toInteger())
                                                                   : corim::digestAlgorithmFromName(digest.at(0).toString());
        if (digest.size() != 2 || !algorithm || !digest.at(1).isByteArray() || digest.at(1).toByteArray().isEmpty())
            return bad(index, QStringLiteral("component %1: the measurement is not [algorithm, digest]").arg(component.name));
        component.digest = corim::Digest{*algorithm, digest.at(1).toByteArray()};
        components << component;
    }
    return components;
}

QCborValue measuredComponentEntry(const MeasuredComponent &component)
{
    QCborArray id{component.name};
    if (!component.version.isEmpty())
        id.append(QCborArray{component.version});
    const QCborMap map{{kId, id}, {kMeasurement, QCborArray{component.digest.algorithm, component.digest.value}}};
    return QCborArray{QString::fromLatin1(kMeasuredComponentType), cbor::encodeDeterministic(QCborValue(map))};
}

} // namespace teep::attestation
