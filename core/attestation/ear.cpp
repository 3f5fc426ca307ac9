#include "attestation/ear.h"

#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "crypto/jws.h"

#include <QCborMap>

#include <nlohmann/json.hpp>

namespace teep::attestation {

namespace {
// The EAR claim keys of the CWT form.
constexpr qint64 kIat = 6;
constexpr qint64 kNonce = 10;
constexpr qint64 kProfile = 265;
constexpr qint64 kSubmods = 266;
constexpr qint64 kStatus = 1000;
constexpr qint64 kTrustVector = 1001;
constexpr qint64 kPolicyId = 1003;
constexpr qint64 kVerifierId = 1004;
constexpr const char *kDeveloper = "TEEP Console";

Error keyError()
{
    return Error{QStringLiteral("ear.key"), QStringLiteral("an EAR is signed with a P-256 key (ES256)")};
}
} // namespace

int earStatus(const Appraisal &appraisal)
{
    switch (appraisal.status) {
    case Appraisal::Status::Affirming:
        return 2;
    case Appraisal::Status::Warning:
        return 32;
    case Appraisal::Status::Contraindicated:
        return 96;
    case Appraisal::Status::NotVerified:
    case Appraisal::Status::Malformed:
        break;
    }
    return 0;
}

Result<QByteArray> earJwt(const Appraisal &appraisal, const EarOptions &options, const crypto::Key &key)
{
    if (key.description() != QLatin1String("EC P-256"))
        return keyError();
    nlohmann::ordered_json vector = nlohmann::ordered_json::object();
    for (const TrustClaim &claim : appraisal.vector.claims) {
        if (claim.value != trust::NoClaim)
            vector[claim.name] = claim.value;
    }
    const int status = earStatus(appraisal);
    nlohmann::ordered_json submodule{{"ear.status", status == 0 ? std::string("none") : tierName(appraisal.tier).toStdString()},
                                     {"ear.trustworthiness-vector", vector},
                                     {"ear.appraisal-policy-id", options.policyId.toStdString()}};
    nlohmann::ordered_json claims{{"eat_profile", kEarProfile},
                                  {"iat", options.issuedAt},
                                  {"ear.verifier-id", {{"developer", kDeveloper}, {"build", options.build.toStdString()}}},
                                  {"submods", {{options.submodule.toStdString(), submodule}}}};
    if (!options.nonce.isEmpty())
        claims["eat_nonce"] = crypto::jose::base64UrlEncode(options.nonce).toStdString();
    // A compact JWS: the flattened form's three parts joined (RFC 7515 7.1).
    const Result<nlohmann::json> flattened = crypto::jose::signFlattened(QByteArray::fromStdString(claims.dump()), {key, QStringLiteral("ES256"), {}});
    if (!flattened)
        return flattened.error();
    const nlohmann::json &jws = flattened.value();
    return QByteArray::fromStdString(jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>() + "." + jws["signature"].get<std::string>());
}

Result<QByteArray> earCwt(const Appraisal &appraisal, const EarOptions &options, const crypto::Key &key)
{
    if (key.description() != QLatin1String("EC P-256"))
        return keyError();
    QCborMap vector;
    for (std::size_t i = 0; i < appraisal.vector.claims.size(); ++i) {
        if (appraisal.vector.claims[i].value != trust::NoClaim)
            vector.insert(qint64(i), appraisal.vector.claims[i].value);
    }
    const QCborMap submodule{{kStatus, earStatus(appraisal)}, {kTrustVector, vector}, {kPolicyId, options.policyId}};
    QCborMap claims{{kProfile, QLatin1String(kEarProfile)},
                    {kIat, options.issuedAt},
                    {kVerifierId, QCborMap{{0, options.build}, {1, QLatin1String(kDeveloper)}}},
                    {kSubmods, QCborMap{{options.submodule, submodule}}}};
    if (!options.nonce.isEmpty())
        claims.insert(kNonce, options.nonce);
    return crypto::cose::sign1(cbor::encodeDeterministic(QCborValue(claims)), {key, crypto::cose::kES256, false});
}

namespace {

constexpr qsizetype kMaxEarBytes = 64 * 1024;
constexpr int kMaxSubmodules = 64;

// What both encodings say, once decoded.
struct EarClaims
{
    QString profile;
    std::optional<qint64> issuedAt;
    std::optional<QByteArray> nonce;
    QString verifier; // ear.verifier-id, as text
    struct Submodule
    {
        QString name;
        int status = 0;
        TrustVector vector;
    };
    QList<Submodule> submodules;
};

std::optional<int> statusFromName(const std::string &name)
{
    for (const auto &[text, value] : {std::pair{"none", 0}, std::pair{"affirming", 2}, std::pair{"warning", 32}, std::pair{"contraindicated", 96}})
        if (name == text)
            return value;
    return std::nullopt;
}

Result<EarClaims> jwtClaims(const QByteArray &payload)
{
    const nlohmann::json json = nlohmann::json::parse(payload.toStdString(), nullptr, false);
    if (!json.is_object())
        return Error{QStringLiteral("ear.format"), QStringLiteral("the JWT's claims are not a JSON object")};
    EarClaims claims;
    if (json.contains("eat_profile") && json["eat_profile"].is_string())
        claims.profile = QString::fromStdString(json["eat_profile"].get<std::string>());
    if (json.contains("iat") && json["iat"].is_number_integer())
        claims.issuedAt = json["iat"].get<qint64>();
    if (json.contains("eat_nonce") && json["eat_nonce"].is_string()) {
        const Result<QByteArray> nonce = crypto::jose::base64UrlDecode(QByteArray::fromStdString(json["eat_nonce"].get<std::string>()), QStringLiteral("eat_nonce"));
        if (!nonce)
            return nonce.error();
        claims.nonce = nonce.value();
    }
    if (json.contains("ear.verifier-id"))
        claims.verifier = QString::fromStdString(json["ear.verifier-id"].dump());
    if (!json.contains("submods") || !json["submods"].is_object() || json["submods"].empty() || json["submods"].size() > kMaxSubmodules)
        return Error{QStringLiteral("ear.format"), QStringLiteral("no submods, or more than %1").arg(kMaxSubmodules)};
    for (const auto &[name, submodule] : json["submods"].items()) {
        EarClaims::Submodule read{QString::fromStdString(name), 0, {}};
        const std::optional<int> status = submodule.is_object() && submodule.contains("ear.status") && submodule["ear.status"].is_string()
                                              ? statusFromName(submodule["ear.status"].get<std::string>())
                                              : std::nullopt;
        if (!status)
            return Error{QStringLiteral("ear.format"), QStringLiteral("submodule %1 has no ear.status (none, affirming, warning, contraindicated)").arg(read.name)};
        read.status = *status;
        const nlohmann::json vector = submodule.value("ear.trustworthiness-vector", nlohmann::json::object());
        for (TrustClaim &claim : read.vector.claims) {
            if (vector.is_object() && vector.contains(claim.name) && vector[claim.name].is_number_integer()) {
                const int value = vector[claim.name].get<int>();
                if (value < -128 || value > 127)
                    return Error{QStringLiteral("ear.format"), QStringLiteral("%1 of %2 is out of range").arg(QLatin1String(claim.name), read.name)};
                claim.value = value;
            }
        }
        claims.submodules << read;
    }
    return claims;
}

Result<EarClaims> cwtClaims(const QByteArray &payload)
{
    const Result<QCborValue> decoded = cbor::decodeStrict(payload, cbor::Limits{kMaxEarBytes, 8, 4096, false});
    if (!decoded || !decoded.value().isMap())
        return Error{QStringLiteral("ear.format"), decoded ? QStringLiteral("the CWT's claims are not a map") : decoded.error().message};
    const QCborMap map = decoded.value().toMap();
    EarClaims claims;
    claims.profile = map.value(kProfile).toString();
    if (map.value(kIat).isInteger())
        claims.issuedAt = map.value(kIat).toInteger();
    if (map.value(kNonce).isByteArray())
        claims.nonce = map.value(kNonce).toByteArray();
    if (map.contains(kVerifierId))
        claims.verifier = map.value(kVerifierId).toDiagnosticNotation(QCborValue::Compact);
    const QCborMap submods = map.value(kSubmods).toMap();
    if (submods.isEmpty() || submods.size() > kMaxSubmodules)
        return Error{QStringLiteral("ear.format"), QStringLiteral("no submods, or more than %1").arg(kMaxSubmodules)};
    for (auto it = submods.constBegin(); it != submods.constEnd(); ++it) {
        const QCborMap submodule = it.value().toMap();
        EarClaims::Submodule read{it.key().isString() ? it.key().toString() : it.key().toDiagnosticNotation(), 0, {}};
        const QCborValue status = submodule.value(kStatus);
        if (!status.isInteger() || !QList<qint64>{0, 2, 32, 96}.contains(status.toInteger()))
            return Error{QStringLiteral("ear.format"), QStringLiteral("submodule %1 has no ear.status (0, 2, 32 or 96)").arg(read.name)};
        read.status = int(status.toInteger());
        const QCborMap vector = submodule.value(kTrustVector).toMap();
        for (std::size_t i = 0; i < read.vector.claims.size(); ++i) {
            const QCborValue value = vector.value(qint64(i));
            if (value.isInteger() && value.toInteger() >= -128 && value.toInteger() <= 127)
                read.vector.claims[i].value = int(value.toInteger());
        }
        claims.submodules << read;
    }
    return claims;
}

} // namespace

Appraisal readEar(const QByteArray &ear, const QList<corim::VerifierKey> &verifierKeys, const EarCheckOptions &options)
{
    Appraisal result;
    auto add = [&result](const QString &name, Outcome outcome, const QString &detail) { result.checks << Check{name, outcome, detail}; };
    if (ear.size() > kMaxEarBytes) {
        add(QStringLiteral("format"), Outcome::Fail, QStringLiteral("%1 bytes; an EAR is at most %2").arg(ear.size()).arg(kMaxEarBytes));
        return result;
    }
    // A JWT is three base64url parts joined by dots; anything else is read as a CWT.
    const QByteArray trimmed = ear.trimmed();
    const QList<QByteArray> parts = trimmed.split('.');
    QByteArray payload;
    QString signer;
    QString problem = verifierKeys.isEmpty() ? QStringLiteral("no verifier key is trusted (teepctl anchors import verifier-key FILE)") : QString();
    const bool jwt = parts.size() == 3 && std::all_of(trimmed.cbegin(), trimmed.cend(), [](char c) {
                         return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                     });
    if (jwt) {
        const nlohmann::json flattened{{"protected", parts[0].toStdString()}, {"payload", parts[1].toStdString()}, {"signature", parts[2].toStdString()}};
        const Result<crypto::jose::Jws> jws = crypto::jose::parse(flattened, {QStringLiteral("ES256")});
        if (!jws) {
            add(QStringLiteral("format"), Outcome::Fail, QStringLiteral("a JWT that is not a JWS: %1").arg(jws.error().message));
            return result;
        }
        payload = jws.value().payload;
        for (const corim::VerifierKey &verifier : verifierKeys) {
            const Status verified = crypto::jose::verify(jws.value(), verifier.key);
            if (verified) {
                signer = verifier.name;
                break;
            }
            problem = verified.error().message;
        }
    } else {
        const Result<QCborValue> decoded = cbor::decodeStrict(ear, cbor::Limits{kMaxEarBytes, 8, 4096, false});
        // A CWT may come in its CWT tag (61) around the COSE_Sign1.
        const QCborValue top = decoded ? decoded.value() : QCborValue();
        const QCborValue inner = top.isTag() && quint64(top.tag()) == 61 ? top.taggedValue() : top;
        const Result<crypto::cose::SignedObject> object = decoded ? crypto::cose::parse(inner) : Result<crypto::cose::SignedObject>(decoded.error());
        if (!object || object.value().multiSigner) {
            add(QStringLiteral("format"), Outcome::Fail,
                QStringLiteral("neither a JWT nor a CWT (COSE_Sign1): %1").arg(object ? QStringLiteral("a COSE_Sign") : object.error().toString()));
            return result;
        }
        payload = object.value().payload;
        for (const corim::VerifierKey &verifier : verifierKeys) {
            const Status verified = crypto::cose::verify(object.value(), verifier.key, crypto::cose::AlgorithmPolicy::compatible());
            if (verified) {
                signer = verifier.name;
                break;
            }
            problem = verified.error().message;
        }
    }
    add(QStringLiteral("signature"), signer.isEmpty() ? Outcome::Fail : Outcome::Pass,
        signer.isEmpty() ? problem : QStringLiteral("by the verifier key %1").arg(signer));
    const Result<EarClaims> claims = jwt ? jwtClaims(payload) : cwtClaims(payload);
    if (!claims) {
        add(QStringLiteral("format"), Outcome::Fail, claims.error().message);
        result.status = Appraisal::Status::Malformed;
        return result;
    }
    if (signer.isEmpty()) {
        result.status = Appraisal::Status::NotVerified;
        return result;
    }
    const EarClaims &ear_ = claims.value();
    add(QStringLiteral("profile"), ear_.profile == QLatin1String(kEarProfile) ? Outcome::Pass : Outcome::Fail,
        ear_.profile == QLatin1String(kEarProfile) ? QStringLiteral("EAR") : QStringLiteral("eat_profile is '%1', not the EAR profile").arg(ear_.profile));
    if (!options.nonce.isEmpty() && ear_.nonce) {
        const bool same = *ear_.nonce == options.nonce;
        add(QStringLiteral("freshness"), same ? Outcome::Pass : Outcome::Fail,
            same ? QStringLiteral("eat_nonce equals the challenge") : QStringLiteral("eat_nonce is not the challenge: the result may be a replay"));
    } else if (!ear_.issuedAt) {
        add(QStringLiteral("freshness"), Outcome::Fail, QStringLiteral("no eat_nonce to match and no iat: its age is unknown"));
    } else {
        const qint64 age = options.now - *ear_.issuedAt;
        const bool fresh = age >= -60 && age <= options.maxAgeSeconds;
        add(QStringLiteral("freshness"), fresh ? Outcome::Pass : Outcome::Fail,
            fresh ? QStringLiteral("issued %1 s ago%2").arg(age).arg(options.nonce.isEmpty() ? QString() : QStringLiteral(" (it echoes no nonce)"))
                  : QStringLiteral("issued %1 s ago; at most %2 s are accepted").arg(age).arg(options.maxAgeSeconds));
    }
    if (!ear_.verifier.isEmpty())
        add(QStringLiteral("issuer"), Outcome::Pass, QStringLiteral("verifier %1").arg(ear_.verifier.left(200)));
    // The worst submodule decides; its vector is the appraisal's.
    const EarClaims::Submodule *worst = &ear_.submodules.first();
    for (const EarClaims::Submodule &submodule : ear_.submodules) {
        const int rank = submodule.status == 0 ? 1 : submodule.status; // none is worse than affirming, better than warning
        const int worstRank = worst->status == 0 ? 1 : worst->status;
        if (rank > worstRank)
            worst = &submodule;
        const Tier tier = tierOf(submodule.status);
        add(QStringLiteral("status %1").arg(submodule.name),
            tier == Tier::Affirming ? Outcome::Pass : tier == Tier::Contraindicated ? Outcome::Fail : Outcome::Warn,
            QStringLiteral("the verifier says %1").arg(tierName(tier)));
    }
    result.vector = worst->vector;
    for (TrustClaim &claim : result.vector.claims) {
        if (claim.value != trust::NoClaim)
            claim.detail = QStringLiteral("as the verifier appraised %1").arg(worst->name);
    }
    result.status = Appraisal::Status::Warning; // verified: settle() decides
    settle(result);
    return result;
}

} // namespace teep::attestation
