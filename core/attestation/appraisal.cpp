#include "attestation/appraisal.h"

#include <algorithm>

namespace teep::attestation {

namespace {

constexpr std::array<const char *, 8> kClaimNames{"instance-identity", "configuration", "executables", "file-system",
                                                  "hardware",          "runtime-opaque", "storage-opaque", "sourced-data"};

QString hex(const QByteArray &bytes)
{
    const QString text = QString::fromLatin1(bytes.toHex());
    return text.size() > 16 ? text.left(8) + QStringLiteral("…") + text.right(8) : text;
}

// A class environment applies to the device when its model is the EAT hwmodel (as text, or its
// bytes in hex) or its class id is those bytes; an instance environment when its UEID is the
// device's.
bool classApplies(const corim::Environment &environment, const EvidenceFacts &facts)
{
    const QString modelText = QString::fromUtf8(facts.hwmodel);
    const QString modelHex = QString::fromLatin1(facts.hwmodel.toHex());
    const bool byModel = !environment.model.isEmpty() && (environment.model == modelText || environment.model.compare(modelHex, Qt::CaseInsensitive) == 0);
    const bool byClassId = environment.classId.compare(QStringLiteral("bytes:") + modelHex, Qt::CaseInsensitive) == 0;
    return byModel || byClassId || (environment.model.isEmpty() && environment.classId.isEmpty());
}

bool sameDigest(const corim::Digest &reported, const QList<corim::Digest> &references, bool *comparable)
{
    for (const corim::Digest &reference : references) {
        if (reference.algorithm != reported.algorithm)
            continue;
        *comparable = true;
        if (reference.value == reported.value)
            return true;
    }
    return false;
}

// In full: a digest that missed by one byte must show which.
QString describeDigests(const QList<corim::Digest> &digests)
{
    QStringList parts;
    for (const corim::Digest &digest : digests)
        parts << QStringLiteral("%1 %2").arg(corim::digestAlgorithmName(digest.algorithm), QString::fromLatin1(digest.value.toHex()));
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString tierName(Tier tier)
{
    switch (tier) {
    case Tier::Affirming:
        return QStringLiteral("affirming");
    case Tier::Warning:
        return QStringLiteral("warning");
    case Tier::Contraindicated:
        return QStringLiteral("contraindicated");
    case Tier::None:
        break;
    }
    return QStringLiteral("none");
}

Tier tierOf(int value)
{
    if (value >= 96 && value <= 127)
        return Tier::Contraindicated;
    if (value >= 32 && value <= 95)
        return Tier::Warning;
    if (value >= 2 && value <= 31)
        return Tier::Affirming;
    return Tier::None;
}

TrustVector::TrustVector()
{
    for (std::size_t i = 0; i < claims.size(); ++i)
        claims[i].name = kClaimNames[i];
}

TrustClaim &TrustVector::operator[](const char *name)
{
    return *std::find_if(claims.begin(), claims.end(), [name](const TrustClaim &claim) { return qstrcmp(claim.name, name) == 0; });
}

const TrustClaim &TrustVector::operator[](const char *name) const
{
    return *std::find_if(claims.begin(), claims.end(), [name](const TrustClaim &claim) { return qstrcmp(claim.name, name) == 0; });
}

QString Appraisal::statusName() const
{
    switch (status) {
    case Status::Affirming:
        return QStringLiteral("affirming");
    case Status::Warning:
        return QStringLiteral("warning");
    case Status::Contraindicated:
        return QStringLiteral("contraindicated");
    case Status::NotVerified:
        return QStringLiteral("not verified");
    case Status::Malformed:
        break;
    }
    return QStringLiteral("malformed");
}

QString Appraisal::reason() const
{
    for (const Outcome wanted : {Outcome::Fail, Outcome::Warn}) {
        for (const Check &check : checks) {
            if (check.outcome == wanted)
                return QStringLiteral("%1: %2").arg(check.name, check.detail);
        }
    }
    return status == Status::Affirming ? QStringLiteral("every claim matches its reference value") : statusName();
}

Appraisal appraise(const EvidenceFacts &facts, const QList<SourcedTriple> &references, const QList<Check> &verifyingChecks)
{
    Appraisal result;
    result.checks = verifyingChecks;
    const auto failed = [&verifyingChecks](const QString &name) {
        return std::any_of(verifyingChecks.cbegin(), verifyingChecks.cend(), [&name](const Check &check) { return check.name == name && check.outcome == Outcome::Fail; });
    };
    if (failed(QStringLiteral("format"))) {
        result.status = Appraisal::Status::Malformed;
        return result;
    }
    if (failed(QStringLiteral("signature"))) {
        // Nothing in evidence that did not verify is appraised: it could say anything.
        result.status = Appraisal::Status::NotVerified;
        return result;
    }
    auto add = [&result](const QString &name, Outcome outcome, const QString &detail) { result.checks << Check{name, outcome, detail}; };

    // Which reference values speak about this device: its class's, and its own instance's.
    QList<const SourcedTriple *> forClass;
    QList<const SourcedTriple *> forInstance;
    bool instancesListed = false;
    for (const SourcedTriple &reference : references) {
        const corim::Environment &environment = reference.triple.environment;
        const bool isInstance = !environment.instanceUeid.isEmpty();
        if (isInstance && (environment.model.isEmpty() || classApplies(environment, facts)))
            instancesListed = true;
        if (isInstance && environment.instanceUeid == facts.ueid)
            forInstance << &reference;
        else if (!isInstance && environment.instanceOther.isEmpty() && classApplies(environment, facts)
                 && !(environment.model.isEmpty() && environment.classId.isEmpty()))
            forClass << &reference;
    }
    const QString model = QString::fromUtf8(facts.hwmodel).isSimpleText() && !facts.hwmodel.isEmpty() ? QString::fromUtf8(facts.hwmodel) : hex(facts.hwmodel);

    TrustVector &vector = result.vector;
    // Hardware: a model the references name.
    if (!forClass.isEmpty()) {
        vector["hardware"] = TrustClaim{"hardware", trust::Affirmed,
                                        QStringLiteral("%1 %2 is in the reference values (%3)").arg(facts.modelKind, model, forClass.first()->source)};
        add(QStringLiteral("hardware"), Outcome::Pass, vector["hardware"].detail);
    } else if (forInstance.isEmpty()) {
        add(QStringLiteral("reference values"), Outcome::Warn,
            QStringLiteral("none for %1 %2 (teepctl attestation reference import FILE)").arg(facts.modelKind, model));
    }
    // Instance identity: the signature verified; a device the references list by UEID is
    // recognized, one missing from a list they keep is not.
    const QString ueid = QString::fromLatin1(facts.ueid.toHex());
    if (!forInstance.isEmpty()) {
        vector["instance-identity"] = TrustClaim{"instance-identity", trust::Affirmed, QStringLiteral("ueid %1 is listed (%2)").arg(hex(facts.ueid), forInstance.first()->source)};
        add(QStringLiteral("instance identity"), Outcome::Pass, vector["instance-identity"].detail);
    } else if (instancesListed) {
        vector["instance-identity"] = TrustClaim{"instance-identity", trust::Unrecognized,
                                                 QStringLiteral("ueid %1 is not among the instances the reference values list").arg(ueid.isEmpty() ? QStringLiteral("(none)") : ueid)};
        add(QStringLiteral("instance identity"), Outcome::Fail, vector["instance-identity"].detail);
    } else {
        vector["instance-identity"] = TrustClaim{"instance-identity", trust::Affirmed, QStringLiteral("signed by a trusted attestation key")};
    }

    // Executables and configuration: each reported component against the reference measurement of
    // the same name; a digest the references contradict is contraindicated, a component they do
    // not name unrecognized, another version than theirs not the approved configuration.
    QList<const corim::Measurement *> expected;
    QList<QString> expectedSource;
    for (const QList<const SourcedTriple *> &set : {forClass, forInstance})
        for (const SourcedTriple *reference : set)
            for (const corim::Measurement &measurement : reference->triple.measurements) {
                expected << &measurement;
                expectedSource << reference->source;
            }
    int approved = 0;
    int unrecognized = 0;
    int contradicted = 0;
    int otherVersion = 0;
    for (const MeasuredComponent &component : facts.components) {
        ComponentMatch match{component, Outcome::Warn, QString()};
        bool named = false;
        for (qsizetype i = 0; i < expected.size() && match.outcome != Outcome::Pass; ++i) {
            const corim::Measurement &reference = *expected[i];
            if (reference.label() != component.name || reference.digests.isEmpty())
                continue;
            named = true;
            bool comparable = false;
            const bool same = sameDigest(component.digest, reference.digests, &comparable);
            match.outcome = same ? Outcome::Pass : Outcome::Fail;
            match.reference = QStringLiteral("%1 (%2)").arg(describeDigests(reference.digests), expectedSource[i]);
            if (!comparable)
                match.reference = QStringLiteral("no %1 digest in the reference: %2").arg(corim::digestAlgorithmName(component.digest.algorithm), match.reference);
            if (same && !reference.version.isEmpty() && !component.version.isEmpty() && reference.version != component.version) {
                ++otherVersion;
                add(QStringLiteral("version %1").arg(component.name), Outcome::Warn,
                    QStringLiteral("%1 where the reference says %2").arg(component.version, reference.version));
            }
        }
        const QString reported = QStringLiteral("%1 %2").arg(corim::digestAlgorithmName(component.digest.algorithm), hex(component.digest.value));
        if (match.outcome == Outcome::Pass) {
            ++approved;
            add(QStringLiteral("component %1").arg(component.name), Outcome::Pass, QStringLiteral("%1 matches the reference value").arg(reported));
        } else if (named) {
            ++contradicted;
            add(QStringLiteral("component %1").arg(component.name), Outcome::Fail,
                QStringLiteral("%1, but the reference is %2").arg(describeDigests({component.digest}), match.reference));
        } else {
            ++unrecognized;
            add(QStringLiteral("component %1").arg(component.name), Outcome::Warn, QStringLiteral("%1: no reference value names this component").arg(reported));
        }
        result.components << match;
    }
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const corim::Measurement &reference = *expected[i];
        if (reference.digests.isEmpty())
            continue;
        const bool reported = std::any_of(facts.components.cbegin(), facts.components.cend(), [&reference](const MeasuredComponent &c) { return c.name == reference.label(); });
        if (!reported) {
            ++unrecognized;
            add(QStringLiteral("component %1").arg(reference.label()), Outcome::Warn,
                QStringLiteral("the reference values expect it (%1) and the evidence does not report it").arg(expectedSource[i]));
        }
    }
    if (contradicted > 0)
        vector["executables"] = TrustClaim{"executables", trust::Contraindicated, QStringLiteral("%1 component(s) measured other than their reference values").arg(contradicted)};
    else if (unrecognized > 0)
        vector["executables"] = TrustClaim{"executables", trust::UnrecognizedRun, QStringLiteral("%1 component(s) reported or expected without a match").arg(unrecognized)};
    else if (approved > 0)
        vector["executables"] = TrustClaim{"executables", trust::Affirmed, QStringLiteral("all %1 component(s) match their reference values").arg(approved)};
    if (otherVersion > 0)
        vector["configuration"] = TrustClaim{"configuration", trust::Unapproved, QStringLiteral("%1 component(s) at another version than the reference").arg(otherVersion)};
    else if (approved > 0 && unrecognized == 0 && contradicted == 0)
        vector["configuration"] = TrustClaim{"configuration", trust::Affirmed, QStringLiteral("the versions the reference values approve")};

    result.status = Appraisal::Status::Warning; // verified: settle() decides
    settle(result);
    return result;
}

void settle(Appraisal &appraisal)
{
    if (appraisal.status == Appraisal::Status::Malformed || appraisal.status == Appraisal::Status::NotVerified)
        return;
    Tier worst = Tier::None;
    bool anyAffirmed = false;
    const auto worse = [](Tier a, Tier b) { return int(a) > int(b) ? a : b; };
    for (const TrustClaim &claim : appraisal.vector.claims) {
        worst = worse(worst, claim.tier());
        anyAffirmed = anyAffirmed || claim.tier() == Tier::Affirming;
    }
    for (const Check &check : appraisal.checks)
        worst = worse(worst, check.outcome == Outcome::Fail ? Tier::Contraindicated : check.outcome == Outcome::Warn ? Tier::Warning : Tier::None);
    appraisal.tier = worst == Tier::None ? (anyAffirmed ? Tier::Affirming : Tier::Warning) : worst;
    appraisal.status = appraisal.tier == Tier::Affirming ? Appraisal::Status::Affirming
                       : appraisal.tier == Tier::Warning ? Appraisal::Status::Warning
                                                         : Appraisal::Status::Contraindicated;
}

} // namespace teep::attestation
