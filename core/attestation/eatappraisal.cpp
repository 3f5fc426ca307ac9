#include "attestation/eatappraisal.h"

#include <QCborArray>

namespace teep::attestation {

Result<EvidenceFacts> eatFacts(const QCborMap &claims)
{
    EvidenceFacts facts;
    facts.ueid = claims.value(claim::Ueid).toByteArray();
    facts.oemid = claims.value(claim::Oemid).toByteArray();
    const QCborValue model = claims.value(claim::Hwmodel);
    facts.hwmodel = model.isString() ? model.toString().toUtf8() : model.toByteArray();
    const QCborValue version = claims.value(claim::Hwversion);
    facts.hwversion = version.isArray() ? version.toArray().at(0).toString() : version.toString();
    Result<QList<MeasuredComponent>> components = measuredComponents(claims.value(claim::Measurements));
    if (!components)
        return components.error();
    facts.components = components.value();
    return facts;
}

VerifiedEat verifyEat(const QByteArray &token, const EatAppraisalOptions &options)
{
    const crypto::cose::AlgorithmPolicy policy = crypto::cose::AlgorithmPolicy::compatible();
    const QByteArray nonce = options.nonce.isEmpty() ? QByteArray(8, '\0') : options.nonce;
    EvidenceVerification verification;
    if (options.attestationKeys.isEmpty()) {
        verification = verifyEvidence(token, crypto::Key(), policy, nonce, options.agentKey);
    } else {
        for (const crypto::Key &key : options.attestationKeys) {
            verification = verifyEvidence(token, key, policy, nonce, options.agentKey);
            const bool signedByIt = std::any_of(verification.checks.cbegin(), verification.checks.cend(),
                                                [](const Check &c) { return c.name == QLatin1String("signature") && c.outcome == Outcome::Pass; });
            if (signedByIt)
                break;
        }
    }
    QList<Check> checks;
    for (Check check : verification.checks) {
        if (check.name == QLatin1String("signature") && options.attestationKeys.isEmpty() && check.outcome == Outcome::Fail)
            check.detail = QStringLiteral("no attestation key to verify it with (give the TEE's key, or its certificate chain to a TEE root CA)");
        if (check.name == QLatin1String("nonce") && options.nonce.isEmpty())
            check = Check{check.name, Outcome::Warn, QStringLiteral("not checked: no challenge given, the evidence may be a replay")};
        if (check.name == QLatin1String("cnf") && options.agentKey.isNull() && check.outcome == Outcome::Fail
            && verification.claims.value(claim::Cnf).toMap().contains(3))
            check = Check{check.name, Outcome::Warn, QStringLiteral("names an agent key by kid; not checked without that key")};
        checks << check;
    }
    return VerifiedEat{checks, verification.claims};
}

Appraisal appraiseEat(const QByteArray &token, const EatAppraisalOptions &options, const QList<SourcedTriple> &references)
{
    VerifiedEat verified = verifyEat(token, options);
    Result<EvidenceFacts> facts = eatFacts(verified.claims);
    if (!facts) {
        verified.checks << Check{QStringLiteral("format"), Outcome::Fail, facts.error().toString()};
        return appraise({}, {}, verified.checks);
    }
    return appraise(facts.value(), references, verified.checks);
}

} // namespace teep::attestation
