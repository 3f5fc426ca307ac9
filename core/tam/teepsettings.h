#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/key.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

// How the TAM serves TEEP agents, as the operator set it (kept in the database, shared by the
// console and `teepctl serve`):
// - which signature algorithms its messages carry and offer. A QueryRequest goes out before the
//   TAM knows the device, so this is a listener-wide choice, not a per-device one;
// - what a device must prove before it gets anything: evidence (an EAT the TAM appraises), or its
//   registered agent key alone (a lower tier: "identified, not attested"), per device group with
//   a default. "passport" (an attestation result from a verifier) is reserved for the appraisal
//   work and refused until then.
namespace teep::tam {

// The signature algorithms of the TAM's TEEP messages. Modern: ESP256/Ed25519 (RFC 9864);
// legacy: ES256/EdDSA, what agents older than RFC 9864 know; both: a COSE_Sign carrying one
// signature of each kind, and both suites offered.
enum class TeepSuites { Modern, Legacy, Both };

enum class AttestationPolicy { Evidence, RegisteredKey, Passport };

QString teepSuitesName(TeepSuites suites);             // "modern", "legacy", "both"
Result<TeepSuites> parseTeepSuites(const QString &text);
QString attestationPolicyName(AttestationPolicy policy); // "evidence", "registered-key", "passport"
Result<AttestationPolicy> parseAttestationPolicy(const QString &text);
// What the policy means, for lists and hints: "registered key is enough (identified, not attested)".
QString attestationPolicyText(AttestationPolicy policy);

// The COSE algorithms the TAM's key signs with under `suites`, in the order they are offered:
// ESP256 then ES256 for a P-256 key, Ed25519 then EdDSA for an Ed25519 key.
QList<qint64> tamSigningAlgorithms(const crypto::Key &tamKey, TeepSuites suites);

// A device's policy and where it came from ("group line-7", "default").
struct EffectivePolicy
{
    AttestationPolicy policy = AttestationPolicy::Evidence;
    QString source;
};

class TeepSettings
{
public:
    TeepSettings(QSqlDatabase db, const Clock &clock, QString actor);

    Result<TeepSuites> suites() const;
    Status setSuites(TeepSuites suites);
    // During a key rollover's overlap, a listener with the legacy suites (deployed agents, which
    // take one COSE_Sign1 and verify it with the TAM key built into them) signs with one key: the
    // previous one (the default: what the fleet has) or, once the operator says the agents have
    // the new key, the new one. Other listeners carry a signature by each key (COSE_Sign).
    Result<bool> singleSignatureByNewKey() const;
    Status setSingleSignatureByNewKey(bool byNewKey);

    // The largest signed Update a device with the compatibility profile is sent (deployed
    // agents receive into 1,024 bytes); what does not fit follows in later rounds.
    static constexpr qsizetype kDefaultCompatibleUpdateLimit = 1024;
    Result<qsizetype> compatibleUpdateLimit() const;
    Status setCompatibleUpdateLimit(qsizetype bytes);
    // A TA whose integrated manifest is larger than this goes to every device by URI.
    static constexpr qsizetype kDefaultPayloadByUriAbove = 256 * 1024;
    // The attestation-payload-formats the TAM appraises (TEEP's EAT profile; its URN changes when
    // the RFC is published, so the operator can add the new one). An absent format is TEEP's EAT.
    static QStringList defaultEvidenceFormats() { return {QStringLiteral("application/eat+cwt; eat_profile=urn:ietf:rfc:rfcXXXX")}; }
    Result<QStringList> evidenceFormats() const;
    Status setEvidenceFormats(const QStringList &formats);
    // Media types compare case-insensitively and without the blanks around ';' and '='.
    static QString normalizedFormat(const QString &format);
    Result<qsizetype> payloadByUriAbove() const;
    Status setPayloadByUriAbove(qsizetype bytes);

    // The default policy (group empty) or a group's (a null policy clears it: the default applies).
    Result<AttestationPolicy> defaultPolicy() const;
    Status setPolicy(const QString &group, std::optional<AttestationPolicy> policy);
    // group name -> its own policy, for the groups that have one.
    Result<QList<std::pair<QString, AttestationPolicy>>> groupPolicies() const;
    // Every device group, with its own policy if it has one (none: it follows the default).
    Result<QList<std::pair<QString, std::optional<AttestationPolicy>>>> allGroups() const;
    Result<EffectivePolicy> policyForDevice(qint64 deviceId) const;

    // Where the TAM listens (ADDRESS:PORT) and its HTTPS files (paths; the key file stays where
    // the operator keeps it, never in the database), for the console's listener and `teepctl
    // serve` alike (its options win). Empty: not set (the console takes a free port on
    // 127.0.0.1, teepctl serve 127.0.0.1:8765; plain HTTP).
    Result<QString> listenAddress() const;
    Status setListenAddress(const QString &address); // validated; "" clears
    struct TlsFiles
    {
        QString certificate;
        QString key;
        bool isEmpty() const { return certificate.isEmpty(); }
    };
    Result<TlsFiles> tlsFiles() const;
    Status setTlsFiles(const TlsFiles &files); // both or neither

private:
    Result<QString> setting(const QString &key) const;
    Result<qsizetype> sizeSetting(const QString &key, qsizetype fallback) const;
    Status saveSetting(const QString &key, const QString &value, const QString &action); // audited, one transaction
    Status upsertSetting(const QString &key, const QString &value);                       // inside the caller's

    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
