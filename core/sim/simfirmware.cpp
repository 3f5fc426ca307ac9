#include "sim/simfirmware.h"

#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>

namespace teep::sim {

namespace {
struct Image
{
    const char *name;
    const char *version;
};
constexpr Image kImages[] = {{"bl2", "1.2.0"}, {"tee-os", "4.1.0"}};

QByteArray digestOf(const Image &image, bool tampered)
{
    QByteArray contents = QStringLiteral("%1 %2 of the simulated TEE").arg(QLatin1String(image.name), QLatin1String(image.version)).toUtf8();
    if (tampered)
        contents += " with a patch nobody signed";
    return QCryptographicHash::hash(contents, QCryptographicHash::Sha256);
}
} // namespace

QList<attestation::MeasuredComponent> simFirmware(bool tamperedBootLoader)
{
    QList<attestation::MeasuredComponent> components;
    for (const Image &image : kImages) {
        const bool tampered = tamperedBootLoader && qstrcmp(image.name, "bl2") == 0;
        components << attestation::MeasuredComponent{QLatin1String(image.name), QLatin1String(image.version), {1, digestOf(image, tampered)}};
    }
    return components;
}

QByteArray simFirmwareCorim()
{
    QCborArray measurements;
    for (const Image &image : kImages)
        measurements.append(QCborMap{{0, QLatin1String(image.name)},
                                     {1, QCborMap{{0, QCborMap{{0, QLatin1String(image.version)}}},
                                                  {2, cbor::arrayOf(QCborArray{1, digestOf(image, false)})},
                                                  {11, QLatin1String(image.name)}}}});
    const QCborMap environment{{0, QCborMap{{1, QStringLiteral("TEEP Console demo")}, {2, QLatin1String(kSimModel)}}}};
    const QCborMap comid{{1, QCborMap{{0, QStringLiteral("teep-console-sim-firmware")}, {1, 1}}},
                         {4, QCborMap{{0, cbor::arrayOf(QCborArray{environment, measurements})}}}};
    const QCborMap corim{{0, QStringLiteral("teep-console-sim-firmware-1")},
                         {1, QCborArray{QCborValue(QCborTag(506), QCborValue(comid).toCbor())}}};
    return QCborValue(QCborTag(501), corim).toCbor();
}

} // namespace teep::sim
