#include "tam/referenceappraisal.h"

#include "attestation/ear.h"
#include "attestation/eatappraisal.h"
#include "attestation/psatoken.h"
#include "tam/corimreferences.h"
#include "tam/referencevalues.h"
#include "tam/sgxcollateralstore.h"
#include "store/trustanchors.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

attestation::Appraisal appraiseClaims(QSqlDatabase db, const Clock &clock, const QCborMap &claims, const QList<attestation::Check> &verifyingChecks)
{
    QList<attestation::Check> checks = verifyingChecks;
    const QList<attestation::Check> typed = ReferenceValues(db, clock, QString()).compare(claims);
    const bool typedNone = typed.size() == 1 && typed.first().outcome == attestation::Outcome::Warn;
    const Result<attestation::EvidenceFacts> facts = attestation::eatFacts(claims);
    if (!facts) {
        checks << attestation::Check{QStringLiteral("format"), attestation::Outcome::Fail, facts.error().toString()};
        return attestation::appraise({}, {}, checks);
    }
    const Result<QList<attestation::SourcedTriple>> imported = CorimReferences(db, clock, QString()).references(facts.value().hwmodel, facts.value().ueid);
    if (!imported)
        checks << attestation::Check{QStringLiteral("reference values"), attestation::Outcome::Fail, imported.error().message};
    attestation::Appraisal appraisal = attestation::appraise(facts.value(), imported ? imported.value() : QList<attestation::SourcedTriple>(), checks);
    // One warning when neither kind of reference value speaks about the device; otherwise what
    // each found.
    const auto noneForModel = [](const attestation::Check &check) {
        return check.name == QLatin1String("reference values") && check.outcome == attestation::Outcome::Warn;
    };
    const auto corimNone = std::find_if(appraisal.checks.begin(), appraisal.checks.end(), noneForModel);
    if (corimNone != appraisal.checks.end() && typedNone)
        corimNone->detail += QStringLiteral(", or teepctl attestation reference set MODEL");
    else if (corimNone != appraisal.checks.end())
        appraisal.checks.erase(corimNone);
    if (!typedNone)
        appraisal.checks << typed;
    attestation::settle(appraisal);
    return appraisal;
}

attestation::Appraisal appraiseEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &token, const attestation::EatAppraisalOptions &options)
{
    const attestation::VerifiedEat verified = attestation::verifyEat(token, options);
    const attestation::Appraisal checked = attestation::appraise({}, {}, verified.checks);
    if (checked.status == attestation::Appraisal::Status::Malformed || checked.status == attestation::Appraisal::Status::NotVerified)
        return checked;
    return appraiseClaims(db, clock, verified.claims, verified.checks);
}

attestation::Appraisal appraisePsaEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &token, const attestation::EatAppraisalOptions &options)
{
    const Result<QList<attestation::SourcedTriple>> imported = CorimReferences(db, clock, QString()).references();
    attestation::Appraisal appraisal = attestation::appraisePsa(token, options, imported ? imported.value() : QList<attestation::SourcedTriple>());
    if (!imported) {
        appraisal.checks << attestation::Check{QStringLiteral("reference values"), attestation::Outcome::Fail, imported.error().message};
        attestation::settle(appraisal);
    }
    return appraisal;
}

attestation::Appraisal appraiseSgxEvidence(QSqlDatabase db, const Clock &clock, const QByteArray &bundle, const QByteArray &challenge, const crypto::Key &agentKey,
                                           const std::optional<attestation::sgx::Collateral> &collateral, attestation::sgx::VerifiedSgx *verifiedOut)
{
    attestation::sgx::SgxAppraisalOptions options;
    options.clock = &clock;
    options.challenge = challenge;
    options.agentKey = agentKey;
    QList<attestation::Check> problems; // the database's, said beside the evidence's
    const auto roots = store::TrustAnchors(db, clock, QString()).certificates(crypto::TrustStore::TeeRoot);
    if (roots)
        options.roots = roots.value();
    else
        problems << attestation::Check{QStringLiteral("TEE root store"), attestation::Outcome::Fail, roots.error().message};
    if (collateral) {
        options.collateral = *collateral;
    } else if (const Result<attestation::sgx::Collateral> kept = SgxCollateralStore(db, clock, QString()).collateral(options.roots); kept) {
        options.collateral = kept.value();
    } else {
        // Kept collateral that no longer verifies (a root removed, a signing certificate expired)
        // is not used: said, and the TCB status is unknown.
        problems << attestation::Check{QStringLiteral("SGX collateral"), attestation::Outcome::Warn,
                                       QStringLiteral("the kept collateral is not used: %1").arg(kept.error().toString())};
    }
    const attestation::sgx::VerifiedSgx verified = attestation::sgx::verifySgx(bundle, options);
    if (verifiedOut)
        *verifiedOut = verified;
    QList<attestation::SourcedTriple> references;
    if (verified.verified) {
        const attestation::EvidenceFacts facts = attestation::sgx::sgxFacts(verified);
        const Result<QList<attestation::SourcedTriple>> imported = CorimReferences(db, clock, QString()).references(facts.hwmodel, facts.ueid);
        if (imported)
            references = imported.value();
        else
            problems << attestation::Check{QStringLiteral("reference values"), attestation::Outcome::Fail, imported.error().message};
    }
    attestation::Appraisal appraisal = attestation::sgx::appraiseVerifiedSgx(verified, options, references);
    if (!problems.isEmpty()) {
        appraisal.checks << problems;
        attestation::settle(appraisal);
    }
    return appraisal;
}

bool isEarFormat(const QString &format)
{
    const QString lower = format.toLower();
    return lower.startsWith(QLatin1String("application/ear+")) ||
           ((lower.startsWith(QLatin1String("application/eat+cwt")) || lower.startsWith(QLatin1String("application/eat+jwt"))) &&
            lower.contains(QLatin1String(attestation::kEarProfile)));
}

attestation::Appraisal appraisePassport(QSqlDatabase db, const Clock &clock, const QByteArray &payload, const QString &format, const QByteArray &challenge)
{
    if (!isEarFormat(format)) {
        attestation::Appraisal refused;
        refused.checks << attestation::Check{QStringLiteral("format"), attestation::Outcome::Fail,
                                             QStringLiteral("%1 is not an attestation result (EAR): the passport policy takes one from a verifier")
                                                 .arg(format.left(120))};
        return refused;
    }
    const Result<QList<attestation::corim::VerifierKey>> verifiers = trustedVerifierKeys(db, clock);
    attestation::EarCheckOptions options;
    options.nonce = challenge;
    options.now = clock.now().toSecsSinceEpoch();
    options.maxAgeSeconds = kPassportMaxAgeSeconds;
    return attestation::readEar(payload, verifiers ? verifiers.value() : QList<attestation::corim::VerifierKey>(), options);
}

QString encodeTrustVector(const attestation::TrustVector &vector)
{
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    for (const attestation::TrustClaim &claim : vector.claims) {
        if (claim.value != attestation::trust::NoClaim)
            json[claim.name] = {{"value", claim.value}, {"detail", claim.detail.toStdString()}};
    }
    return QString::fromStdString(json.dump());
}

attestation::TrustVector decodeTrustVector(const QString &stored)
{
    attestation::TrustVector vector;
    if (stored.isEmpty() || stored.size() > 64 * 1024)
        return vector;
    const nlohmann::json json = nlohmann::json::parse(stored.toStdString(), nullptr, false);
    if (!json.is_object())
        return vector;
    for (attestation::TrustClaim &claim : vector.claims) {
        const auto it = json.find(claim.name);
        if (it == json.end() || !it->is_object() || !it->contains("value") || !(*it)["value"].is_number_integer())
            continue;
        const int value = (*it)["value"].get<int>();
        if (value < -128 || value > 127)
            continue;
        claim.value = value;
        if (it->contains("detail") && (*it)["detail"].is_string())
            claim.detail = QString::fromStdString((*it)["detail"].get<std::string>());
    }
    return vector;
}

} // namespace teep::tam
