#include "sim/otrptee.h"

#include "crypto/chainverifier.h"
#include "crypto/jwe.h"
#include "crypto/signature.h"
#include "protocol/otrp/otrpframing.h"
#include "tam/tamidentity.h"

#include <openssl/x509v3.h>

namespace teep::sim {

using namespace teep::protocol::otrp;

namespace {
constexpr qsizetype kRidMemory = 1024;

QString signingAlgFor(const crypto::Key &key)
{
    return EVP_PKEY_is_a(key.get(), "RSA") ? QStringLiteral("RS256") : QStringLiteral("ES256");
}

QString keyManagementFor(const crypto::Key &key)
{
    return EVP_PKEY_is_a(key.get(), "RSA") ? QStringLiteral("RSA-OAEP-256") : QStringLiteral("ECDH-ES+A128KW");
}
} // namespace

OtrpTee::OtrpTee(OtrpTeeIdentity identity, const Clock &clock) : m_identity(std::move(identity)), m_clock(clock) {}

nlohmann::json OtrpTee::failure(const nlohmann::json &tbs, const QString &errorCode) const
{
    nlohmann::json answer{{"ver", kVersion}, {"status", "fail"}, {"reason", {{"error-code", errorCode.toStdString()}}},
                          {"supportedsigalgs", {signingAlgFor(m_identity.teeKey).toStdString()}}};
    if (tbs.is_object()) {
        for (const char *id : {"rid", "tid"}) {
            if (tbs.contains(id) && tbs[id].is_string())
                answer[id] = tbs[id];
        }
    }
    return {{"GetDeviceTEEStateTBSResponse", answer}};
}

Status OtrpTee::remember(const QString &rid)
{
    if (rid.isEmpty() || rid.size() > 128)
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("rid must be 1 to 128 characters")};
    if (m_seenRids.contains(rid))
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("rid %1 was already used (replay)").arg(rid)};
    m_seenRids << rid;
    if (m_seenRids.size() > kRidMemory)
        m_seenRids.removeFirst();
    return {};
}

nlohmann::json OtrpTee::getDeviceState(const QByteArray &request)
{
    const Result<Unwrapped> unwrapped = unwrap(request);
    if (!unwrapped)
        return failure({}, errorCodeFor(unwrapped.error()));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (unwrapped.value().command != QLatin1String("GetDeviceState") || unwrapped.value().direction != Direction::Request)
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    // The TAM's chain (x5c) must lead to a TAM root CA this TEE embeds, and sign the request.
    const auto &signature = unwrapped.value().jws.signatures.first();
    if (signature.x5c.isEmpty())
        return failure(tbs, QStringLiteral("ERR_TAM_NOT_TRUSTED"));
    crypto::ChainVerifier verifier(m_identity.tamRoots, m_clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    if (!verifier.verify(signature.x5c.first(), signature.x5c.mid(1)).ok)
        return failure(tbs, QStringLiteral("ERR_TAM_NOT_TRUSTED"));
    const crypto::Certificate tamCertificate = signature.x5c.first();
    if (!crypto::jose::verify(unwrapped.value().jws, tamCertificate.publicKey()))
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const auto rid = tbs.find("rid");
    const auto tid = tbs.find("tid");
    if (rid == tbs.end() || tid == tbs.end() || !rid->is_string() || !tid->is_string() || !tbs.contains("ocspdat"))
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    if (!remember(QString::fromStdString(rid->get<std::string>())))
        return failure(tbs, QStringLiteral("ERR_REQUEST_INVALID"));
    const QString myAlg = signingAlgFor(m_identity.teeKey);
    if (const auto algs = tbs.find("supportedsigalgs"); algs != tbs.end()) {
        if (!algs->is_array() || std::find(algs->begin(), algs->end(), myAlg.toStdString()) == algs->end())
            return failure(tbs, QStringLiteral("ERR_UNSUPPORTED_CRYPTO_ALG"));
    }

    // Only the SDs this TAM owns are reported (5.3-5.4).
    const QString tamId = tam::tamIdFromCertificate(tamCertificate);
    DeviceStateInfo dsi;
    dsi.teeName = m_identity.name;
    dsi.teeVersion = m_identity.version;
    dsi.teeCertificate = m_identity.teeChain.value(0);
    dsi.teeCaChain = m_identity.teeChain.mid(1);
    for (const SdEntry &sd : m_sds) {
        if (sd.tamid != tamId)
            continue; // another TAM's domain: not this TAM's business
        dsi.sds << sd;
        if (m_aiks.contains(sd.spid) && std::none_of(dsi.aiks.cbegin(), dsi.aiks.cend(), [&](const SpAik &a) { return a.spid == sd.spid; }))
            dsi.aiks << SpAik{sd.spid, m_aiks.value(sd.spid)};
    }
    if (!m_identity.tfwKey.isNull()) {
        const QByteArray tbsBytes = QString::fromStdString(tid->get<std::string>()).toUtf8();
        const QString alg = signingAlgFor(m_identity.tfwKey);
        const Result<QByteArray> sig = crypto::signRaw(m_identity.tfwKey, alg == QLatin1String("RS256") ? crypto::SignatureScheme::RsaPkcs1Sha256
                                                                                                       : crypto::SignatureScheme::EcdsaP256Sha256,
                                                       tbsBytes);
        if (!sig)
            return failure(tbs, QStringLiteral("ERR_TEE_FAIL"));
        dsi.tfw = TfwData{tbsBytes, m_identity.tfwCertificate, alg, sig.value()};
    }
    const Result<nlohmann::json> edsi = crypto::jose::encrypt(QByteArray::fromStdString(toJson(dsi).dump()),
                                                              {{tamCertificate.publicKey(), keyManagementFor(tamCertificate.publicKey())}});
    if (!edsi)
        return failure(tbs, QStringLiteral("ERR_TEE_FAIL"));
    const nlohmann::json response{{"ver", kVersion}, {"status", "pass"}, {"rid", *rid}, {"tid", *tid}, {"signerreq", false},
                                  {"edsi", edsi.value()}};
    // No x5c: the TEE certificate travels inside the encrypted DSI.
    const Result<nlohmann::json> signedResponse =
        sign(QStringLiteral("GetDeviceTEEState"), Direction::Response, response, {m_identity.teeKey, myAlg, {}});
    if (!signedResponse)
        return failure(tbs, QStringLiteral("ERR_TEE_FAIL"));
    return signedResponse.value();
}

} // namespace teep::sim
