// What appraisal against CoRIM reference values costs a session: importing a vendor's CoRIM of
// 1,000 device models with 10 components each (10,000 measurements), then appraising one device's
// claims as a session does (the database picks its model's rows) next to reading every reference
// value for each appraisal; and an SGX quote's appraisal (every signature of the chain of trust)
// with Intel's collateral read again from the database, as a session does, next to collateral
// read once. Prints figures and ratios; asserts nothing (see README).
#include "attestation/eatappraisal.h"
#include "store/database.h"
#include "tam/corimreferences.h"
#include "tam/referenceappraisal.h"
#include "tam/sgxcollateralstore.h"
#include "sim/simsgx.h"
#include "store/trustanchors.h"

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

    // SGX: a simulated platform's quote, its root trusted and its collateral kept.
    const auto platform = sim::SimSgxPlatform::create();
    const crypto::Key agent = crypto::Key::generate(crypto::KeyAlgorithm::P256).value();
    const QByteArray challenge(16, '\x5a');
    const QByteArray quote = platform.value()->bundle(agent, challenge).value();
    const bool ready = store::TrustAnchors(connection, SystemClock::instance(), QStringLiteral("bench")).importCertificates(crypto::TrustStore::TeeRoot, platform.value()->root().pem()) &&
                       tam::SgxCollateralStore(connection, SystemClock::instance(), QStringLiteral("bench")).importFiles(platform.value()->collateral().value());
    if (!ready) {
        std::fprintf(stderr, "SGX set-up failed\n");
        return 1;
    }
    bool verified = true;
    const double kept = perSecond(
        [&] {
            const attestation::Appraisal appraisal = tam::appraiseSgxEvidence(connection, SystemClock::instance(), quote, challenge, agent);
            verified = verified && appraisal.vector["hardware"].value == attestation::trust::Affirmed;
        },
        3000);
    const auto collateral = tam::SgxCollateralStore(connection, SystemClock::instance(), QString()).collateral();
    const double preread = perSecond(
        [&] {
            const attestation::Appraisal appraisal = tam::appraiseSgxEvidence(connection, SystemClock::instance(), quote, challenge, agent, collateral.value());
            verified = verified && appraisal.vector["hardware"].value == attestation::trust::Affirmed;
        },
        3000);
    std::printf("SGX quote appraisals (%lld-byte bundle: PCK chain, QE report, quote, binding, TCB): %.0f/s with the kept collateral verified again "
                "each time (as a session), %.0f/s with it read once; ratio %.2fx%s\n",
                qint64(quote.size()), kept, preread, preread / qMax(0.001, kept), verified ? "" : " (SOME DID NOT VERIFY)");
    return affirmed && verified ? 0 : 1;
}
