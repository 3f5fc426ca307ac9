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

} // namespace teep::attestation
