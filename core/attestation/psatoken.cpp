#include "attestation/psatoken.h"

#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"

#include <QCborArray>

namespace teep::attestation {

namespace {

// The claim keys, RFC 9783 first, then the legacy profile's.
struct Keys
{
    qint64 profile, clientId, lifecycle, implementationId, bootSeed, certification, components, nonce, instanceId, verificationService;
};
constexpr Keys kRfcKeys{265, 2394, 2395, 2396, 268, 2398, 2399, 10, 256, 2400};
constexpr Keys kLegacyKeys{-75000, -75001, -75002, -75003, -75004, -75005, -75006, -75008, -75009, -75010};
constexpr int kMaxComponents = 64;

Error bad(const QString &claim, const QString &why)
{
    return Error{QStringLiteral("psa.bad-claim"), why, claim};
}

std::optional<qint64> digestAlgorithm(const PsaSoftwareComponent &component)
{
    if (const std::optional<qint64> named = corim::digestAlgorithmFromName(component.description))
        return named;
    switch (component.measurementValue.size()) {
    case 32:
        return 1;
    case 48:
        return 7;
    case 64:
        return 8;
    default:
        return std::nullopt;
    }
}

// The configuration AR4SI sees in a lifecycle state.
std::pair<int, Outcome> lifecycleTrust(qint64 lifecycle)
{
    switch (lifecycle >> 8) {
    case 0x30:
        return {trust::Affirmed, Outcome::Pass};
    case 0x40: // non-PSA-RoT debug: the application side can be debugged
        return {trust::Unapproved, Outcome::Warn};
    default: // unknown, still being assembled or provisioned, PSA RoT debug, decommissioned
        return {trust::Contraindicated, Outcome::Fail};
    }
}

} // namespace

QString psaLifecycleName(qint64 lifecycle)
{
    switch (lifecycle >> 8) {
    case 0x00:
        return QStringLiteral("unknown");
    case 0x10:
        return QStringLiteral("assembly-and-test");
    case 0x20:
        return QStringLiteral("psa-rot-provisioning");
    case 0x30:
        return QStringLiteral("secured");
    case 0x40:
        return QStringLiteral("non-psa-rot-debug");
    case 0x50:
        return QStringLiteral("recoverable-psa-rot-debug");
    case 0x60:
        return QStringLiteral("decommissioned");
    default:
        return QStringLiteral("invalid (0x%1)").arg(lifecycle, 4, 16, QLatin1Char('0'));
    }
}

Result<PsaToken> decodePsaClaims(const QCborMap &claims)
{
    PsaToken token;
    token.legacyKeys = claims.contains(kLegacyKeys.nonce) || claims.contains(kLegacyKeys.instanceId);
    const Keys &keys = token.legacyKeys ? kLegacyKeys : kRfcKeys;
    const auto bytes = [&claims](qint64 key, const char *name, QList<qsizetype> sizes, QByteArray *into) -> Status {
        const QCborValue value = claims.value(key);
        if (!value.isByteArray())
            return bad(QLatin1String(name), QStringLiteral("missing, or not a byte string"));
        if (!sizes.isEmpty() && !sizes.contains(value.toByteArray().size()))
            return bad(QLatin1String(name), QStringLiteral("%1 bytes, which this claim cannot be").arg(value.toByteArray().size()));
        *into = value.toByteArray();
        return {};
    };
    for (const Status &status : {bytes(keys.nonce, "psa-nonce", {32, 48, 64}, &token.nonce), bytes(keys.instanceId, "psa-instance-id", {33}, &token.instanceId),
                                bytes(keys.implementationId, "psa-implementation-id", {32}, &token.implementationId)}) {
        if (!status)
            return status.error();
    }
    if (!token.instanceId.startsWith('\x01'))
        return bad(QStringLiteral("psa-instance-id"), QStringLiteral("not a RAND UEID (type byte 0x01)"));
    if (claims.contains(keys.bootSeed) && !bytes(keys.bootSeed, "psa-boot-seed", {8, 16, 32}, &token.bootSeed))
        return bad(QStringLiteral("psa-boot-seed"), QStringLiteral("8, 16 or 32 bytes"));
    const QCborValue lifecycle = claims.value(keys.lifecycle);
    if (!lifecycle.isInteger() || lifecycle.toInteger() < 0 || lifecycle.toInteger() > 0xffff)
        return bad(QStringLiteral("psa-security-lifecycle"), QStringLiteral("missing, or not a 16-bit value"));
    token.lifecycle = lifecycle.toInteger();
    if (!claims.value(keys.clientId).isInteger())
        return bad(QStringLiteral("psa-client-id"), QStringLiteral("missing, or not an integer"));
    token.clientId = claims.value(keys.clientId).toInteger();
    token.profile = claims.value(keys.profile).toString();
    token.certificationReference = claims.value(keys.certification).toString();
    token.verificationService = claims.value(keys.verificationService).toString();
    const QCborValue components = claims.value(keys.components);
    if (!components.isArray() || components.toArray().isEmpty())
        return bad(QStringLiteral("psa-software-components"), QStringLiteral("missing, or empty"));
    if (components.toArray().size() > kMaxComponents)
        return bad(QStringLiteral("psa-software-components"), QStringLiteral("more than %1 components").arg(kMaxComponents));
    int index = 0;
    for (const QCborValue &entry : components.toArray()) {
        const QString where = QStringLiteral("psa-software-components[%1]").arg(index++);
        const QCborMap map = entry.toMap();
        if (!entry.isMap() || !map.value(2).isByteArray() || !map.value(5).isByteArray())
            return bad(where, QStringLiteral("a component has a measurement value (2) and a signer id (5)"));
        PsaSoftwareComponent component{map.value(1).toString(), map.value(2).toByteArray(), map.value(4).toString(), map.value(5).toByteArray(),
                                       map.value(6).toString()};
        if (!digestAlgorithm(component))
            return bad(where, QStringLiteral("a measurement of %1 bytes names no hash algorithm").arg(component.measurementValue.size()));
        token.components << component;
    }
    return token;
}

Appraisal appraisePsa(const QByteArray &bytes, const EatAppraisalOptions &options, const QList<SourcedTriple> &references)
{
    QList<Check> checks;
    const Result<QCborValue> decoded = cbor::decodeStrict(bytes, cbor::Limits{64 * 1024, 16, 10000, false});
    const Result<crypto::cose::SignedObject> object = decoded ? crypto::cose::parse(decoded.value()) : Result<crypto::cose::SignedObject>(decoded.error());
    if (!object) {
        checks << Check{QStringLiteral("format"), Outcome::Fail, object.error().toString()};
        return appraise({}, {}, checks);
    }
    QString problem = options.attestationKeys.isEmpty() ? QStringLiteral("no Initial Attestation Key to verify it with") : QString();
    bool verified = false;
    for (const crypto::Key &key : options.attestationKeys) {
        const Status status = crypto::cose::verify(object.value(), key, crypto::cose::AlgorithmPolicy::compatible());
        verified = status.ok();
        if (verified)
            break;
        problem = status.error().message;
    }
    checks << Check{QStringLiteral("signature"), verified ? Outcome::Pass : Outcome::Fail,
                    verified ? QStringLiteral("%1 by the Initial Attestation Key").arg(crypto::cose::algorithmName(object.value().body.alg)) : problem};
    const Result<QCborValue> payload = cbor::decodeStrict(object.value().payload, cbor::Limits{64 * 1024, 16, 10000, false});
    const Result<PsaToken> token = payload && payload.value().isMap() ? decodePsaClaims(payload.value().toMap())
                                                                      : Result<PsaToken>(Error{QStringLiteral("psa.format"), QStringLiteral("the payload is not a claims map")});
    if (!token) {
        checks << Check{QStringLiteral("format"), Outcome::Fail, token.error().toString()};
        return appraise({}, {}, checks);
    }
    if (options.nonce.isEmpty())
        checks << Check{QStringLiteral("nonce"), Outcome::Warn, QStringLiteral("not checked: no challenge given, the token may be a replay")};
    else
        checks << Check{QStringLiteral("nonce"), token.value().nonce == options.nonce ? Outcome::Pass : Outcome::Fail,
                        token.value().nonce == options.nonce ? QStringLiteral("psa-nonce equals the challenge") : QStringLiteral("psa-nonce is not the challenge")};
    checks << Check{QStringLiteral("profile"), Outcome::Pass,
                    token.value().profile.isEmpty() ? QStringLiteral("none named (%1 claim keys)").arg(token.value().legacyKeys ? QStringLiteral("legacy") : QStringLiteral("RFC 9783"))
                                                    : token.value().profile};

    EvidenceFacts facts;
    facts.ueid = token.value().instanceId;
    facts.hwmodel = token.value().implementationId;
    facts.modelKind = QStringLiteral("implementation id");
    for (const PsaSoftwareComponent &component : token.value().components)
        facts.components << MeasuredComponent{component.measurementType, component.version, {*digestAlgorithm(component), component.measurementValue}};
    Appraisal appraisal = appraise(facts, references, checks);
    if (appraisal.status == Appraisal::Status::NotVerified || appraisal.status == Appraisal::Status::Malformed)
        return appraisal;
    // The lifecycle is the configuration: a device out of the secured state is not what its
    // vendor's reference values describe, whatever its measurements say.
    const auto [value, outcome] = lifecycleTrust(token.value().lifecycle);
    const QString state = psaLifecycleName(token.value().lifecycle);
    appraisal.checks << Check{QStringLiteral("security lifecycle"), outcome,
                              outcome == Outcome::Pass ? QStringLiteral("secured") : QStringLiteral("%1: not the secured state").arg(state)};
    TrustClaim &configuration = appraisal.vector["configuration"];
    if (value >= configuration.value || configuration.value == trust::NoClaim)
        configuration = TrustClaim{"configuration", value, QStringLiteral("security lifecycle %1").arg(state)};
    settle(appraisal);
    return appraisal;
}

} // namespace teep::attestation
