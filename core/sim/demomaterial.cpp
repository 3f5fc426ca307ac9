#include "sim/demomaterial.h"

#include "sim/simsgx.h"
#include "sim/teepagent.h"

#include "crypto/certbuilder.h"
#include "crypto/chainverifier.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace teep::sim {

namespace {
Status writeFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return Error{QStringLiteral("sim.write"), QStringLiteral("cannot write %1: %2").arg(path, file.errorString())};
    return {};
}

Result<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("sim.read"), QStringLiteral("cannot read %1: %2").arg(path, file.errorString())};
    return file.read(1024 * 1024);
}

Result<crypto::Certificate> readCertificate(const QString &path)
{
    const Result<QByteArray> bytes = readFile(path);
    if (!bytes)
        return bytes.error();
    const Result<QList<crypto::Certificate>> certificates = crypto::parseCertificates(bytes.value());
    if (!certificates)
        return Error{certificates.error().code, certificates.error().message, path};
    return certificates.value().first();
}

Result<crypto::Key> readKey(const QString &path)
{
    const Result<QByteArray> bytes = readFile(path);
    if (!bytes)
        return bytes.error();
    const Result<crypto::Key> key = crypto::readPrivateKeyPem(bytes.value(), {});
    if (!key)
        return Error{key.error().code, key.error().message, path};
    return key;
}

QByteArray keyPem(const crypto::Key &key)
{
    const Result<crypto::Secret> der = crypto::plainPrivateKey(key);
    return der ? crypto::pemEncode(der.value().bytes(), "PRIVATE KEY") : QByteArray();
}

Result<IssuedKey> issueUnder(const IssuedKey &ca, const QString &commonName, crypto::CertificateProfile profile)
{
    const Result<crypto::Key> key = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!key)
        return key.error();
    crypto::CertificateSpec spec;
    spec.commonName = commonName;
    spec.organization = QStringLiteral("TEEP Console demo devices");
    spec.profile = profile;
    const Result<crypto::Certificate> certificate = crypto::issueCertificate(spec, key.value(), ca.key, ca.certificate);
    if (!certificate)
        return certificate.error();
    return IssuedKey{key.value(), certificate.value()};
}
} // namespace

Result<IssuedKey> makeDemoCa(const QString &commonName)
{
    const Result<crypto::Key> key = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!key)
        return key.error();
    crypto::CertificateSpec spec;
    spec.commonName = commonName;
    spec.organization = QStringLiteral("TEEP Console demo");
    spec.profile = crypto::CertificateProfile::RootCa;
    spec.pathLength = 0;
    const Result<crypto::Certificate> certificate = crypto::issueCertificate(spec, key.value(), key.value());
    if (!certificate)
        return certificate.error();
    return IssuedKey{key.value(), certificate.value()};
}

Status writeDemoDirectory(const QString &dir, const DemoMaterial &material)
{
    if (!QDir().mkpath(dir))
        return Error{QStringLiteral("sim.write"), QStringLiteral("cannot create %1").arg(dir)};
    const QDir d(dir);
    QList<std::pair<QString, QByteArray>> files = {
        {QStringLiteral("tam-root.pem"), material.tamRoot.pem()},
        {QStringLiteral("tee-ca.pem"), material.teeCa.certificate.pem()},
        {QStringLiteral("tee-ca.key.pem"), keyPem(material.teeCa.key)},
        {QStringLiteral("tfw-ca.pem"), material.tfwCa.certificate.pem()},
        {QStringLiteral("tfw-ca.key.pem"), keyPem(material.tfwCa.key)},
        {QStringLiteral("README.txt"),
         "Demo material for simulated TEEP Console devices (teep-devsim --demo-dir).\n"
         "The CA keys here are NOT protected: use this directory for demonstrations and tests only.\n"},
    };
    if (!material.tamCertificate.isNull())
        files.append({QStringLiteral("tam.pem"), material.tamCertificate.pem()});
    if (material.sgx)
        files << material.sgx->files();
    for (const auto &[name, bytes] : files) {
        if (bytes.isEmpty())
            return Error{QStringLiteral("sim.write"), QStringLiteral("nothing to write for %1").arg(name)};
        if (const Status written = writeFile(d.filePath(name), bytes); !written)
            return written;
        if (name.endsWith(QLatin1String(".key.pem")))
            QFile::setPermissions(d.filePath(name), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    return {};
}

Result<DemoMaterial> readDemoDirectory(const QString &dir)
{
    const QDir d(dir);
    const auto tamRoot = readCertificate(d.filePath(QStringLiteral("tam-root.pem")));
    const auto teeCa = readCertificate(d.filePath(QStringLiteral("tee-ca.pem")));
    const auto teeKey = readKey(d.filePath(QStringLiteral("tee-ca.key.pem")));
    const auto tfwCa = readCertificate(d.filePath(QStringLiteral("tfw-ca.pem")));
    const auto tfwKey = readKey(d.filePath(QStringLiteral("tfw-ca.key.pem")));
    for (const Error *error : {tamRoot ? nullptr : &tamRoot.error(), teeCa ? nullptr : &teeCa.error(), teeKey ? nullptr : &teeKey.error(),
                               tfwCa ? nullptr : &tfwCa.error(), tfwKey ? nullptr : &tfwKey.error()}) {
        if (error)
            return Error{QStringLiteral("sim.demo-dir"), QStringLiteral("%1 is not a demo directory (teepctl demo init --out DIR): %2").arg(dir, error->message),
                         error->where};
    }
    DemoMaterial material{tamRoot.value(), {teeKey.value(), teeCa.value()}, {tfwKey.value(), tfwCa.value()}, {}, {}, {}};
    if (QFile::exists(d.filePath(QStringLiteral("tam.pem")))) {
        const auto tam = readCertificate(d.filePath(QStringLiteral("tam.pem")));
        if (!tam)
            return tam.error();
        material.tamCertificate = tam.value();
    }
    if (QFile::exists(d.filePath(QStringLiteral("sgx-root.pem")))) {
        const auto sgx = SimSgxPlatform::fromFiles([&d](const QString &name) -> Result<QByteArray> {
            QFile file(d.filePath(name));
            if (!file.open(QIODevice::ReadOnly))
                return Error{QStringLiteral("sim.demo-dir"), file.errorString(), d.filePath(name)};
            return file.read(1024 * 1024);
        });
        if (!sgx)
            return sgx.error();
        material.sgx = sgx.value();
    }
    for (const QString &name : d.entryList({QStringLiteral("sp-*.pem")}, QDir::Files, QDir::Name)) {
        if (name.endsWith(QLatin1String(".key.pem")))
            continue;
        const auto signer = readCertificate(d.filePath(name));
        if (!signer)
            return signer.error();
        material.spSigners << signer.value();
    }
    return material;
}

Result<TeepAgentIdentity> deviceTeepIdentity(const DemoMaterial &material, const QString &deviceName, const QString &stateDir, bool untrustedCa)
{
    if (material.tamCertificate.isNull())
        return Error{QStringLiteral("sim.demo-dir"), QStringLiteral("the demo directory has no tam.pem (made by an older teepctl demo init?)")};
    if (!crypto::ChainVerifier({material.tamRoot}, SystemClock::instance()).verify(material.tamCertificate).ok)
        return Error{QStringLiteral("sim.demo-dir"), QStringLiteral("tam.pem does not chain to tam-root.pem")};
    TeepAgentIdentity identity;
    identity.tamKey = material.tamCertificate.publicKey();
    for (const crypto::Certificate &signer : material.spSigners)
        identity.tcSigners << signer.publicKey();
    identity.ueid = QByteArray(1, '\x01') + crypto::sha256(deviceName.toUtf8()).left(16);
    const QString dir = stateDir.isEmpty() ? QString() : QDir(stateDir).filePath(deviceName + QStringLiteral("/teep"));
    const QString agentPath = dir + QStringLiteral("/agent.key.pem"), keyPath = dir + QStringLiteral("/attestation.key.pem"),
                  certPath = dir + QStringLiteral("/attestation.pem");
    if (!dir.isEmpty() && QFile::exists(agentPath) && QFile::exists(keyPath) && QFile::exists(certPath)) {
        const auto agent = readKey(agentPath);
        const auto key = readKey(keyPath);
        const auto certificate = readCertificate(certPath);
        if (!agent || !key || !certificate)
            return Error{QStringLiteral("sim.state"), QStringLiteral("the identity in %1 is damaged; remove the directory to start afresh").arg(dir)};
        identity.agentKey = agent.value();
        identity.attestationKey = key.value();
        identity.attestationChain = {certificate.value()};
        return identity;
    }
    IssuedKey teeCa = material.teeCa;
    if (untrustedCa) {
        const Result<IssuedKey> rogue = makeDemoCa(QStringLiteral("Rogue TEE CA"));
        if (!rogue)
            return rogue.error();
        teeCa = rogue.value();
    }
    const Result<crypto::Key> agent = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    const Result<IssuedKey> attestation = issueUnder(teeCa, deviceName, crypto::CertificateProfile::TeeAttestation);
    if (!agent || !attestation)
        return agent ? attestation.error() : agent.error();
    identity.agentKey = agent.value();
    identity.attestationKey = attestation.value().key;
    identity.attestationChain = {attestation.value().certificate};
    if (!dir.isEmpty() && !untrustedCa) {
        if (!QDir().mkpath(dir))
            return Error{QStringLiteral("sim.write"), QStringLiteral("cannot create %1").arg(dir)};
        // agent.pub.pem: what the operator registers (teepctl devices add/import) for a device
        // that is not learned through attestation.
        for (const auto &[path, bytes] : {std::pair{agentPath, keyPem(identity.agentKey)}, std::pair{keyPath, keyPem(identity.attestationKey)},
                                          std::pair{certPath, attestation.value().certificate.pem()},
                                          std::pair{dir + QStringLiteral("/agent.pub.pem"), identity.agentKey.publicKeyPem()}}) {
            if (const Status written = writeFile(path, bytes); !written)
                return written.error();
        }
    }
    return identity;
}

Result<OtrpTeeIdentity> deviceTeeIdentity(const DemoMaterial &material, const QString &deviceName, const QString &teeName, const QString &stateDir,
                                          bool untrustedCa)
{
    const QString dir = stateDir.isEmpty() ? QString() : QDir(stateDir).filePath(deviceName + QLatin1Char('/') + teeName);
    const QString keyPath = dir + QStringLiteral("/tee.key.pem"), certPath = dir + QStringLiteral("/tee.pem");
    const QString tfwKeyPath = dir + QStringLiteral("/tfw.key.pem"), tfwCertPath = dir + QStringLiteral("/tfw.pem");
    OtrpTeeIdentity identity;
    identity.name = teeName;
    identity.tamRoots = {material.tamRoot};
    if (!dir.isEmpty() && QFile::exists(keyPath) && QFile::exists(certPath)) {
        const auto key = readKey(keyPath);
        const auto certificate = readCertificate(certPath);
        const auto tfwKey = readKey(tfwKeyPath);
        const auto tfwCertificate = readCertificate(tfwCertPath);
        if (!key || !certificate || !tfwKey || !tfwCertificate)
            return Error{QStringLiteral("sim.state"), QStringLiteral("the identity in %1 is damaged; remove the directory to start afresh").arg(dir)};
        identity.teeKey = key.value();
        identity.teeChain = {certificate.value()};
        identity.tfwKey = tfwKey.value();
        identity.tfwCertificate = tfwCertificate.value();
        return identity;
    }
    IssuedKey teeCa = material.teeCa;
    if (untrustedCa) {
        const Result<IssuedKey> rogue = makeDemoCa(QStringLiteral("Rogue TEE CA"));
        if (!rogue)
            return rogue.error();
        teeCa = rogue.value();
    }
    // The TEE certificate names the device (the TAM names a device it learns after it).
    const Result<IssuedKey> tee = issueUnder(teeCa, deviceName, crypto::CertificateProfile::TeeAttestation);
    const Result<IssuedKey> tfw = issueUnder(material.tfwCa, QStringLiteral("%1 firmware").arg(deviceName), crypto::CertificateProfile::TeeAttestation);
    if (!tee || !tfw)
        return tee ? tfw.error() : tee.error();
    identity.teeKey = tee.value().key;
    identity.teeChain = {tee.value().certificate};
    identity.tfwKey = tfw.value().key;
    identity.tfwCertificate = tfw.value().certificate;
    if (!dir.isEmpty() && !untrustedCa) {
        if (!QDir().mkpath(dir))
            return Error{QStringLiteral("sim.write"), QStringLiteral("cannot create %1").arg(dir)};
        for (const auto &[path, bytes] : {std::pair{keyPath, keyPem(identity.teeKey)}, std::pair{certPath, identity.teeChain.first().pem()},
                                          std::pair{tfwKeyPath, keyPem(identity.tfwKey)}, std::pair{tfwCertPath, identity.tfwCertificate.pem()}}) {
            if (const Status written = writeFile(path, bytes); !written)
                return written.error();
        }
    }
    return identity;
}

} // namespace teep::sim
