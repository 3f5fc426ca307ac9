#include "sim/simsgx.h"

#include "attestation/sgxpck.h"
#include "cbor/strictcbor.h"
#include "crypto/certbuilder.h"
#include "crypto/cosekey.h"
#include "crypto/openssl.h"
#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "crypto/signature.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>

#include <nlohmann/json.hpp>

namespace teep::sim {

namespace {

using attestation::sgx::PckExtensions;

constexpr std::array<int, 16> kTcbComponents{15, 15, 2, 4, 1, 128, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr int kPceSvn = 13;
constexpr quint16 kQeSvn = 8;
const QByteArray kFmspc = QByteArray::fromHex("00906ed50000");

QByteArray qeMrSigner()
{
    return crypto::sha256("teep-console simulated quoting enclave signer");
}

QString stamp(qint64 days)
{
    return QDateTime::currentDateTimeUtc().addDays(days).toString(Qt::ISODate);
}

Result<QByteArray> point(const crypto::Key &key)
{
    const Result<QCborMap> cose = crypto::toCoseKey(key);
    if (!cose)
        return cose.error();
    const QByteArray x = cose.value().value(-2).toByteArray();
    const QByteArray y = cose.value().value(-3).toByteArray();
    if (x.size() != 32 || y.size() != 32)
        return Error{QStringLiteral("sim.sgx"), QStringLiteral("an SGX quote binds a P-256 key")};
    return x + y;
}

// `{"member":{...},"signature":"hex"}` with the signature over the member's exact text, as Intel writes it.
Result<QByteArray> signedJson(const char *member, const nlohmann::ordered_json &body, const crypto::Key &key)
{
    const QByteArray text = QByteArray::fromStdString(body.dump());
    const Result<QByteArray> signature = crypto::signRaw(key, crypto::SignatureScheme::EcdsaP256Sha256, text);
    if (!signature)
        return signature.error();
    return QByteArray("{\"") + member + "\":" + text + ",\"signature\":\"" + signature.value().toHex() + "\"}";
}

QByteArray keyPem(const crypto::Key &key)
{
    const Result<crypto::Secret> der = crypto::plainPrivateKey(key);
    return der ? crypto::pemEncode(der.value().bytes(), "PRIVATE KEY") : QByteArray();
}

constexpr const char *kParts[] = {"root", "pck-ca", "pck", "tcb-signing"};

} // namespace

QList<std::pair<QString, QByteArray>> SimSgxPlatform::files() const
{
    const std::pair<const crypto::Certificate *, const crypto::Key *> parts[] = {{&m_root, &m_rootKey}, {&m_ca, &m_caKey}, {&m_pck, &m_pckKey}, {&m_signing, &m_signingKey}};
    QList<std::pair<QString, QByteArray>> out;
    for (std::size_t i = 0; i < std::size(parts); ++i) {
        out.append({QStringLiteral("sgx-%1.pem").arg(QLatin1String(kParts[i])), parts[i].first->pem()});
        out.append({QStringLiteral("sgx-%1.key.pem").arg(QLatin1String(kParts[i])), keyPem(*parts[i].second)});
    }
    return out;
}

Result<std::shared_ptr<const SimSgxPlatform>> SimSgxPlatform::fromFiles(const std::function<Result<QByteArray>(const QString &)> &read)
{
    std::shared_ptr<SimSgxPlatform> platform(new SimSgxPlatform);
    const std::pair<crypto::Certificate *, crypto::Key *> parts[] = {
        {&platform->m_root, &platform->m_rootKey}, {&platform->m_ca, &platform->m_caKey}, {&platform->m_pck, &platform->m_pckKey}, {&platform->m_signing, &platform->m_signingKey}};
    for (std::size_t i = 0; i < std::size(parts); ++i) {
        const QString name = QStringLiteral("sgx-%1").arg(QLatin1String(kParts[i]));
        const Result<QByteArray> certificatePem = read(name + QStringLiteral(".pem"));
        const Result<QByteArray> keyPemBytes = read(name + QStringLiteral(".key.pem"));
        if (!certificatePem || !keyPemBytes)
            return certificatePem ? keyPemBytes.error() : certificatePem.error();
        const Result<QList<crypto::Certificate>> certificates = crypto::parseCertificates(certificatePem.value());
        Result<crypto::Key> key = crypto::readPrivateKeyPem(keyPemBytes.value(), {});
        if (!certificates || certificates.value().size() != 1 || !key || !certificates.value().first().publicKey().samePublicKey(key.value()))
            return Error{QStringLiteral("sim.sgx"), QStringLiteral("%1.pem and %1.key.pem are not a certificate and its key").arg(name)};
        *parts[i].first = certificates.value().first();
        *parts[i].second = key.value();
    }
    if (!attestation::sgx::pckExtensions(platform->m_pck))
        return Error{QStringLiteral("sim.sgx"), QStringLiteral("sgx-pck.pem carries no SGX Extensions")};
    return std::shared_ptr<const SimSgxPlatform>(platform);
}

QByteArray SimSgxPlatform::mrEnclave()
{
    return crypto::sha256("teep-console simulated TEEP Agent enclave");
}

QByteArray SimSgxPlatform::mrSigner()
{
    return crypto::sha256("teep-console simulated enclave signer");
}

QByteArray SimSgxPlatform::enclaveCorim()
{
    const QCborMap environment{{0, QCborMap{{1, QStringLiteral("TEEP Console simulated")}, {2, QString::fromLatin1(mrSigner().toHex())}}}};
    QCborArray measurements;
    measurements.append(QCborMap{{0, QStringLiteral("MRENCLAVE")},
                                 {1, QCborMap{{1, QCborValue(QCborTag(553), kIsvSvn)}, {2, cbor::arrayOf(QCborArray{1, mrEnclave()})}, {11, QStringLiteral("MRENCLAVE")}}}});
    measurements.append(QCborMap{{0, QStringLiteral("MRSIGNER")}, {1, QCborMap{{2, cbor::arrayOf(QCborArray{1, mrSigner()})}, {11, QStringLiteral("MRSIGNER")}}}});
    const QCborMap comid{{1, QCborMap{{0, QStringLiteral("teep-console-sim-enclave")}}}, {4, QCborMap{{0, cbor::arrayOf(QCborArray{environment, measurements})}}}};
    return QCborValue(QCborTag(501), QCborMap{{0, QStringLiteral("teep-console-sim-enclave")}, {1, cbor::arrayOf(QCborValue(QCborTag(506), comid))}}).toCbor();
}

QByteArray SimSgxPlatform::ppid() const
{
    const Result<PckExtensions> extensions = attestation::sgx::pckExtensions(m_pck);
    return extensions ? extensions.value().ppid : QByteArray();
}

Result<std::shared_ptr<const SimSgxPlatform>> SimSgxPlatform::create()
{
    std::shared_ptr<SimSgxPlatform> platform(new SimSgxPlatform);
    for (crypto::Key *key : {&platform->m_rootKey, &platform->m_caKey, &platform->m_pckKey, &platform->m_signingKey}) {
        Result<crypto::Key> generated = crypto::Key::generate(crypto::KeyAlgorithm::P256);
        if (!generated)
            return generated.error();
        *key = generated.value();
    }
    const auto spec = [](const QString &name, crypto::CertificateProfile profile) {
        crypto::CertificateSpec s;
        s.commonName = name;
        s.organization = QStringLiteral("TEEP Console simulated SGX");
        s.country = QStringLiteral("US");
        s.profile = profile;
        return s;
    };
    crypto::CertificateSpec rootSpec = spec(QStringLiteral("Simulated Intel SGX Root CA"), crypto::CertificateProfile::RootCa);
    rootSpec.pathLength = 1;
    Result<crypto::Certificate> root = crypto::issueCertificate(rootSpec, platform->m_rootKey, platform->m_rootKey);
    if (!root)
        return root.error();
    crypto::CertificateSpec caSpec = spec(QStringLiteral("Simulated Intel SGX PCK Processor CA"), crypto::CertificateProfile::IntermediateCa);
    caSpec.pathLength = 0;
    Result<crypto::Certificate> ca = crypto::issueCertificate(caSpec, platform->m_caKey, platform->m_rootKey, root.value());
    if (!ca)
        return ca.error();
    PckExtensions extensions;
    extensions.ppid = crypto::sha256(platform->m_pckKey.publicKeyDer()).left(16);
    extensions.tcbComponents = kTcbComponents;
    extensions.pceSvn = kPceSvn;
    for (int component : kTcbComponents)
        extensions.cpuSvn.append(char(component));
    extensions.pceId = QByteArray(2, '\0');
    extensions.fmspc = kFmspc;
    crypto::CertificateSpec pckSpec = spec(QStringLiteral("Simulated Intel SGX PCK Certificate"), crypto::CertificateProfile::TeeAttestation);
    pckSpec.rawExtensions = {{QString::fromLatin1(attestation::sgx::kSgxExtensionsOid), attestation::sgx::encodePckExtensions(extensions)}};
    Result<crypto::Certificate> pck = crypto::issueCertificate(pckSpec, platform->m_pckKey, platform->m_caKey, ca.value());
    if (!pck)
        return pck.error();
    Result<crypto::Certificate> signing =
        crypto::issueCertificate(spec(QStringLiteral("Simulated Intel SGX TCB Signing"), crypto::CertificateProfile::TeeAttestation), platform->m_signingKey,
                                 platform->m_rootKey, root.value());
    if (!signing)
        return signing.error();
    platform->m_root = root.value();
    platform->m_ca = ca.value();
    platform->m_pck = pck.value();
    platform->m_signing = signing.value();
    return std::shared_ptr<const SimSgxPlatform>(platform);
}

Result<QByteArray> SimSgxPlatform::bundle(const crypto::Key &agentKey, const QByteArray &challenge) const
{
    const Result<QByteArray> agentPoint = point(agentKey);
    if (!agentPoint)
        return agentPoint.error();
    const Result<crypto::Key> attestationKey = crypto::Key::generate(crypto::KeyAlgorithm::P256);
    if (!attestationKey)
        return attestationKey.error();
    const Result<QByteArray> attestationPoint = point(attestationKey.value());
    if (!attestationPoint)
        return attestationPoint.error();
    const QByteArray raw = agentPoint.value() + challenge;

    attestation::sgx::Quote quote;
    quote.version = 3;
    quote.attestationKeyType = 2;
    quote.qeSvn = kQeSvn;
    quote.pceSvn = kPceSvn;
    quote.qeVendorId = QByteArray::fromHex("939a7233f79c4ca9940a0db3957f0607");
    quote.userData = ppid();
    quote.enclave.mrEnclave = mrEnclave();
    quote.enclave.mrSigner = mrSigner();
    quote.enclave.isvProdId = 1;
    quote.enclave.isvSvn = kIsvSvn;
    quote.enclave.attributes = QByteArray::fromHex("0500000000000000e700000000000000"); // INIT, MODE64BIT: not DEBUG
    quote.enclave.reportData = crypto::sha384(raw) + QByteArray(16, '\0');
    const Result<QByteArray> signature =
        crypto::signRaw(attestationKey.value(), crypto::SignatureScheme::EcdsaP256Sha256, attestation::sgx::encodeQuoteHeaderAndBody(quote));
    if (!signature)
        return signature.error();
    quote.signature = signature.value();
    quote.attestationKey = attestationPoint.value();
    quote.qeAuthenticationData = QByteArray::fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    quote.qeReport.mrEnclave = crypto::sha256("teep-console simulated quoting enclave");
    quote.qeReport.mrSigner = qeMrSigner();
    quote.qeReport.isvProdId = 1;
    quote.qeReport.isvSvn = kQeSvn;
    quote.qeReport.attributes = QByteArray::fromHex("11000000000000000000000000000000");
    quote.qeReport.reportData = crypto::sha256(quote.attestationKey + quote.qeAuthenticationData) + QByteArray(32, '\0');
    const Result<QByteArray> qeSignature =
        crypto::signRaw(m_pckKey, crypto::SignatureScheme::EcdsaP256Sha256, attestation::sgx::encodeReportBody(quote.qeReport));
    if (!qeSignature)
        return qeSignature.error();
    quote.qeReportSignature = qeSignature.value();
    quote.certificationDataType = attestation::sgx::kPckChainCertificationType;
    quote.certificationData = m_pck.pem() + m_ca.pem() + m_root.pem();
    return attestation::sgx::encodeBundle({attestation::sgx::encodeQuote(quote), raw});
}

Result<QList<std::pair<QString, QByteArray>>> SimSgxPlatform::collateral(const QString &tcbStatus) const
{
    nlohmann::ordered_json components = nlohmann::ordered_json::array();
    for (int component : kTcbComponents)
        components.push_back({{"svn", component}});
    const nlohmann::ordered_json tcbInfo = {
        {"id", "SGX"}, {"version", 3}, {"issueDate", stamp(-1).toStdString()}, {"nextUpdate", stamp(365).toStdString()},
        {"fmspc", kFmspc.toHex().toStdString()}, {"pceId", "0000"}, {"tcbType", 0}, {"tcbEvaluationDataNumber", 16},
        {"tcbLevels", nlohmann::ordered_json::array({{{"tcb", {{"sgxtcbcomponents", components}, {"pcesvn", kPceSvn}}},
                                                      {"tcbDate", "2024-03-13T00:00:00Z"},
                                                      {"tcbStatus", tcbStatus.toStdString()}}})}};
    const nlohmann::ordered_json qeIdentity = {
        {"id", "QE"}, {"version", 2}, {"issueDate", stamp(-1).toStdString()}, {"nextUpdate", stamp(365).toStdString()}, {"tcbEvaluationDataNumber", 16},
        {"miscselect", "00000000"}, {"miscselectMask", "FFFFFFFF"}, {"attributes", "11000000000000000000000000000000"},
        {"attributesMask", "FBFFFFFFFFFFFFFF0000000000000000"}, {"mrsigner", qeMrSigner().toHex().toUpper().toStdString()}, {"isvprodid", 1},
        {"tcbLevels", nlohmann::ordered_json::array({{{"tcb", {{"isvsvn", kQeSvn}}}, {"tcbDate", "2024-03-13T00:00:00Z"}, {"tcbStatus", "UpToDate"}}})}};
    const Result<QByteArray> tcb = signedJson("tcbInfo", tcbInfo, m_signingKey);
    const Result<QByteArray> qe = signedJson("enclaveIdentity", qeIdentity, m_signingKey);
    if (!tcb || !qe)
        return tcb ? qe.error() : tcb.error();
    return QList<std::pair<QString, QByteArray>>{{QStringLiteral("tcb-signing-chain.pem"), m_signing.pem() + m_root.pem()},
                                                 {QStringLiteral("tcb-info.json"), tcb.value()},
                                                 {QStringLiteral("qe-identity.json"), qe.value()}};
}

} // namespace teep::sim
