#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QSqlDatabase>
#include <QStringList>

namespace teep::store {
class KeyStore;
}

// `teepctl demo init` and the console's demo: everything a trainer needs to show the whole flow.
namespace teep::tam {

struct DemoSetup
{
    QString tamId;
    QString directory;
    QStringList serviceProviders;
    QStringList tas; // "taid vN (spid)"
};

// In `db`: a demo TAM identity (keys labelled demo-unprotected) unless one is active, demo TEE,
// firmware and SP signer CAs in the trust-anchor stores, two SPs with signer certificates, three
// signed TA versions and assignments of the latest to every device. In `outDir`: what simulated
// devices need (sim/demomaterial.h). Refused when the database already holds a demo.
Result<DemoSetup> initDemo(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, const QString &actor, const QString &outDir);
// Where initDemo wrote the demo material for this database; empty when it holds no demo.
Result<QString> demoDirectory(QSqlDatabase db);

} // namespace teep::tam
