#include "otrpworld.h"

#include "crypto/openssl.h"
#include "protocol/otrp/getdevicestate.h"

#include <nlohmann/json.hpp>

namespace teep::test {

using namespace teep::crypto;
using namespace teep::protocol::otrp;

OtrpWorld::OtrpWorld()
{
    tamRoot = makeRoot(QStringLiteral("TAM Root"));
    CertificateSpec spec;
    spec.commonName = QStringLiteral("TAM");
    spec.profile = CertificateProfile::TamSigning;
    spec.uris = {kTamId};
    const Key tamKey = Key::generate(KeyAlgorithm::P256).value();
    tam = {tamKey, issueCertificate(spec, tamKey, tamRoot.key, tamRoot.certificate).value()};
    teeRoot = makeRoot(QStringLiteral("TEE Root"));
    tee = issueUnder(teeRoot, QStringLiteral("TEE"), CertificateProfile::TeeAttestation);
    spCa = makeRoot(QStringLiteral("SP Signer CA"));
    sp = issueUnder(spCa, QStringLiteral("ACME signer"), CertificateProfile::SpSigning);
    device = std::make_unique<sim::OtrpTee>(sim::OtrpTeeIdentity{QStringLiteral("primary"),
                                                                 QStringLiteral("sim-1.0"),
                                                                 tee.key,
                                                                 {tee.certificate},
                                                                 {tamRoot.certificate},
                                                                 {},
                                                                 {}},
                                            SystemClock::instance());
    target.teeName = QStringLiteral("primary");
    target.tid = QStringLiteral("tid-1");
}

jose::JwsSigner OtrpWorld::tamSigner() const
{
    return {tam.key, QStringLiteral("ES256"), {tam.certificate, tamRoot.certificate}};
}

QString OtrpWorld::nextRid()
{
    return QStringLiteral("rid-%1").arg(++ridCounter);
}

void OtrpWorld::getDeviceState()
{
    const QString rid = nextRid();
    const QByteArray request = buildGetDeviceStateRequest(rid, target.tid, tamSigner()).value();
    const nlohmann::json answer = device->process(request);
    const QByteArray collected =
        QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateResponse", {answer}}}.dump());
    const auto state = processGetDeviceStateResponse(collected, rid, target.tid,
                                                     {tam.key, {teeRoot.certificate}, {}, {}},
                                                     SystemClock::instance());
    if (!state || state.value().tees.isEmpty())
        qFatal("GetDeviceState failed");
    target.teeCertificate = state.value().tees.first().dsi.teeCertificate;
    target.dsihash = state.value().tees.first().dsiHash;
}

Result<TeeCommandResult> OtrpWorld::run(const QString &command, const nlohmann::json &content,
                                        const std::optional<nlohmann::json> &encrypted)
{
    lastRid = nextRid();
    const Result<QByteArray> request =
        buildTeeCommand(command, lastRid, target, content, tamSigner(), true, encrypted);
    if (!request)
        return request.error();
    lastRequest = request.value();
    return answer(command, lastRequest);
}

Result<TeeCommandResult> OtrpWorld::answer(const QString &command, const QByteArray &request)
{
    const QByteArray response = QByteArray::fromStdString(device->process(request).dump());
    Result<TeeCommandResult> result =
        processTeeCommandResponse(command, response, lastRid, target, tam.key);
    if (result && !result.value().dsiHash.isEmpty())
        target.dsihash = result.value().dsiHash;
    return result;
}

QByteArray OtrpWorld::signedTa(const QString &taid, qint64 version, const QByteArray &binary,
                               const Issued *signer) const
{
    const Issued &by = signer ? *signer : sp;
    return protocol::otrp::signTa({taid, QStringLiteral("name of ") + taid, version, binary},
                                  {by.key, QStringLiteral("ES256"), {by.certificate}})
        .value();
}

nlohmann::json OtrpWorld::encryptedTa(TaOperation operation, const QByteArray &signedTaBytes,
                                      const QString &spid,
                                      const std::optional<QByteArray> &personalization) const
{
    const Key aik = Key::fromPublicKey(device->spAiks().value(spid).publicKeyDer()).value();
    return protocol::otrp::encryptTa(
               operation,
               signedTaBytes.isEmpty() ? std::nullopt : std::optional<QByteArray>(signedTaBytes),
               personalization, aik)
        .value();
}

QByteArray OtrpWorld::teeSnapshot() const
{
    QByteArray out;
    for (const SdEntry &sd : device->securityDomains()) {
        out += "sd " + sd.name.toUtf8() + ' ' + sd.spid.toUtf8() + ' ' + sd.tamid.toUtf8() + '\n';
        for (const TaEntry &ta : sd.tas)
            out += "  ta " + ta.taid.toUtf8() + ' ' + ta.taname.toUtf8() + '\n';
        for (const Certificate &certificate : sd.spcerts)
            out += "  cert " + sha256(certificate.der()).toHex() + '\n';
    }
    for (auto it = device->spAiks().cbegin(); it != device->spAiks().cend(); ++it)
        out += "aik " + it.key().toUtf8() + ' ' + sha256(it.value().publicKeyDer()).toHex() + '\n';
    for (const sim::StoredTa &ta : device->storedTas())
        out += "stored " + ta.taid.toUtf8() + ' ' + QByteArray::number(ta.version) + ' ' +
               sha256(ta.binary).toHex() + ' ' + sha256(ta.personalization).toHex() + ' ' +
               ta.spid.toUtf8() + '\n';
    out += "rids " + device->seenRids().join(QLatin1Char(',')).toUtf8() + '\n';
    return out;
}

} // namespace teep::test
