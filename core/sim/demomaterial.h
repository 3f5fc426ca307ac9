#pragma once

#include <memory>

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "sim/otrpteeidentity.h"

// The demo directory `teepctl demo init --out DIR` writes and simulated devices read:
//   tam-root.pem              the TAM root CA devices embed
//   tee-ca.pem, tee-ca.key.pem the demo TEE CA that issues each simulated TEE's certificate
//   tfw-ca.pem, tfw-ca.key.pem the demo firmware CA for the TFW certificates
//   sp-SPID.pem, sp-SPID.key.pem each demo SP's TA signer, and tam.pem the TAM signing
//                              certificate TEEP agents verify messages with (tam/demosetup)
// The CA keys are unencrypted: this is demo material, and README.txt in the directory says so.
namespace teep::sim {

struct IssuedKey
{
    crypto::Key key;
    crypto::Certificate certificate;
};

class SimSgxPlatform;

struct DemoMaterial
{
    crypto::Certificate tamRoot;
    IssuedKey teeCa;
    IssuedKey tfwCa;
    crypto::Certificate tamCertificate;      // tam.pem (TEEP agents), when present
    QList<crypto::Certificate> spSigners;    // sp-*.pem (TEEP agents accept their manifests)
    std::shared_ptr<const SimSgxPlatform> sgx; // sgx-*.pem: the simulated SGX platform, when present
};

Status writeDemoDirectory(const QString &dir, const DemoMaterial &material);
Result<DemoMaterial> readDemoDirectory(const QString &dir);

// A fresh CA (self-signed, P-256).
Result<IssuedKey> makeDemoCa(const QString &commonName);

// One simulated TEE's identity. With a state directory, its key and certificates are kept in
// STATE/<device>/ and reused on later runs (the TAM then recognises the device); without one, or
// on first use, they are issued under the demo TEE and firmware CAs, or, with `untrustedCa`, under a
// CA no TAM trusts.
Result<OtrpTeeIdentity> deviceTeeIdentity(const DemoMaterial &material, const QString &deviceName, const QString &teeName,
                                          const QString &stateDir, bool untrustedCa);

struct TeepAgentIdentity;

// One simulated TEEP agent's identity: its agent key and the TEE's attestation key and
// certificate (under the demo TEE CA, or a CA no TAM trusts), kept in STATE/<device>/teep/ when a
// state directory is given; the TAM key (tam.pem, checked against tam-root.pem) and the SP signers
// from the demo directory.
Result<TeepAgentIdentity> deviceTeepIdentity(const DemoMaterial &material, const QString &deviceName, const QString &stateDir, bool untrustedCa);

} // namespace teep::sim
