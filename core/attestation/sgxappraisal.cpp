#include "attestation/sgxappraisal.h"

#include "crypto/chainverifier.h"
#include "crypto/cosekey.h"
#include "crypto/openssl.h"
#include "crypto/pkiformats.h"
#include "crypto/signature.h"

#include <QCborMap>

#include <algorithm>

namespace teep::attestation::sgx {

namespace {

constexpr qint64 kSha256 = 1;
constexpr int kAgentPointSize = 64; // a P-256 agent key's x || y

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

// The grade of a TCB status as AR4SI's hardware claim says it.
std::pair<int, Outcome> hardwareTrust(const TcbVerdict &verdict)
{
    switch (tcbGrade(verdict.status)) {
    case TcbGrade::UpToDate:
        return {verdict.stale ? trust::Unapproved : trust::Affirmed, verdict.stale ? Outcome::Warn : Outcome::Pass};
    case TcbGrade::Degraded:
        return {trust::Unapproved, Outcome::Warn}; // genuine, with known vulnerabilities
    case TcbGrade::Revoked:
        break;
    }
    return {trust::Contraindicated, Outcome::Fail};
}

} // namespace

VerifiedSgx verifySgx(const QByteArray &bytes, const SgxAppraisalOptions &options)
{
    VerifiedSgx out;
    auto add = [&out](const QString &name, Outcome outcome, const QString &detail) { out.checks << Check{name, outcome, detail}; };
    auto malformed = [&](const Error &error) {
        add(QStringLiteral("format"), Outcome::Fail, error.toString());
        out.malformed = true;
        return out;
    };
    const Result<Bundle> bundle = parseBundle(bytes);
    if (!bundle)
        return malformed(bundle.error());
    const Result<Quote> quote = parseQuote(bundle.value().quote);
    if (!quote)
        return malformed(quote.error());
    out.quote = quote.value();
    if (out.quote.certificationDataType != kPckChainCertificationType)
        return malformed(Error{QStringLiteral("sgx.bad-quote"),
                               QStringLiteral("certification data type %1: only 5 (the PCK certificate chain in the quote) can be verified here")
                                   .arg(out.quote.certificationDataType)});
    const Result<QList<crypto::Certificate>> chain = crypto::parseCertificates(out.quote.certificationData);
    if (!chain || chain.value().isEmpty())
        return malformed(Error{QStringLiteral("sgx.bad-quote"), QStringLiteral("the certification data holds no PEM certificates%1").arg(chain ? QString() : QStringLiteral(": ") + chain.error().message)});
    if (bundle.value().rawReportData.size() <= kAgentPointSize || bundle.value().rawReportData.size() > kAgentPointSize + 1024)
        return malformed(Error{QStringLiteral("sgx.bad-bundle"),
                               QStringLiteral("raw-report-data is %1 bytes: the agent key's x || y (64) and the challenge expected").arg(bundle.value().rawReportData.size())});
    out.pckCertificate = chain.value().first();
    const Result<PckExtensions> pck = pckExtensions(out.pckCertificate);
    if (!pck)
        return malformed(pck.error());
    out.pck = pck.value();

    // Origin: each link, in order; the first that fails ends it (nothing later can be believed).
    crypto::ChainVerifier verifier(options.roots, *options.clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    const crypto::ChainResult pckChain = verifier.verify(out.pckCertificate, chain.value().mid(1));
    if (!pckChain.ok) {
        add(QStringLiteral("PCK certificate chain"), Outcome::Fail, pckChain.message + QStringLiteral(" (is the Intel SGX Root CA in the TEE root store?)"));
        return out;
    }
    add(QStringLiteral("PCK certificate chain"), Outcome::Pass, QStringLiteral("%1, issued by %2, to %3").arg(out.pckCertificate.commonName(), out.pckCertificate.issuer(), pckChain.path.last().commonName()));
    if (!crypto::verifyRaw(out.pckCertificate.publicKey(), crypto::SignatureScheme::EcdsaP256Sha256, out.quote.qeReportBytes, out.quote.qeReportSignature)) {
        add(QStringLiteral("QE report signature"), Outcome::Fail, QStringLiteral("the Quoting Enclave's report is not signed by the PCK key"));
        return out;
    }
    add(QStringLiteral("QE report signature"), Outcome::Pass, QStringLiteral("by the PCK key"));
    const QByteArray binding = crypto::sha256(out.quote.attestationKey + out.quote.qeAuthenticationData) + QByteArray(32, '\0');
    if (out.quote.qeReport.reportData != binding) {
        add(QStringLiteral("QE report data"), Outcome::Fail,
            QStringLiteral("the QE report's data is not SHA-256(attestation key || QE authentication data): it does not vouch for this attestation key"));
        return out;
    }
    add(QStringLiteral("QE report data"), Outcome::Pass, QStringLiteral("binds the attestation key"));
    const Result<crypto::Key> attestationKey = crypto::Key::fromEcPoint(out.quote.attestationKey.left(32), out.quote.attestationKey.mid(32));
    if (!attestationKey || !crypto::verifyRaw(attestationKey.value(), crypto::SignatureScheme::EcdsaP256Sha256, out.quote.signedBytes, out.quote.signature)) {
        add(QStringLiteral("signature"), Outcome::Fail,
            attestationKey ? QStringLiteral("the quote is not signed by the attestation key the Quoting Enclave vouches for") : attestationKey.error().message);
        return out;
    }
    add(QStringLiteral("signature"), Outcome::Pass, QStringLiteral("the quote, by the attestation key (ECDSA P-256)"));
    const QByteArray raw = bundle.value().rawReportData;
    if (out.quote.enclave.reportData != crypto::sha384(raw) + QByteArray(16, '\0')) {
        add(QStringLiteral("report data"), Outcome::Fail, QStringLiteral("the enclave's report data is not SHA-384(raw-report-data): the agent key and challenge are not the quoted ones"));
        return out;
    }
    add(QStringLiteral("report data"), Outcome::Pass, QStringLiteral("SHA-384 of the agent key and challenge, as quoted"));
    const Result<crypto::Key> bound = crypto::Key::fromEcPoint(raw.left(32), raw.mid(32, 32));
    if (!bound) {
        add(QStringLiteral("agent key"), Outcome::Fail, QStringLiteral("raw-report-data's first 64 bytes are not a P-256 point: %1").arg(bound.error().message));
        return out;
    }
    out.boundAgentKey = bound.value();
    out.verified = true;

    // What the verified quote binds: this agent, this session.
    if (!options.agentKey.isNull()) {
        if (options.agentKey.samePublicKey(bound.value()))
            add(QStringLiteral("agent key"), Outcome::Pass, QStringLiteral("the report data binds the agent's key"));
        else
            add(QStringLiteral("agent key"), Outcome::Fail, QStringLiteral("the report data binds another key than the agent's"));
    }
    const QByteArray challenge = raw.mid(kAgentPointSize);
    if (options.challenge.isEmpty())
        add(QStringLiteral("nonce"), Outcome::Warn, QStringLiteral("freshness not checked (no challenge given; the quote's is %1)").arg(hex(challenge)));
    else if (challenge == options.challenge)
        add(QStringLiteral("nonce"), Outcome::Pass, QStringLiteral("the report data binds this session's challenge"));
    else
        add(QStringLiteral("nonce"), Outcome::Fail, QStringLiteral("the report data binds challenge %1, not %2: a replayed or stale quote").arg(hex(challenge), hex(options.challenge)));

    // Revocation of the PCK chain, from the CRLs of the collateral.
    if (!options.collateral.crls.isEmpty()) {
        for (const crypto::Certificate &certificate : pckChain.path.mid(0, pckChain.path.size() - 1)) {
            const auto crl = std::find_if(options.collateral.crls.cbegin(), options.collateral.crls.cend(), [&](const crypto::Crl &c) { return c.issuedFor(certificate); });
            if (crl == options.collateral.crls.cend())
                add(QStringLiteral("revocation"), Outcome::Warn, QStringLiteral("no CRL from %1: %2 not checked").arg(certificate.issuer(), certificate.commonName()));
            else if (crl->revokes(certificate))
                add(QStringLiteral("revocation"), Outcome::Fail, QStringLiteral("%1 (serial %2) is revoked by the CRL of %3").arg(certificate.commonName(), certificate.serialHex(), crl->issuer()));
            else if (crl->nextUpdate().isValid() && crl->nextUpdate() < options.clock->now())
                add(QStringLiteral("revocation"), Outcome::Warn,
                    QStringLiteral("%1 is not on the CRL of %2, but that CRL is past its next update (%3): import a newer one")
                        .arg(certificate.commonName(), crl->issuer(), crl->nextUpdate().toString(Qt::ISODate)));
            else
                add(QStringLiteral("revocation"), Outcome::Pass, QStringLiteral("%1 is not on the CRL of %2").arg(certificate.commonName(), crl->issuer()));
        }
    }
    return out;
}

EvidenceFacts sgxFacts(const VerifiedSgx &verified)
{
    EvidenceFacts facts;
    facts.ueid = verified.pck.ppid;
    facts.hwmodel = verified.quote.enclave.mrSigner;
    facts.modelKind = QStringLiteral("MRSIGNER");
    facts.components << MeasuredComponent{QStringLiteral("MRENCLAVE"), QString::number(verified.quote.enclave.isvSvn), corim::Digest{kSha256, verified.quote.enclave.mrEnclave}}
                     << MeasuredComponent{QStringLiteral("MRSIGNER"), QString(), corim::Digest{kSha256, verified.quote.enclave.mrSigner}};
    return facts;
}

Appraisal appraiseVerifiedSgx(const VerifiedSgx &verified, const SgxAppraisalOptions &options, const QList<SourcedTriple> &references)
{
    if (verified.malformed || !verified.verified) {
        Appraisal refused;
        refused.checks = verified.checks;
        refused.status = verified.malformed ? Appraisal::Status::Malformed : Appraisal::Status::NotVerified;
        return refused;
    }
    EvidenceFacts facts = sgxFacts(verified);
    // An enclave trusted by its signer alone (references naming MRSIGNER, not MRENCLAVE) is not
    // told that its MRENCLAVE is unknown; with neither named, both are reported.
    const auto named = [&references](const QString &label) {
        return std::any_of(references.cbegin(), references.cend(), [&label](const SourcedTriple &reference) {
            return std::any_of(reference.triple.measurements.cbegin(), reference.triple.measurements.cend(), [&label](const corim::Measurement &m) { return m.label() == label; });
        });
    };
    if (named(QStringLiteral("MRENCLAVE")) || named(QStringLiteral("MRSIGNER")))
        facts.components.erase(std::remove_if(facts.components.begin(), facts.components.end(), [&named](const MeasuredComponent &c) { return !named(c.name); }),
                               facts.components.end());
    Appraisal appraisal = appraise(facts, references, verified.checks);
    // An enclave's class is its signer: the TCB, below, speaks for the hardware.
    for (Check &check : appraisal.checks)
        if (check.name == QLatin1String("hardware"))
            check.name = QStringLiteral("enclave signer");
    TrustVector &vector = appraisal.vector;
    const auto worsen = [&vector](const char *claim, int value, const QString &detail) {
        if (tierOf(value) == Tier::None)
            return;
        TrustClaim &current = vector[claim];
        if (current.value == trust::NoClaim || int(tierOf(value)) > int(current.tier()))
            current = TrustClaim{current.name, value, detail};
    };
    auto add = [&appraisal](const QString &name, Outcome outcome, const QString &detail) { appraisal.checks << Check{name, outcome, detail}; };
    const ReportBody &enclave = verified.quote.enclave;

    // Configuration: a debug enclave's memory is open to the host.
    if (enclave.debug()) {
        add(QStringLiteral("enclave attributes"), Outcome::Fail, QStringLiteral("DEBUG is set (attributes %1): the host can read the enclave's memory").arg(hex(enclave.attributes)));
        worsen("configuration", trust::Contraindicated, QStringLiteral("a debug enclave"));
    } else {
        add(QStringLiteral("enclave attributes"), Outcome::Pass, QStringLiteral("production enclave (attributes %1)").arg(hex(enclave.attributes)));
    }
    // The ISV SVN against the reference measurement that matched this enclave.
    for (const SourcedTriple &reference : references) {
        for (const corim::Measurement &measurement : reference.triple.measurements) {
            const bool ours = (measurement.label() == QLatin1String("MRENCLAVE") || measurement.label() == QLatin1String("MRSIGNER")) &&
                              std::any_of(measurement.digests.cbegin(), measurement.digests.cend(), [&](const corim::Digest &d) {
                                  return d.value == (measurement.label() == QLatin1String("MRENCLAVE") ? enclave.mrEnclave : enclave.mrSigner);
                              });
            if (!ours || !measurement.svn)
                continue;
            const bool fits = measurement.svnIsMinimum ? enclave.isvSvn >= *measurement.svn : enclave.isvSvn == *measurement.svn;
            const QString wanted = QStringLiteral("%1%2").arg(measurement.svnIsMinimum ? QStringLiteral("at least ") : QString()).arg(*measurement.svn);
            if (fits) {
                add(QStringLiteral("ISV SVN"), Outcome::Pass, QStringLiteral("%1, the reference values ask %2 (%3)").arg(enclave.isvSvn).arg(wanted, reference.source));
            } else {
                add(QStringLiteral("ISV SVN"), Outcome::Fail, QStringLiteral("%1, the reference values ask %2 (%3): an older, superseded enclave").arg(enclave.isvSvn).arg(wanted, reference.source));
                worsen("configuration", trust::Contraindicated, QStringLiteral("ISV SVN %1 where %2 is required").arg(enclave.isvSvn).arg(wanted));
            }
        }
    }
    // Hardware: the platform's and the Quoting Enclave's TCB, as Intel's collateral rates them.
    const QDateTime now = options.clock->now();
    const TcbVerdict platform = platformTcb(options.collateral, verified.pck, now);
    const TcbVerdict qe = quotingEnclaveTcb(options.collateral, verified.quote.qeReport, now);
    vector["hardware"] = TrustClaim{"hardware", trust::NoClaim, QString()}; // the TCB speaks for the platform, not a model match
    for (const auto &[name, verdict] : {std::pair{QStringLiteral("platform TCB"), platform}, std::pair{QStringLiteral("Quoting Enclave TCB"), qe}}) {
        if (!verdict.known) {
            add(name, Outcome::Warn, QStringLiteral("unknown: %1; the tier is at most warning without it").arg(verdict.detail));
            worsen("hardware", trust::Unapproved, QStringLiteral("genuine SGX platform (PCK chain verified); TCB status unknown without Intel's collateral"));
            continue;
        }
        const auto [value, outcome] = hardwareTrust(verdict);
        add(name, outcome, verdict.detail);
        worsen("hardware", value, verdict.detail);
    }
    if (std::any_of(appraisal.checks.cbegin(), appraisal.checks.cend(), [](const Check &c) { return c.name == QLatin1String("revocation") && c.outcome == Outcome::Fail; }))
        worsen("hardware", trust::Contraindicated, QStringLiteral("a certificate of the PCK chain is revoked"));
    settle(appraisal);
    return appraisal;
}

Appraisal appraiseSgx(const QByteArray &bundle, const SgxAppraisalOptions &options, const QList<SourcedTriple> &references)
{
    return appraiseVerifiedSgx(verifySgx(bundle, options), options, references);
}

} // namespace teep::attestation::sgx
