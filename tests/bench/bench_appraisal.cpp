// What appraisal against CoRIM reference values costs a session: importing a vendor's CoRIM of
// 1,000 device models with 10 components each (10,000 measurements), then appraising one device's
// claims as a session does (the database picks its model's rows) next to reading every reference
// value for each appraisal. Prints figures and ratios; asserts nothing (see README).
#include "attestation/eatappraisal.h"
#include "store/database.h"
#include "tam/corimreferences.h"
#include "tam/referenceappraisal.h"

#include "cbor/strictcbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>
#include <functional>

using namespace teep;

namespace {

constexpr int kModels = 1000;
constexpr int kComponents = 10;


QByteArray digestOf(int model, int component)
{
    return QCryptographicHash::hash(QStringLiteral("model %1 component %2").arg(model).arg(component).toUtf8(), QCryptographicHash::Sha256);
}

QByteArray vendorCorim()
{
    QCborArray triples;
    for (int model = 0; model < kModels; ++model) {
        QCborArray measurements;
        for (int component = 0; component < kComponents; ++component)
            measurements.append(QCborMap{{1, QCborMap{{2, cbor::arrayOf(QCborArray{1, digestOf(model, component)})},
                                                      {11, QStringLiteral("component-%1").arg(component)}}}});
        triples.append(QCborArray{QCborMap{{0, QCborMap{{1, QStringLiteral("ACME")}, {2, QStringLiteral("model-%1").arg(model)}}}}, measurements});
    }
    const QCborMap comid{{1, QCborMap{{0, QStringLiteral("acme-fleet")}}}, {4, QCborMap{{0, triples}}}};
    return QCborValue(QCborTag(501), QCborMap{{0, QStringLiteral("acme-fleet-corim")}, {1, cbor::arrayOf(QCborValue(QCborTag(506), comid))}}).toCbor();
}

QCborMap claimsOf(int model)
{
    QCborArray measurements;
    for (int component = 0; component < kComponents; ++component)
        measurements.append(attestation::measuredComponentEntry({QStringLiteral("component-%1").arg(component), QString(), {1, digestOf(model, component)}}));
    return QCborMap{{attestation::claim::Ueid, QByteArray::fromHex("01") + QByteArray(16, char(model))},
                    {attestation::claim::Hwmodel, QStringLiteral("model-%1").arg(model).toUtf8()},
                    {attestation::claim::Measurements, measurements}};
}

double perSecond(const std::function<void()> &operation, qint64 budgetMs)
{
    QElapsedTimer timer;
    qint64 runs = 0;
    timer.start();
    while (timer.elapsed() < budgetMs) {
        operation();
        ++runs;
    }
    return double(runs) * 1000.0 / double(timer.elapsed());
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    auto db = store::Database::open(dir.filePath(QStringLiteral("bench.db")));
    if (!db) {
        std::fprintf(stderr, "%s\n", qPrintable(db.error().toString()));
        return 1;
    }
    QSqlDatabase connection = db.value()->connection();
    const QByteArray corim = vendorCorim();
    QElapsedTimer timer;
    timer.start();
    const auto imported = tam::CorimReferences(connection, SystemClock::instance(), QStringLiteral("bench")).importFile(corim, QStringLiteral("acme.corim"));
    const qint64 importMs = timer.elapsed();
    if (!imported) {
        std::fprintf(stderr, "%s\n", qPrintable(imported.error().toString()));
        return 1;
    }
    std::printf("CoRIM of %d models x %d components: %lld bytes, imported (decoded, stored, audited) in %lld ms (%.0f measurements/s)\n", kModels,
                kComponents, qint64(corim.size()), importMs, double(imported.value().references) * 1000.0 / double(qMax<qint64>(1, importMs)));

    int model = 0;
    bool affirmed = true;
    const double filtered = perSecond(
        [&] {
            const attestation::Appraisal appraisal = tam::appraiseClaims(connection, SystemClock::instance(), claimsOf(model++ % kModels));
            affirmed = affirmed && appraisal.vector["executables"].value == attestation::trust::Affirmed;
        },
        3000);
    const double everything = perSecond(
        [&] {
            const auto all = tam::CorimReferences(connection, SystemClock::instance(), QString()).references();
            const QCborMap claims = claimsOf(model++ % kModels);
            const attestation::Appraisal appraisal = attestation::appraise(attestation::eatFacts(claims).value(), all.value(), {});
            affirmed = affirmed && appraisal.vector["executables"].value == attestation::trust::Affirmed;
        },
        3000);
    std::printf("appraisals of one device's %d components: %.0f/s with its model's rows (as a session), %.1f/s reading all %d reference values; ratio %.0fx%s\n",
                kComponents, filtered, everything, kModels * kComponents, filtered / qMax(0.001, everything), affirmed ? "" : " (SOME DID NOT AFFIRM)");
    return affirmed ? 0 : 1;
}
