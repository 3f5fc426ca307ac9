#include "attestation/eat.h"

#include "cbor/strictcbor.h"
#include "crypto/cosekey.h"

namespace teep::attestation {

namespace {
constexpr qint64 kCnfCoseKey = 1;
constexpr qint64 kCnfKid = 3;
} // namespace

QString claimName(qint64 key)
{
    switch (key) {
    case 1:
        return QStringLiteral("iss");
    case 6:
        return QStringLiteral("iat");
    case claim::Cnf:
        return QStringLiteral("cnf");
    case claim::Nonce:
        return QStringLiteral("eat_nonce");
    case claim::Ueid:
        return QStringLiteral("ueid");
    case 257:
        return QStringLiteral("sueids");
    case claim::Oemid:
        return QStringLiteral("oemid");
    case claim::Hwmodel:
        return QStringLiteral("hwmodel");
    case claim::Hwversion:
        return QStringLiteral("hwversion");
    case claim::Profile:
        return QStringLiteral("eat_profile");
    case claim::Manifests:
        return QStringLiteral("manifests");
    default:
        return QStringLiteral("claim %1").arg(key);
    }
}

bool EvidenceVerification::passed() const
{
    return !checks.isEmpty() && std::none_of(checks.cbegin(), checks.cend(), [](const Check &c) { return c.outcome == Outcome::Fail; });
}

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Pass:
        return QStringLiteral("pass");
    case Outcome::Warn:
        return QStringLiteral("warn");
    case Outcome::Fail:
        break;
    }
    return QStringLiteral("fail");
}

std::optional<Outcome> outcomeFromName(QStringView name)
{
    for (const Outcome outcome : {Outcome::Pass, Outcome::Warn, Outcome::Fail}) {
        if (name == outcomeName(outcome))
            return outcome;
    }
    return std::nullopt;
}

QString EvidenceVerification::summary() const
{
    for (const Check &check : checks) {
        if (check.outcome == Outcome::Fail)
            return QStringLiteral("%1: %2").arg(check.name, check.detail);
    }
    return checks.isEmpty() ? QStringLiteral("nothing was checked") : QStringLiteral("all checks passed");
}

Result<QByteArray> buildEvidence(const EvidenceSpec &spec, const crypto::cose::SigningKey &attestationKey)
{
    const Result<QCborMap> agentCoseKey = crypto::toCoseKey(spec.agentKey);
    if (!agentCoseKey)
        return agentCoseKey.error();
    if (spec.nonce.size() < 8 || spec.nonce.size() > 64)
        return Error{QStringLiteral("eat.nonce"), QStringLiteral("eat_nonce is 8 to 64 bytes")};
    const QCborMap claims{{claim::Ueid, spec.ueid},
                          {claim::Oemid, spec.oemid},
                          {claim::Hwmodel, spec.hwmodel},
                          {claim::Hwversion, QCborArray{spec.hwversion}},
                          {claim::Manifests, spec.manifests},
                          {claim::Cnf, QCborMap{{kCnfCoseKey, agentCoseKey.value()}}},
                          {claim::Nonce, spec.nonce}};
    return crypto::cose::sign1(cbor::encodeDeterministic(QCborValue(claims)), attestationKey, {}, false, spec.attestationChain);
}

EvidenceVerification verifyEvidence(const QByteArray &token, const crypto::Key &attestationKey,
                                    const crypto::cose::AlgorithmPolicy &policy, const QByteArray &expectedNonce,
                                    const crypto::Key &agentKey)
{
    EvidenceVerification result;
    auto add = [&result](const QString &name, Outcome outcome, const QString &detail) {
        result.checks << Check{name, outcome, detail};
    };
    cbor::Limits limits;
    limits.maxBytes = 64 * 1024;
    const Result<QCborValue> decoded = cbor::decodeStrict(token, limits);
    const Result<crypto::cose::SignedObject> object =
        decoded ? crypto::cose::parse(decoded.value()) : Result<crypto::cose::SignedObject>(decoded.error());
    if (!object) {
        add(QStringLiteral("format"), Outcome::Fail, object.error().toString());
        return result;
    }
    const Status signature = crypto::cose::verify(object.value(), attestationKey, policy);
    add(QStringLiteral("signature"), signature ? Outcome::Pass : Outcome::Fail,
        signature ? QStringLiteral("%1 by the TEE attestation key").arg(crypto::cose::algorithmName(object.value().body.alg))
                  : signature.error().message);
    const Result<QCborValue> claims = cbor::decodeStrict(object.value().payload, limits);
    if (!claims || !claims.value().isMap()) {
        add(QStringLiteral("format"), Outcome::Fail, QStringLiteral("the payload is not a claims map"));
        return result;
    }
    result.claims = claims.value().toMap();

    const QByteArray nonce = result.claims.value(claim::Nonce).toByteArray();
    if (!result.claims.value(claim::Nonce).isByteArray())
        add(QStringLiteral("nonce"), Outcome::Fail, QStringLiteral("no eat_nonce: the evidence may be a replay"));
    else if (nonce != expectedNonce)
        add(QStringLiteral("nonce"), Outcome::Fail, QStringLiteral("eat_nonce is not the challenge this TAM sent"));
    else
        add(QStringLiteral("nonce"), Outcome::Pass, QStringLiteral("eat_nonce equals the challenge"));

    const QCborMap cnf = result.claims.value(claim::Cnf).toMap();
    if (cnf.contains(kCnfCoseKey)) {
        const Result<crypto::Key> bound = crypto::fromCoseKey(cnf.value(kCnfCoseKey).toMap());
        if (agentKey.isNull()) {
            // A device not known yet: the key is learned, from evidence whose signature verified.
            if (bound && signature)
                result.boundAgentKey = bound.value();
            add(QStringLiteral("cnf"), bound ? Outcome::Pass : Outcome::Fail,
                bound ? QStringLiteral("binds the TEEP Agent key") : QStringLiteral("the COSE_Key in cnf is unusable: %1").arg(bound.error().message));
        } else {
            const bool same = bound && bound.value().samePublicKey(agentKey);
            add(QStringLiteral("cnf"), same ? Outcome::Pass : Outcome::Fail,
                same ? QStringLiteral("binds the TEEP Agent key") : QStringLiteral("the COSE_Key in cnf is not the TEEP Agent's key"));
        }
    } else if (agentKey.isNull()) {
        add(QStringLiteral("cnf"), Outcome::Fail, QStringLiteral("a device not known yet must carry its TEEP Agent key (COSE_Key) in cnf"));
    } else if (const Result<QByteArray> agentKid = crypto::coseKeyThumbprint(agentKey); cnf.contains(kCnfKid)) {
        const bool same = agentKid && cnf.value(kCnfKid).toByteArray() == agentKid.value();
        add(QStringLiteral("cnf"), same ? Outcome::Pass : Outcome::Fail,
            same ? QStringLiteral("kid is the TEEP Agent key's thumbprint")
                 : QStringLiteral("the kid in cnf is not the TEEP Agent key's RFC 9679 thumbprint"));
    } else {
        add(QStringLiteral("cnf"), Outcome::Fail, QStringLiteral("no cnf claim binds the TEEP Agent key"));
    }

    for (qint64 required : {claim::Ueid, claim::Oemid, claim::Hwmodel, claim::Hwversion, claim::Manifests}) {
        const bool present = result.claims.contains(required);
        add(QStringLiteral("claim ") + claimName(required), present ? Outcome::Pass : Outcome::Fail,
            present ? QStringLiteral("present") : QStringLiteral("required by the TEEP profile but missing"));
    }
    if (!result.claims.value(claim::Ueid).isByteArray() && result.claims.contains(claim::Ueid))
        add(QStringLiteral("claim ueid"), Outcome::Fail, QStringLiteral("ueid must be a byte string"));
    return result;
}

} // namespace teep::attestation
