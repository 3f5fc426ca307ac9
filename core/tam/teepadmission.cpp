// The TEEP engine's admission of a device: who signed its QueryResponse, what its attestation
// policy asks, its evidence, and the tier it is recorded with.
#include "tam/teepengine.h"
#include "tam/teepenginedetail.h"

#include "attestation/eat.h"
#include "cbor/strictcbor.h"
#include "common/logging.h"
#include "crypto/chainverifier.h"
#include "crypto/cosekey.h"
#include "store/trustanchors.h"
#include "tam/attestationchecks.h"
#include "tam/referenceappraisal.h"

#include <openssl/x509v3.h>

namespace teep::tam {

using namespace teep::protocol;
using namespace teepdetail;

TeepEngine::Signer TeepEngine::identify(const crypto::cose::SignedObject &object, const crypto::cose::AlgorithmPolicy &policy) const
{
    Signer signer;
    const QByteArray kid = object.body.kid;
    if (kid.isEmpty()) {
        // Deployed agents send no kid: the registered key that verifies the signature names the device.
        const Result<std::optional<DeviceRegistry::IdentifiedAgent>> found = m_devices.teeForSignature(object, policy);
        if (!found) {
            signer.problem = found.error().message;
        } else if (found.value()) {
            signer.device = found.value()->tee;
            signer.key = found.value()->key;
            signer.verified = true;
        } else {
            signer.problem = QStringLiteral("the agent sent no kid and no registered agent key verifies its %1 signature")
                                 .arg(crypto::cose::algorithmName(object.body.alg));
        }
        return signer;
    }
    const Result<std::optional<TeeRecord>> lookup = m_devices.teeForAgentKey(kid);
    if (!lookup) {
        signer.problem = lookup.error().message;
        return signer;
    }
    if (!lookup.value()) {
        signer.problem = QStringLiteral("no registered agent key has the kid %1").arg(QString::fromLatin1(kid.toHex().left(16)));
        return signer;
    }
    signer.device = lookup.value();
    const Result<crypto::Key> stored = m_devices.agentKey(signer.device->deviceId);
    if (!stored) {
        signer.problem = stored.error().message;
        return signer;
    }
    signer.key = stored.value();
    const Status verified = crypto::cose::verify(object, signer.key, policy);
    signer.verified = verified.ok();
    if (!verified)
        signer.problem = QStringLiteral("not signed by the registered agent key of %1: %2").arg(signer.device->deviceName, verified.error().message);
    return signer;
}

Result<std::optional<QByteArray>> TeepEngine::afterQueryResponse(Session &session, const crypto::cose::SignedObject &object,
                                                                 const QueryResponse &response)
{
    const QByteArray kid = object.body.kid;
    // 1. Who signed it. A known device's signature is checked before anything about it is recorded.
    const Signer signer = identify(object, crypto::cose::AlgorithmPolicy::compatible());
    const std::optional<TeeRecord> known = signer.device;
    if (known && !signer.verified) {
        // Someone claims to be this device: the operator sees it counted, nothing else changes.
        if (const Status noted = m_contacts.noteRefusedSignature(known->deviceId, session.peer); !noted)
            qCWarning(lcTam) << "a refused signature not counted:" << noted.error().toString();
        return refuseUnverified(session, QStringLiteral("QueryResponse refused: %1").arg(signer.problem), signer.problem);
    }
    session.agentAlgorithm = object.body.alg; // the TAM answers in the family the agent signs with
    if (known && session.admitted && known->deviceId == session.deviceId) {
        // A later round of this session: the device was admitted, and what it reported planned,
        // in the first; now what did not fit then (an agent's report may lag behind what it was
        // just sent, so it is not planned again).
        return sendUpdate(session, Update{}, session.deferred);
    }
    if (known)
        session.deviceId = known->deviceId; // it proved its key: its contact is recorded from now on
    // The device's profile and the listener's suites decide which algorithms and forms are accepted.
    const bool compatibility = known && known->compatibility;
    session.compatibility = compatibility;
    const crypto::cose::AlgorithmPolicy policy = acceptedFrom(session);
    const QString hint = compatibility ? QString()
                                       : QStringLiteral(" (a deployed agent's form: accepted only with the device's compatibility profile, "
                                                        "teepctl devices profile %1 compatible)")
                                             .arg(known ? known->deviceName : QStringLiteral("DEVICE"));
    QList<attestation::Check> checks;
    bool trusted = true;
    auto fail = [&](const QString &name, const QString &detail) {
        checks.append(check(name, attestation::Outcome::Fail, detail));
        trusted = false;
    };
    if (!policy.accepts(object.body.alg))
        fail(QStringLiteral("QueryResponse signature"),
             QStringLiteral("%1 was not offered to this agent").arg(crypto::cose::algorithmName(object.body.alg)) + hint);
    if (!session.compatibilityNotes.isEmpty()) {
        if (compatibility)
            checks.append(check(QStringLiteral("message form"), attestation::Outcome::Warn,
                                   QStringLiteral("compatibility profile: %1").arg(session.compatibilityNotes.join(QStringLiteral("; ")))));
        else
            fail(QStringLiteral("message form"), session.compatibilityNotes.join(QStringLiteral("; ")) + hint);
    }
    // 2. What the device must prove: its group's policy, or the default for a device not known yet.
    const TeepSettings settings(m_db, m_clock, QStringLiteral("tam"));
    Result<EffectivePolicy> effective = known ? settings.policyForDevice(known->deviceId) : Result<EffectivePolicy>(Error{});
    if (!known) {
        const Result<AttestationPolicy> fallback = settings.defaultPolicy();
        effective = fallback ? Result<EffectivePolicy>(EffectivePolicy{fallback.value(), QStringLiteral("default")}) : Result<EffectivePolicy>(fallback.error());
    }
    if (!effective) {
        session.failed = true;
        finish(session, effective.error().message);
        return effective.error();
    }
    const bool passport = effective.value().policy == AttestationPolicy::Passport;
    if (!response.attestationPayload && effective.value().policy != AttestationPolicy::RegisteredKey) {
        if (!session.attestationAsked)
            return queryAgain(session, true,
                              QStringLiteral("%1: its policy (%2) requires %3: asked again with attestation")
                                  .arg(known ? known->deviceName : QStringLiteral("the agent"), effective.value().source,
                                       passport ? QStringLiteral("an attestation result") : QStringLiteral("evidence")));
        // A known device that proved its key gets its contact recorded; nothing else.
        const QString why = QStringLiteral("no evidence: the attestation policy (%1) requires it; the agent may have no attester "
                                           "(teepctl devices attestation-policy --group GROUP registered-key serves such devices by their registered key)")
                                .arg(effective.value().source);
        session.failed = true;
        finish(session, why);
        return std::optional<QByteArray>();
    }
    if (!response.attestationPayload && !known)
        return refuseUnverified(session,
                                QStringLiteral("unknown agent: %1; without evidence a device must be registered first "
                                               "(teepctl devices add NAME --agent-key FILE)")
                                    .arg(signer.problem),
                                QStringLiteral("unknown agent: register its key, or let it send evidence"));
    checks.append(check(QStringLiteral("attestation policy"), attestation::Outcome::Pass,
                           QStringLiteral("%1 (%2)").arg(attestationPolicyText(effective.value().policy), effective.value().source)));

    // 3. The evidence, when there is some: the attestation certificate (x5chain) against the TEE
    // root CAs, then the EAT.
    crypto::Key agentKey = signer.key;
    crypto::Certificate attestationCertificate;
    bool attested = false;
    QString trustVector;
    if (passport && response.attestationPayload) {
        // The passport model: a verifier appraised the device, its signed result (EAR) is what the
        // agent brings. It names no agent key: only a registered device, known by its key, is served.
        const attestation::Appraisal result = appraisePassport(m_db, m_clock, *response.attestationPayload, response.attestationPayloadFormat,
                                                               session.challenge.isEmpty() ? session.token : session.challenge);
        for (const attestation::Check &c : result.checks) {
            checks.append(check(QStringLiteral("attestation result: ") + c.name, c.outcome, c.detail));
            trusted = trusted && c.outcome != attestation::Outcome::Fail;
        }
        if (result.status == attestation::Appraisal::Status::Malformed || result.status == attestation::Appraisal::Status::NotVerified)
            trusted = false;
        attested = trusted && (result.status == attestation::Appraisal::Status::Affirming || result.status == attestation::Appraisal::Status::Warning);
        trustVector = encodeTrustVector(result.vector);
        if (!known)
            fail(QStringLiteral("passport"), QStringLiteral("an attestation result names no agent key: register the device first (teepctl devices add NAME --agent-key FILE)"));
    } else if (response.attestationPayload && !response.attestationPayloadFormat.isEmpty()) {
        const Result<QStringList> formats = settings.evidenceFormats();
        const QString format = TeepSettings::normalizedFormat(response.attestationPayloadFormat);
        const bool appraised = formats && std::any_of(formats.value().cbegin(), formats.value().cend(),
                                                       [&](const QString &f) { return TeepSettings::normalizedFormat(f) == format; });
        if (!appraised)
            fail(QStringLiteral("evidence format"),
                 QStringLiteral("%1 is not a format this TAM appraises (%2; teepctl tam evidence-formats adds one)")
                     .arg(response.attestationPayloadFormat.left(120), formats ? formats.value().join(QStringLiteral(", ")) : formats.error().message));
    }
    const bool sgxQuote = response.attestationPayload && !passport &&
                          TeepSettings::normalizedFormat(response.attestationPayloadFormat) == QLatin1String(attestation::sgx::kBundleFormat);
    QString learnedName;
    if (sgxQuote) {
        // An SGX DCAP quote: the PCK chain it carries against the TEE root CAs (the Intel SGX Root
        // CA), its report data binding the agent key and this challenge, the enclave against the
        // reference values and the platform against Intel's collateral.
        attestation::sgx::VerifiedSgx verified;
        const QByteArray nonce = session.challenge.isEmpty() ? session.token : session.challenge;
        const attestation::Appraisal appraisal = appraiseSgxEvidence(m_db, m_clock, *response.attestationPayload, nonce, agentKey, std::nullopt, &verified);
        for (const attestation::Check &c : appraisal.checks) {
            checks.append(check(QStringLiteral("evidence: ") + c.name, c.outcome, c.detail));
            trusted = trusted && c.outcome != attestation::Outcome::Fail;
        }
        attested = verified.verified && appraisal.status != attestation::Appraisal::Status::Malformed &&
                   appraisal.status != attestation::Appraisal::Status::NotVerified;
        trusted = trusted && attested;
        if (verified.verified) {
            attestationCertificate = verified.pckCertificate;
            trustVector = encodeTrustVector(appraisal.vector);
            learnedName = QStringLiteral("SGX %1").arg(QString::fromLatin1(verified.pck.ppid.toHex().left(8)));
            if (agentKey.isNull())
                agentKey = verified.boundAgentKey;
        }
        if (agentKey.isNull())
            fail(QStringLiteral("agent key"), QStringLiteral("the quote binds no agent key it could be verified with"));
    } else if (response.attestationPayload && !passport) {
        const Result<QCborValue> eat = cbor::decodeStrict(*response.attestationPayload);
        const Result<crypto::cose::SignedObject> eatObject = eat ? crypto::cose::parse(eat.value()) : Result<crypto::cose::SignedObject>(eat.error());
        const QList<QByteArray> chain = eatObject ? eatObject.value().body.x5chain : QList<QByteArray>();
        const Result<crypto::Certificate> leaf = chain.isEmpty() ? Result<crypto::Certificate>(Error{QStringLiteral("eat.x5chain"), QStringLiteral("no x5chain")})
                                                                 : crypto::Certificate::fromDer(chain.first());
        QList<crypto::Certificate> intermediates;
        for (const QByteArray &der : chain.mid(1)) {
            if (const Result<crypto::Certificate> certificate = crypto::Certificate::fromDer(der))
                intermediates << certificate.value();
        }
        const auto teeRoots = store::TrustAnchors(m_db, m_clock, QString()).certificates(crypto::TrustStore::TeeRoot);
        crypto::ChainVerifier verifier(teeRoots ? teeRoots.value() : QList<crypto::Certificate>(), m_clock);
        verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
        const crypto::ChainResult chainResult = leaf ? verifier.verify(leaf.value(), intermediates) : crypto::ChainResult{};
        if (!leaf || !chainResult.ok) {
            fail(QStringLiteral("attestation certificate chain"), leaf ? chainResult.message : leaf.error().message);
        } else {
            attestationCertificate = leaf.value();
            checks.append(check(QStringLiteral("attestation certificate chain"), attestation::Outcome::Pass,
                                   QStringLiteral("issued by %1").arg(leaf.value().issuer())));
            // A device not known yet: its agent key is the one the verified evidence binds (cnf).
            const QByteArray nonce = session.challenge.isEmpty() ? session.token : session.challenge;
            const attestation::EvidenceVerification evidence =
                attestation::verifyEvidence(*response.attestationPayload, leaf.value().publicKey(), policy, nonce, agentKey);
            if (agentKey.isNull())
                agentKey = evidence.boundAgentKey;
            QList<attestation::Check> all = evidence.checks;
            // The claims against what the operator expects of this device model (only when the
            // evidence itself verified: unverified claims are not worth comparing).
            if (evidence.passed()) {
                const attestation::Appraisal appraisal = appraiseClaims(m_db, m_clock, evidence.claims);
                all << appraisal.checks;
                trustVector = encodeTrustVector(appraisal.vector);
            }
            for (const attestation::Check &c : all) {
                checks.append(check(QStringLiteral("evidence: ") + c.name, c.outcome, c.detail));
                trusted = trusted && c.outcome != attestation::Outcome::Fail;
            }
            attested = evidence.passed();
            if (agentKey.isNull())
                fail(QStringLiteral("agent key"), QStringLiteral("the evidence binds no agent key (cnf)"));
        }
    }
    // 4. A device learned from its evidence: the QueryResponse must be signed by the key it binds.
    if (!known) {
        const Result<QByteArray> thumbprint = agentKey.isNull() ? Result<QByteArray>(Error{}) : crypto::coseKeyThumbprint(agentKey);
        if (agentKey.isNull() || !trusted) {
            session.failed = true;
            finish(session, QStringLiteral("unknown agent refused (%1); nothing installed, nothing recorded").arg(failedChecks(checks)));
            return std::optional<QByteArray>();
        }
        QString unsigned_;
        if (!kid.isEmpty() && (!thumbprint || thumbprint.value() != kid))
            unsigned_ = QStringLiteral("signed by another key (kid) than the attested agent key");
        else if (const Status verified = crypto::cose::verify(object, agentKey, policy); !verified)
            unsigned_ = verified.error().message;
        if (!unsigned_.isEmpty())
            return refuseUnverified(session, QStringLiteral("QueryResponse signature: %1").arg(unsigned_),
                                    QStringLiteral("the QueryResponse is not signed by the attested agent key: %1").arg(unsigned_));
        checks.append(check(QStringLiteral("QueryResponse signature"), attestation::Outcome::Pass, QStringLiteral("by the attested agent key")));
    } else {
        checks.append(check(QStringLiteral("QueryResponse signature"), attestation::Outcome::Pass,
                               QStringLiteral("by the registered agent key of %1%2").arg(known->deviceName, kid.isEmpty() ? QStringLiteral(" (no kid: found by its signature)") : QString())));
    }
    if (!response.suitReports.isEmpty())
        session.notes << suitReportsNote(response.suitReports);
    const bool warned = anyWarned(checks);
    const Tier tier = !trusted ? Tier::Contraindicated : !attested ? Tier::Identified : warned ? Tier::Warning : Tier::Affirming;
    TeeRecord record;
    if (known) {
        record = *known;
    } else {
        const Result<QByteArray> thumbprint = crypto::coseKeyThumbprint(agentKey);
        const Result<TeeRecord> learned = !thumbprint ? Result<TeeRecord>(thumbprint.error())
                                          : sgxQuote  ? m_devices.learnTeepDevice(agentKey, thumbprint.value(), attestationCertificate,
                                                                                  learnedName + QLatin1Char('-') + QString::fromLatin1(thumbprint.value().toHex().left(8)),
                                                                                  QStringLiteral("verified SGX quote (report data)"))
                                                      : m_devices.learnTeepDevice(agentKey, thumbprint.value(), attestationCertificate);
        if (!learned) {
            session.failed = true;
            finish(session, learned.error().message);
            return std::optional<QByteArray>();
        }
        record = learned.value();
    }
    session.device = record.deviceName;
    session.deviceId = record.deviceId;
    session.teeId = record.teeId;
    session.agentKey = agentKey;
    const QString admittedBy = QStringLiteral("%1 (%2)").arg(attestationPolicyName(effective.value().policy), effective.value().source);
    if (const Status recorded = m_contacts.recordAttestation(record.teeId, session.id, tier, checks, admittedBy, trustVector); !recorded) {
        session.failed = true;
        finish(session, QStringLiteral("the attestation result could not be saved: %1; nothing installed").arg(recorded.error().message));
        return recorded.error();
    }
    saved(session, m_open.attach(session, record.deviceId, record.teeId), QStringLiteral("the session's device"));
    session.admitted = tier != Tier::Contraindicated;
    m_open.announce(SessionEvent::Kind::DeviceSeen, session, QStringLiteral("%1: TEEP agent %2").arg(session.device, tierName(tier)));
    if (tier == Tier::Contraindicated) {
        session.failed = true;
        finish(session, QStringLiteral("attestation failed (%1); nothing installed").arg(failedChecks(checks)));
        return std::optional<QByteArray>();
    }
    return planUpdate(session, record, response);
}

} // namespace teep::tam
