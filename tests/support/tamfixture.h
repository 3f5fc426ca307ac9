#pragma once

#include "sim/devicerunner.h"
#include "store/database.h"
#include "store/keystore.h"
#include "tam/tamcredentials.h"
#include "tam/tamservice.h"
#include "tempdir.h"
#include "transport/tamserver.h"

#include <QNetworkAccessManager>
#include <QVariant>

#include <memory>
#include <optional>

namespace teep::test {

// A TAM on 127.0.0.1 (engines + HTTP server) over a fresh SQLite file holding the demo (TAM
// identity, CAs, SPs, signed TAs, assignments), and a way to run simulated devices against it.
struct TamFixture
{
    // Fails with a message (never qFatal) so a test can QVERIFY it.
    Status setUp(int idleSeconds = 2, const transport::ServerOptions &options = transport::ServerOptions());
    QList<QSslCertificate> tlsRoots; // given to the devices it runs (HTTPS)
    bool sqliteFile = false;          // an SQLite file even in the PostgreSQL run (a copy's source)

    QList<sim::DeviceOutcome> runDevices(const QStringList &names, sim::SimProfile profile, const sim::SimFaults &faults = {},
                                         const QStringList &tees = {QStringLiteral("primary")}, const sim::AppChanges &apps = {});
    QVariant scalar(const QString &sql, const QVariantList &values = {}) const;
    // The TAM started again with the database's active identity (after a rollover), or with
    // `credentials` when given.
    Status restartTam(const std::optional<tam::TamCredentials> &credentials = std::nullopt);
    // A new version of a demo TA, signed by the demo SP, in the catalog with its SUIT manifest.
    Status addVersion(const QString &spid, const QString &taid, qint64 version);

    std::unique_ptr<TempDir> dir;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<store::KeyStore> keys;
    std::unique_ptr<tam::TamService> service;
    std::unique_ptr<transport::TamServer> server;
    QNetworkAccessManager network;
    sim::DemoMaterial material;
    QString uri;
};

} // namespace teep::test
