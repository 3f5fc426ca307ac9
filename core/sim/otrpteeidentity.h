#pragma once

#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QList>
#include <QString>

namespace teep::sim {

// Who a simulated OTrP TEE is (sim/otrptee.h): its keys and certificates, and the TAMs it trusts.
struct OtrpTeeIdentity
{
    QString name = QStringLiteral("primary");
    QString version = QStringLiteral("sim-1.0");
    crypto::Key teeKey;                  // signs responses, receives JWEs
    QList<crypto::Certificate> teeChain; // TEE certificate first, then its CAs (not the root)
    QList<crypto::Certificate> tamRoots; // the TAM root CAs this TEE trusts
    crypto::Key tfwKey;                  // optional trusted-firmware key
    crypto::Certificate tfwCertificate;
};

} // namespace teep::sim
