#include "protocol/otrp/getdevicestate.h"
#include "common/json.h"

#include "crypto/chainverifier.h"
#include "crypto/signature.h"
#include "protocol/otrp/otrpframing.h"

#include <openssl/x509v3.h>

namespace teep::protocol::otrp {

namespace {
constexpr std::size_t kMaxTees = 16;

// One TEE's answer; failures are returned as TeeFailure, not as Error.
std::variant<TeeReport, TeeFailure> processTee(const nlohmann::json &entry, const QString &rid, const QString &tid,
                                               const TamTrust &trust, const Clock &clock)
{
    auto failure = [](const QString &code, const QString &message) { return TeeFailure{code, message}; };
    if (entry.is_object() && entry.contains("GetDeviceTEEStateTBSResponse")) {
        return failure(reasonCode(entry["GetDeviceTEEStateTBSResponse"]), QStringLiteral("the TEE answered with an error"));
    }
    if (entry.is_object() && entry.contains("OTrPBrokerError")) {
        const auto err = entry["OTrPBrokerError"].is_object() ? entry["OTrPBrokerError"].value("errcode", nlohmann::json()) : nlohmann::json();
        return failure(err.is_string() ? QString::fromStdString(err.get<std::string>()).left(40) : QStringLiteral("ERR_AGENT_TEE_FAIL"),
                       QStringLiteral("the Broker reported an error for this TEE"));
    }
    const Result<Unwrapped> unwrapped = unwrap(entry);
    if (!unwrapped)
        return failure(errorCodeFor(unwrapped.error()), unwrapped.error().toString());
    if (unwrapped.value().command != QLatin1String("GetDeviceTEEState"))
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("expected a GetDeviceTEEStateResponse"));
    const nlohmann::json &tbs = unwrapped.value().tbs;
    if (tbs.value("rid", nlohmann::json()) != rid.toStdString() || tbs.value("tid", nlohmann::json()) != tid.toStdString())
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("rid/tid do not answer this request"));
    if (tbs.value("status", nlohmann::json()) != "pass")
        return failure(QStringLiteral("ERR_TEE_FAIL"), QStringLiteral("status is not \"pass\""));
    const auto edsi = tbs.find("edsi");
    if (edsi == tbs.end())
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("no edsi"));
    const Result<crypto::jose::Decrypted> decrypted = crypto::jose::decrypt(*edsi, trust.tamPrivateKey, trust.jwePolicy);
    if (!decrypted)
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("edsi: %1").arg(decrypted.error().message));
    const nlohmann::json dsiJson = parseJson(decrypted.value().plaintext.toStdString());
    if (dsiJson.is_discarded())
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("edsi does not hold JSON"));
    const Result<DeviceStateInfo> dsi = dsiFromJson(dsiJson);
    if (!dsi)
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), dsi.error().toString());
    // The TEE certificate is inside the encrypted DSI: only now can the signature be checked.
    if (const Status signature = crypto::jose::verify(unwrapped.value().jws, dsi.value().teeCertificate.publicKey()); !signature)
        return failure(QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("the TEE's signature does not verify: %1").arg(signature.error().message));
    crypto::ChainVerifier tee(trust.teeRoots, clock);
    tee.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    if (const crypto::ChainResult chain = tee.verify(dsi.value().teeCertificate, dsi.value().teeCaChain); !chain.ok)
        return failure(QStringLiteral("ERR_TEE_FAIL"), QStringLiteral("the TEE certificate is not trusted: %1").arg(chain.message));
    TeeReport report{dsi.value(), dsiHash(dsiJson), false};
    if (const auto &tfw = dsi.value().tfw) {
        const Result<crypto::SignatureScheme> scheme = crypto::jose::schemeForAlg(tfw->sigalg);
        if (!scheme)
            return failure(QStringLiteral("ERR_UNSUPPORTED_CRYPTO_ALG"), scheme.error().message);
        if (tfw->tbs != tid.toUtf8())
            return failure(QStringLiteral("ERR_TFW_NOT_TRUSTED"), QStringLiteral("the firmware signed another transaction"));
        if (const Status signed_ = crypto::verifyRaw(tfw->certificate.publicKey(), scheme.value(), tfw->tbs, tfw->signature); !signed_)
            return failure(QStringLiteral("ERR_TFW_NOT_TRUSTED"), QStringLiteral("the firmware signature does not verify"));
        if (const crypto::ChainResult chain = crypto::ChainVerifier(trust.tfwRoots, clock).verify(tfw->certificate); !chain.ok)
            return failure(QStringLiteral("ERR_TFW_NOT_TRUSTED"), QStringLiteral("the TFW certificate is not trusted: %1").arg(chain.message));
        report.tfwVerified = true;
    }
    return report;
}

} // namespace

Result<QByteArray> buildGetDeviceStateRequest(const QString &rid, const QString &tid, const crypto::jose::JwsSigner &tam)
{
    if (tam.x5c.isEmpty())
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("the first request carries the TAM chain in x5c")};
    const nlohmann::json tbs{{"ver", kVersion}, {"rid", rid.toStdString()}, {"tid", tid.toStdString()},
                             {"ocspdat", nlohmann::json::array()}, {"supportedsigalgs", {"RS256", "ES256"}}};
    const Result<nlohmann::json> message = sign(QStringLiteral("GetDeviceState"), Direction::Request, tbs, tam);
    if (!message)
        return message.error();
    return QByteArray::fromStdString(message.value().dump());
}

Result<DeviceState> processGetDeviceStateResponse(const QByteArray &response, const QString &rid, const QString &tid,
                                                  const TamTrust &trust, const Clock &clock)
{
    if (response.size() > kMaxMessageBytes)
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("the response is too large")};
    const nlohmann::json json = parseJson(response.constData(), response.constData() + response.size());
    return processGetDeviceStateResponse(json, rid, tid, trust, clock);
}

Result<DeviceState> processGetDeviceStateResponse(const nlohmann::json &json, const QString &rid, const QString &tid,
                                                  const TamTrust &trust, const Clock &clock)
{
    if (json.is_discarded() || !json.is_object() || json.size() != 1 || !json.contains("GetDeviceStateResponse") ||
        !json["GetDeviceStateResponse"].is_array())
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("expected {\"GetDeviceStateResponse\": [...]}")};
    const nlohmann::json &entries = json["GetDeviceStateResponse"];
    if (entries.empty() || entries.size() > kMaxTees)
        return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), QStringLiteral("a device reports 1 to 16 TEEs")};
    DeviceState state;
    for (const auto &entry : entries) {
        auto outcome = processTee(entry, rid, tid, trust, clock);
        if (auto *report = std::get_if<TeeReport>(&outcome))
            state.tees << *report;
        else
            state.failures << std::get<TeeFailure>(outcome);
    }
    return state;
}

} // namespace teep::protocol::otrp
