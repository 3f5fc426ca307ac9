#include "tam/teepsettings.h"

#include "transport/listenaddress.h"

#include "crypto/cosesign.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "tam/deviceregistry.h"

namespace teep::tam {

using store::run;

namespace {
const QString kSuitesKey = QStringLiteral("teep.suites");
const QString kListenKey = QStringLiteral("listener.address");
const QString kTlsCertificateKey = QStringLiteral("listener.tls-certificate");
const QString kTlsKeyKey = QStringLiteral("listener.tls-key");
const QString kPolicyKey = QStringLiteral("attestation.policy");
const QString kUpdateLimitKey = QStringLiteral("teep.compatible-update-limit");
const QString kByUriAboveKey = QStringLiteral("teep.payload-by-uri-above");
const QString kEvidenceFormatsKey = QStringLiteral("teep.evidence-formats");
const QString kSingleSignatureKey = QStringLiteral("teep.rollover-single-signature-key");

} // namespace

QString teepSuitesName(TeepSuites suites)
{
    switch (suites) {
    case TeepSuites::Modern:
        return QStringLiteral("modern");
    case TeepSuites::Legacy:
        return QStringLiteral("legacy");
    case TeepSuites::Both:
        break;
    }
    return QStringLiteral("both");
}

Result<TeepSuites> parseTeepSuites(const QString &text)
{
    for (TeepSuites suites : {TeepSuites::Modern, TeepSuites::Legacy, TeepSuites::Both}) {
        if (text == teepSuitesName(suites))
            return suites;
    }
    return Error{QStringLiteral("tam.bad-suites"),
                 QStringLiteral("TEEP suites are modern (ESP256/Ed25519), legacy (ES256/EdDSA, agents older than RFC 9864) or both, not '%1'").arg(text)};
}

QString attestationPolicyName(AttestationPolicy policy)
{
    switch (policy) {
    case AttestationPolicy::Evidence:
        return QStringLiteral("evidence");
    case AttestationPolicy::RegisteredKey:
        return QStringLiteral("registered-key");
    case AttestationPolicy::Passport:
        break;
    }
    return QStringLiteral("passport");
}

Result<AttestationPolicy> parseAttestationPolicy(const QString &text)
{
    for (AttestationPolicy policy : {AttestationPolicy::Evidence, AttestationPolicy::RegisteredKey, AttestationPolicy::Passport}) {
        if (text == attestationPolicyName(policy))
            return policy;
    }
    return Error{QStringLiteral("tam.bad-policy"),
                 QStringLiteral("an attestation policy is evidence, registered-key or passport, not '%1'").arg(text)};
}

QString attestationPolicyText(AttestationPolicy policy)
{
    switch (policy) {
    case AttestationPolicy::Evidence:
        return QStringLiteral("evidence required (attested)");
    case AttestationPolicy::RegisteredKey:
        return QStringLiteral("registered key is enough (identified, not attested)");
    case AttestationPolicy::Passport:
        break;
    }
    return QStringLiteral("attestation result from a verifier (passport)");
}

QList<qint64> tamSigningAlgorithms(const crypto::Key &tamKey, TeepSuites suites)
{
    const bool ed25519 = tamKey.description() == QLatin1String("Ed25519");
    const qint64 modern = ed25519 ? crypto::cose::kEd25519 : crypto::cose::kESP256;
    const qint64 legacy = ed25519 ? crypto::cose::kEdDSA : crypto::cose::kES256;
    switch (suites) {
    case TeepSuites::Modern:
        return {modern};
    case TeepSuites::Legacy:
        return {legacy};
    case TeepSuites::Both:
        break;
    }
    return {modern, legacy};
}

TeepSettings::TeepSettings(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Status TeepSettings::upsertSetting(const QString &key, const QString &value)
{
    const auto stored = run(m_db, QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                            {key, value});
    return stored ? Status() : Status(stored.error());
}

Result<QString> TeepSettings::setting(const QString &key) const
{
    auto found = run(m_db, QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key});
    if (!found)
        return found.error();
    return found.value().next() ? found.value().value(0).toString() : QString();
}

Result<QString> TeepSettings::listenAddress() const
{
    return setting(kListenKey);
}

Status TeepSettings::setListenAddress(const QString &address)
{
    if (!address.trimmed().isEmpty()) {
        if (const auto parsed = transport::parseListenAddress(address); !parsed)
            return parsed.error();
    }
    return saveSetting(kListenKey, address.trimmed(), QStringLiteral("listener.address-set"));
}

Result<TeepSettings::TlsFiles> TeepSettings::tlsFiles() const
{
    const Result<QString> certificate = setting(kTlsCertificateKey);
    const Result<QString> key = setting(kTlsKeyKey);
    if (!certificate || !key)
        return certificate ? key.error() : certificate.error();
    return TlsFiles{certificate.value(), key.value()};
}

Status TeepSettings::setTlsFiles(const TlsFiles &files)
{
    if (files.certificate.isEmpty() != files.key.isEmpty())
        return Error{QStringLiteral("tam.tls"), QStringLiteral("HTTPS needs both the TLS certificate file and its key file, or neither")};
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, QStringLiteral("listener.tls-set"), QStringLiteral("setting"), kTlsCertificateKey,
                                          {{"certificate", files.certificate.toStdString()}, {"key", files.key.toStdString()}}, [&]() -> Status {
                                              if (const Status saved = upsertSetting(kTlsCertificateKey, files.certificate); !saved)
                                                  return saved;
                                              return upsertSetting(kTlsKeyKey, files.key);
                                          });
}

Result<TeepSuites> TeepSettings::suites() const
{
    const Result<QString> value = setting(kSuitesKey);
    if (!value)
        return value.error();
    return value.value().isEmpty() ? TeepSuites::Modern : parseTeepSuites(value.value());
}

Result<bool> TeepSettings::singleSignatureByNewKey() const
{
    const Result<QString> value = setting(kSingleSignatureKey);
    if (!value)
        return value.error();
    return value.value() == QLatin1String("new");
}

Status TeepSettings::setSingleSignatureByNewKey(bool byNewKey)
{
    return saveSetting(kSingleSignatureKey, byNewKey ? QStringLiteral("new") : QStringLiteral("previous"),
                       QStringLiteral("teep.rollover-single-signature-key-set"));
}

Status TeepSettings::saveSetting(const QString &key, const QString &value, const QString &action)
{
    return store::AuditLog::inTransaction(m_db, m_clock, m_actor, action, QStringLiteral("setting"), key, {{"value", value.toStdString()}},
                                          [&]() { return upsertSetting(key, value); });
}

Status TeepSettings::setSuites(TeepSuites suites)
{
    return saveSetting(kSuitesKey, teepSuitesName(suites), QStringLiteral("teep.suites-set"));
}

Result<qsizetype> TeepSettings::sizeSetting(const QString &key, qsizetype fallback) const
{
    const Result<QString> value = setting(key);
    if (!value)
        return value.error();
    if (value.value().isEmpty())
        return fallback;
    bool ok = false;
    const qlonglong bytes = value.value().toLongLong(&ok);
    if (!ok || bytes < 0)
        return Error{QStringLiteral("tam.bad-setting"), QStringLiteral("the setting %1 is not a size in bytes: '%2'").arg(key, value.value())};
    return qsizetype(bytes);
}

Result<qsizetype> TeepSettings::compatibleUpdateLimit() const
{
    return sizeSetting(kUpdateLimitKey, kDefaultCompatibleUpdateLimit);
}

Status TeepSettings::setCompatibleUpdateLimit(qsizetype bytes)
{
    // Below ~400 bytes not even one manifest by URI fits in a signed Update.
    if (bytes < 512 || bytes > 4 * 1024 * 1024)
        return Error{QStringLiteral("tam.bad-setting"), QStringLiteral("an Update limit is 512 bytes to 4 MiB, not %1").arg(bytes)};
    return saveSetting(kUpdateLimitKey, QString::number(bytes), QStringLiteral("teep.update-limit-set"));
}

Result<qsizetype> TeepSettings::payloadByUriAbove() const
{
    return sizeSetting(kByUriAboveKey, kDefaultPayloadByUriAbove);
}

Status TeepSettings::setPayloadByUriAbove(qsizetype bytes)
{
    if (bytes < 0 || bytes > 4 * 1024 * 1024)
        return Error{QStringLiteral("tam.bad-setting"), QStringLiteral("a size is 0 to 4 MiB, not %1").arg(bytes)};
    return saveSetting(kByUriAboveKey, QString::number(bytes), QStringLiteral("teep.payload-by-uri-set"));
}

Result<AttestationPolicy> TeepSettings::defaultPolicy() const
{
    const Result<QString> value = setting(kPolicyKey);
    if (!value)
        return value.error();
    return value.value().isEmpty() ? AttestationPolicy::Evidence : parseAttestationPolicy(value.value());
}

Status TeepSettings::setPolicy(const QString &group, std::optional<AttestationPolicy> policy)
{
    if (group.isEmpty() && !policy)
        return Error{QStringLiteral("tam.bad-policy"), QStringLiteral("the default attestation policy cannot be cleared, only changed")};
    const QString value = policy ? attestationPolicyName(*policy) : QString();
    const QString object = group.isEmpty() ? kPolicyKey : group;
    return store::AuditLog::inTransaction(
        m_db, m_clock, m_actor, QStringLiteral("attestation.policy-set"), group.isEmpty() ? QStringLiteral("setting") : QStringLiteral("group"), object,
        {{"policy", policy ? value.toStdString() : "default"}, {"group", group.toStdString()}}, [&]() -> Status {
            if (group.isEmpty())
                return upsertSetting(kPolicyKey, value);
            const Result<QVariant> groupId = ensureDeviceGroup(m_db, group);
            if (!groupId)
                return groupId.error();
            const auto stored = run(m_db, QStringLiteral("UPDATE device_groups SET attestation_policy = ? WHERE id = ?"),
                                    {policy ? QVariant(value) : QVariant(), groupId.value()});
            return stored ? Status() : Status(stored.error());
        });
}

QString TeepSettings::normalizedFormat(const QString &format)
{
    QStringList parts;
    for (const QString &part : format.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        parts << (eq < 0 ? part.trimmed().toLower() : part.left(eq).trimmed().toLower() + QLatin1Char('=') + part.mid(eq + 1).trimmed());
    }
    return parts.join(QLatin1Char(';'));
}

Result<QStringList> TeepSettings::evidenceFormats() const
{
    const Result<QString> value = setting(kEvidenceFormatsKey);
    if (!value)
        return value.error();
    return value.value().isEmpty() ? defaultEvidenceFormats() : value.value().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

Status TeepSettings::setEvidenceFormats(const QStringList &formats)
{
    if (formats.isEmpty() || formats.size() > 16)
        return Error{QStringLiteral("tam.bad-setting"), QStringLiteral("give 1 to 16 attestation payload formats")};
    for (const QString &format : formats) {
        if (!format.contains(QLatin1Char('/')) || format.size() > 256 || format.contains(QLatin1Char('\n')))
            return Error{QStringLiteral("tam.bad-setting"), QStringLiteral("'%1' is not a media type").arg(format.left(80))};
    }
    return saveSetting(kEvidenceFormatsKey, formats.join(QLatin1Char('\n')), QStringLiteral("teep.evidence-formats-set"));
}

Result<QList<std::pair<QString, AttestationPolicy>>> TeepSettings::groupPolicies() const
{
    auto rows = run(m_db, QStringLiteral("SELECT name, attestation_policy FROM device_groups WHERE attestation_policy IS NOT NULL ORDER BY name"));
    if (!rows)
        return rows.error();
    QList<std::pair<QString, AttestationPolicy>> out;
    while (rows.value().next()) {
        const Result<AttestationPolicy> policy = parseAttestationPolicy(rows.value().value(1).toString());
        if (!policy)
            return policy.error();
        out.append({rows.value().value(0).toString(), policy.value()});
    }
    return out;
}

Result<QList<std::pair<QString, std::optional<AttestationPolicy>>>> TeepSettings::allGroups() const
{
    auto rows = run(m_db, QStringLiteral("SELECT name, attestation_policy FROM device_groups ORDER BY name"));
    if (!rows)
        return rows.error();
    QList<std::pair<QString, std::optional<AttestationPolicy>>> out;
    while (rows.value().next()) {
        std::optional<AttestationPolicy> own;
        if (!rows.value().value(1).isNull()) {
            const Result<AttestationPolicy> policy = parseAttestationPolicy(rows.value().value(1).toString());
            if (!policy)
                return policy.error();
            own = policy.value();
        }
        out.append({rows.value().value(0).toString(), own});
    }
    return out;
}

Result<EffectivePolicy> TeepSettings::policyForDevice(qint64 deviceId) const
{
    auto row = run(m_db, QStringLiteral("SELECT g.name, g.attestation_policy FROM devices d LEFT JOIN device_groups g ON g.id = d.group_id WHERE d.id = ?"),
                   {deviceId});
    if (!row)
        return row.error();
    if (row.value().next() && !row.value().value(1).isNull()) {
        const Result<AttestationPolicy> policy = parseAttestationPolicy(row.value().value(1).toString());
        if (!policy)
            return policy.error();
        return EffectivePolicy{policy.value(), QStringLiteral("group %1").arg(row.value().value(0).toString())};
    }
    const Result<AttestationPolicy> policy = defaultPolicy();
    if (!policy)
        return policy.error();
    return EffectivePolicy{policy.value(), QStringLiteral("default")};
}

} // namespace teep::tam
