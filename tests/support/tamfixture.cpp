#include "tamfixture.h"

#include "crypto/cosesign.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "protocol/otrp/tapackage.h"
#include "store/sql.h"
#include "suit/suitenvelope.h"
#include "tam/catalog.h"
#include "demo/demosetup.h"

#include <QCborArray>
#include <QDeadlineTimer>
#include <QTest>

namespace teep::test {

Status TamFixture::setUp(int idleSeconds, const transport::ServerOptions &options)
{
    dir = std::make_unique<TempDir>();
    auto opened = store::Database::open(sqliteFile ? dir->path(QStringLiteral("tam.db")) : dir->database(QStringLiteral("tam.db")));
    if (!opened)
        return opened.error();
    db = std::move(opened.value());
    keys = std::make_unique<store::KeyStore>(db->connection());
    const auto demo = tam::initDemo(db->connection(), *keys, SystemClock::instance(), QStringLiteral("test"), dir->path(QStringLiteral("demo")));
    if (!demo)
        return demo.error();
    const auto credentials = tam::loadActiveTam(db->connection(), *keys);
    if (!credentials)
        return credentials.error();
    service = std::make_unique<tam::TamService>(db->connection(), credentials.value(), SystemClock::instance(), tam::EngineLimits{100, idleSeconds});
    server = std::make_unique<transport::TamServer>(*service, options);
    const auto started = server->start();
    if (!started)
        return started.error();
    uri = started.value();
    const auto read = sim::readDemoDirectory(dir->path(QStringLiteral("demo")));
    if (!read)
        return read.error();
    material = read.value();
    return {};
}

Status TamFixture::restartTam(const std::optional<tam::TamCredentials> &credentials)
{
    server.reset();
    service.reset();
    const auto loaded = credentials ? Result<tam::TamCredentials>(*credentials) : tam::loadActiveTam(db->connection(), *keys);
    if (!loaded)
        return loaded.error();
    service = std::make_unique<tam::TamService>(db->connection(), loaded.value(), SystemClock::instance(), tam::EngineLimits{100, 30});
    server = std::make_unique<transport::TamServer>(*service, transport::ServerOptions());
    const auto started = server->start();
    if (!started)
        return started.error();
    uri = started.value();
    return {};
}

QList<sim::DeviceOutcome> TamFixture::runDevices(const QStringList &names, sim::SimProfile profile, const sim::SimFaults &faults, const QStringList &tees,
                                                 const sim::AppChanges &apps)
{
    std::vector<std::unique_ptr<sim::SimDevice>> devices;
    QList<sim::DeviceOutcome> outcomes;
    for (const QString &name : names) {
        auto device = sim::SimDevice::create(name, material, tees, QUrl(uri), faults, network, dir->path(QStringLiteral("state")), SystemClock::instance(),
                                             profile);
        if (!device)
            qFatal("%s", qPrintable(device.error().toString()));
        device.value()->setTlsRoots(tlsRoots);
        if (const Status changed = device.value()->changeApps(apps); !changed)
            qFatal("%s", qPrintable(changed.error().toString()));
        QObject::connect(device.value().get(), &sim::SimDevice::finished, [&outcomes](const sim::DeviceOutcome &outcome) { outcomes << outcome; });
        devices.push_back(std::move(device.value()));
    }
    for (auto &device : devices)
        device->start();
    QDeadlineTimer deadline(60000);
    while (outcomes.size() < names.size() && !deadline.hasExpired())
        QTest::qWait(10);
    if (outcomes.size() < names.size())
        qFatal("the simulated devices did not finish within 60 s");
    std::sort(outcomes.begin(), outcomes.end(), [](const auto &a, const auto &b) { return a.device < b.device; });
    return outcomes;
}

QVariant TamFixture::scalar(const QString &sql, const QVariantList &values) const
{
    auto query = store::run(db->connection(), sql, values);
    if (!query || !query.value().next())
        return QVariant();
    return query.value().value(0);
}

Status TamFixture::addVersion(const QString &spid, const QString &taid, qint64 version)
{
    const auto key = crypto::readPrivateKeyPem(readAll(dir->path(QStringLiteral("demo/sp-%1.key.pem").arg(spid))), {});
    const auto certificate = crypto::parseCertificates(readAll(dir->path(QStringLiteral("demo/sp-%1.pem").arg(spid))));
    if (!key || !certificate)
        return Error{QStringLiteral("test.demo"), QStringLiteral("demo SP material missing")};
    const QByteArray code = QByteArray("code of version ") + QByteArray::number(version);
    const auto signedTa = protocol::otrp::signTa({taid, taid, version, code}, {key.value(), QStringLiteral("ES256"), {certificate.value().first()}});
    if (!signedTa)
        return signedTa.error();
    tam::Catalog catalog(db->connection(), SystemClock::instance(), QStringLiteral("test"));
    if (const auto added = catalog.addSignedTa(spid, signedTa.value()); !added)
        return added.error();
    suit::TaManifestSpec manifest;
    manifest.componentId = QCborArray{QCborValue(taid.toUtf8())};
    manifest.sequenceNumber = quint64(version);
    manifest.vendorId = crypto::sha256(spid.toUtf8()).left(16);
    manifest.classId = crypto::sha256(taid.toUtf8()).left(16);
    manifest.payload = code;
    const auto envelope = suit::buildEnvelope(manifest, {key.value(), crypto::cose::kESP256});
    if (!envelope)
        return envelope.error();
    return catalog.attachManifest(taid, version, envelope.value());
}

} // namespace teep::test
