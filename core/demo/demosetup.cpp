#include "demo/demosetup.h"

#include "crypto/certbuilder.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "protocol/otrp/tapackage.h"
#include "sim/demomaterial.h"
#include "sim/simfirmware.h"
#include "sim/simsgx.h"
#include "store/auditlog.h"
#include "suit/suitenvelope.h"
#include "store/sql.h"
#include "store/trustanchors.h"
#include "tam/catalog.h"
#include "tam/corimreferences.h"
#include "tam/sgxcollateralstore.h"
#include "tam/teepsettings.h"
#include "tam/referencevalues.h"
#include "tam/tapublisher.h"
#include "tam/tarequests.h"
#include "tam/serviceproviders.h"
#include "tam/tamidentity.h"

#include <QCborArray>
#include <QDir>
#include <QSaveFile>

namespace teep::tam {

namespace {
struct DemoTa
{
    const char *spid;
    const char *taid;
    const char *name;
    qint64 version;
};
} // namespace

Result<QString> demoDirectory(QSqlDatabase db)
{
    auto marked = store::run(db, QStringLiteral("SELECT value FROM settings WHERE key = 'demo.directory'"));
    if (!marked)
        return marked.error();
    return marked.value().next() ? marked.value().value(0).toString() : QString();
}

Result<DemoSetup> initDemo(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, const QString &actor, const QString &outDir)
{
    const Result<QString> existing = demoDirectory(db);
    if (!existing)
        return existing.error();
    if (!existing.value().isEmpty())
        return Error{QStringLiteral("demo.exists"), QStringLiteral("this database already holds a demo (written to %1); use a fresh --database").arg(existing.value())};
    TamIdentities identities(db, keys, clock, actor);
    Result<TamIdentity> identity = identities.active();
    if (!identity) {
        GenerateOptions options;
        options.name = QStringLiteral("Demo TAM");
        options.organization = QStringLiteral("TEEP Console demo");
        options.demoUnprotected = true;
        identity = identities.generate(options);
        if (!identity)
            return identity.error();
    }
    if (identity.value().chain.isEmpty())
        return Error{QStringLiteral("demo.no-root"), QStringLiteral("the active TAM identity has no root CA to give devices")};

    const Result<sim::IssuedKey> teeCa = sim::makeDemoCa(QStringLiteral("Demo TEE Root CA"));
    const Result<sim::IssuedKey> tfwCa = sim::makeDemoCa(QStringLiteral("Demo Firmware Root CA"));
    const Result<sim::IssuedKey> spCa = sim::makeDemoCa(QStringLiteral("Demo SP Signer CA"));
    if (!teeCa || !tfwCa || !spCa)
        return Error{QStringLiteral("demo.ca"), QStringLiteral("the demo CAs could not be made")};
    store::TrustAnchors anchors(db, clock, actor);
    for (const auto &[store, ca] : {std::pair{crypto::TrustStore::TeeRoot, teeCa.value()}, std::pair{crypto::TrustStore::TfwRoot, tfwCa.value()},
                                    std::pair{crypto::TrustStore::SpSigner, spCa.value()}}) {
        if (const auto imported = anchors.importCertificates(store, ca.certificate.pem()); !imported)
            return imported.error();
    }

    DemoSetup setup{identity.value().tamId, outDir, {}, {}};
    ServiceProviders sps(db, clock, actor);
    Catalog catalog(db, clock, actor);
    QMap<QString, sim::IssuedKey> signers;
    for (const auto &[spid, name] : {std::pair{"acme", "ACME Payments"}, std::pair{"globex", "Globex Media"}}) {
        if (const auto added = sps.add(QLatin1String(spid), QLatin1String(name)); !added)
            return added.error();
        const Result<crypto::Key> key = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        if (!key)
            return key.error();
        crypto::CertificateSpec spec;
        spec.commonName = QStringLiteral("%1 TA signer").arg(QLatin1String(name));
        spec.organization = QLatin1String(name);
        spec.profile = crypto::CertificateProfile::SpSigning;
        const Result<crypto::Certificate> certificate = crypto::issueCertificate(spec, key.value(), spCa.value().key, spCa.value().certificate);
        if (!certificate)
            return certificate.error();
        if (const auto added = sps.addCertificate(QLatin1String(spid), certificate.value().pem()); !added)
            return added.error();
        signers.insert(QLatin1String(spid), {key.value(), certificate.value()});
        setup.serviceProviders << QLatin1String(spid);
    }
    // acme-notes and globex-player are assigned to no one: client apps ask for them (RequestTA).
    const DemoTa tas[] = {{"acme", "acme-wallet", "ACME Wallet", 1}, {"acme", "acme-wallet", "ACME Wallet", 2}, {"globex", "globex-drm", "Globex DRM", 1},
                          {"acme", "acme-notes", "ACME Secure Notes", 1}, {"globex", "globex-player", "Globex Player", 1}};
    QMap<QString, QByteArray> binaries;
    for (const DemoTa &ta : tas) {
        const QByteArray code = QStringLiteral("%1 version %2: demo TA code\n").arg(QLatin1String(ta.name)).arg(ta.version).toUtf8().repeated(64);
        const sim::IssuedKey &signer = signers[QLatin1String(ta.spid)];
        const Result<TaVersion> added = publishTa(catalog, QLatin1String(ta.spid), {QLatin1String(ta.taid), QLatin1String(ta.name), ta.version, code},
                                                  signer.key, signer.certificate);
        if (!added)
            return added.error();
        setup.tas << QStringLiteral("%1 v%2 (%3)").arg(QLatin1String(ta.taid)).arg(ta.version).arg(QLatin1String(ta.spid));
        binaries.insert(QStringLiteral("ta-%1-v%2.bin").arg(QLatin1String(ta.taid)).arg(ta.version), code);
    }
    // Requests from devices: ACME's are approved by policy, Globex's wait for the operator.
    TaRequests requests(db, clock, actor);
    for (const auto &[spid, decision] : {std::pair{"acme", RequestDecision::Approve}, std::pair{"globex", RequestDecision::Hold}}) {
        if (const Status set = requests.setPolicy({QLatin1String(spid), QString(), decision}); !set)
            return set.error();
    }
    for (const char *taid : {"acme-wallet", "globex-drm"}) {
        if (const auto assigned = catalog.assign(QLatin1String(taid), TargetKind::All, {}, std::nullopt, false); !assigned)
            return assigned.error();
    }
    // A simulated Intel SGX platform for agents in SGX enclaves (the classroom's SGX enclave agents,
    // teep-devsim --sgx): its root trusted as a TEE root, its collateral and its enclave's CoRIM
    // kept, its quotes' format appraised; the files too, so that a trainer can show their import.
    const Result<std::shared_ptr<const sim::SimSgxPlatform>> sgx = sim::SimSgxPlatform::create();
    if (!sgx)
        return sgx.error();
    if (const auto imported = anchors.importCertificates(crypto::TrustStore::TeeRoot, sgx.value()->root().pem()); !imported)
        return imported.error();
    const auto collateral = sgx.value()->collateral();
    if (!collateral)
        return collateral.error();
    if (const auto kept = SgxCollateralStore(db, clock, actor).importFiles(collateral.value()); !kept)
        return kept.error();
    for (const auto &[name, bytes] : collateral.value())
        binaries.insert(QStringLiteral("sgx-collateral/") + name, bytes);
    binaries.insert(QStringLiteral("sim-enclave.corim"), sim::SimSgxPlatform::enclaveCorim());
    if (const auto imported = CorimReferences(db, clock, actor).importFile(sim::SimSgxPlatform::enclaveCorim(), QStringLiteral("sim-enclave.corim")); !imported)
        return imported.error();
    TeepSettings settings(db, clock, actor);
    if (const Status formats = settings.setEvidenceFormats(TeepSettings::defaultEvidenceFormats() << QString::fromLatin1(attestation::sgx::kBundleFormat)); !formats)
        return formats.error();
    // TEEP agents are given the TAM's signing certificate too (it chains to tam-root.pem).
    const Status written =
        sim::writeDemoDirectory(outDir, {identity.value().chain.last(), teeCa.value(), tfwCa.value(), identity.value().certificate, {}, sgx.value()});
    if (!written)
        return written.error();
    // What the simulated TEEP agents' evidence claims (sim/teepagent.cpp), as the expected values.
    ReferenceValues references(db, clock, actor);
    for (const auto &[claim, expected] : {std::pair{"oemid", "894823"}, std::pair{"hwversion", "1.0"}}) {
        if (const Status set = references.set(QStringLiteral("teep-console-sim"), QLatin1String(claim), QLatin1String(expected)); !set)
            return set.error();
    }
    // The simulated TEEs' firmware reference values, as their vendor would publish them (CoRIM);
    // the file too, so that a trainer can show its import (teepctl attestation reference import).
    const QByteArray corim = sim::simFirmwareCorim();
    binaries.insert(QStringLiteral("sim-firmware.corim"), corim);
    if (const auto imported = CorimReferences(db, clock, actor).importFile(corim, QStringLiteral("sim-firmware.corim")); !imported)
        return imported.error();
    // The TA binaries, so that a simulated client app can bundle one (teep-devsim --bundle).
    if (!QDir(outDir).mkpath(QStringLiteral("sgx-collateral")))
        return Error{QStringLiteral("demo.write"), QStringLiteral("cannot create %1").arg(QDir(outDir).filePath(QStringLiteral("sgx-collateral")))};
    for (auto it = binaries.cbegin(); it != binaries.cend(); ++it) {
        QSaveFile file(QDir(outDir).filePath(it.key()));
        if (!file.open(QIODevice::WriteOnly) || file.write(it.value()) != it.value().size() || !file.commit())
            return Error{QStringLiteral("demo.write"), QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString())};
    }
    // The SPs' signer keys too, so that a trainer can sign a new TA version (teepctl ta sign).
    for (auto it = signers.cbegin(); it != signers.cend(); ++it) {
        const Result<crypto::Secret> der = crypto::plainPrivateKey(it.value().key);
        if (!der)
            return der.error();
        for (const auto &[name, bytes] : {std::pair{QStringLiteral("sp-%1.pem").arg(it.key()), it.value().certificate.pem()},
                                          std::pair{QStringLiteral("sp-%1.key.pem").arg(it.key()), crypto::pemEncode(der.value().bytes(), "PRIVATE KEY")}}) {
            QSaveFile file(QDir(outDir).filePath(name));
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
                return Error{QStringLiteral("demo.write"), QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString())};
        }
    }
    if (const auto marked = store::run(db, QStringLiteral("INSERT INTO settings (key, value) VALUES ('demo.directory', ?)"), {outDir}); !marked)
        return marked.error();
    return setup;
}

} // namespace teep::tam
