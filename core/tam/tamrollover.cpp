#include "tam/tamrollover.h"

#include "crypto/certbuilder.h"
#include "store/auditlog.h"
#include "store/keystore.h"
#include "store/sql.h"
#include "store/transaction.h"

namespace teep::tam {

namespace {

Error rolloverError(const QString &message)
{
    return Error{QStringLiteral("tam.rollover"), message};
}

// A TAM certificate for `key` under the root CA the current identity was issued by (whose key
// this console made and holds), carrying the same TAM id.
Result<crypto::Certificate> issueUnderSameRoot(const TamIdentity &current, const crypto::Key &rootKey, const crypto::Key &key,
                                               const RolloverOptions &options, const Clock &clock)
{
    const crypto::Certificate &root = current.chain.last();
    const QDateTime now = clock.now().toUTC();
    crypto::CertificateSpec spec;
    spec.commonName = options.name;
    spec.profile = crypto::CertificateProfile::TamSigning;
    if (current.tamId.startsWith(QLatin1String("oid:")))
        spec.registeredIds = {current.tamId.mid(4)};
    else
        spec.uris = {current.tamId};
    spec.notBefore = now.addSecs(-60);
    spec.notAfter = std::min(now.addYears(options.tamValidityYears), root.notAfter());
    return crypto::issueCertificate(spec, key, rootKey, root);
}

} // namespace

TamRollover::TamRollover(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QString actor)
    : m_db(std::move(db)), m_keys(keys), m_clock(clock), m_actor(std::move(actor))
{
}

Result<TamIdentity> TamRollover::rollover(const RolloverOptions &options)
{
    TamIdentities identities(m_db, m_keys, m_clock, m_actor);
    const Result<TamIdentity> current = identities.active();
    if (!current)
        return current.error();
    if (current.value().state != QLatin1String("ready"))
        return rolloverError(QStringLiteral("the active TAM identity '%1' has no certificate yet: nothing to roll over").arg(current.value().name));
    if (options.name == current.value().name)
        return rolloverError(QStringLiteral("the new identity needs a name of its own ('%1' is the current one)").arg(options.name));
    if (options.overlapDays < 1 || options.overlapDays > 3650)
        return rolloverError(QStringLiteral("the overlap is 1 to 3650 days, not %1").arg(options.overlapDays));
    if (!options.newRoot && (current.value().rootKeyId == 0 || current.value().chain.isEmpty()))
        return rolloverError(QStringLiteral("the root CA of '%1' was not made here (imported, or issued by an external CA), so its key "
                                            "is not here: roll over with a new root, or have your CA issue a certificate for a CSR "
                                            "(teepctl tam csr --tam-id %2) and install it")
                                 .arg(current.value().name, current.value().tamId));
    if (options.key && !options.key->hasPrivateKey())
        return rolloverError(QStringLiteral("the new TAM key has no private key: the TAM signs with it"));

    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    Result<TamIdentity> made = Error{};
    if (options.newRoot) {
        GenerateOptions generate;
        generate.name = options.name;
        generate.tamId = current.value().tamId;
        generate.algorithm = options.algorithm;
        generate.tamValidityYears = options.tamValidityYears;
        generate.demoUnprotected = current.value().demoUnprotected;
        generate.existingKey = options.key;
        made = identities.generate(generate);
    } else {
        const Result<crypto::Key> rootKey = m_keys.load(current.value().rootKeyId);
        if (!rootKey)
            return rootKey.error();
        const Result<crypto::Key> key = options.key ? Result<crypto::Key>(*options.key) : crypto::Key::generate(options.algorithm);
        if (!key)
            return key.error();
        const Result<crypto::Certificate> leaf = issueUnderSameRoot(current.value(), rootKey.value(), key.value(), options, m_clock);
        if (!leaf)
            return leaf.error();
        made = identities.importExisting(options.name, {leaf.value(), current.value().chain.last()}, key.value());
        if (made) {
            const auto kept = store::run(m_db, QStringLiteral("UPDATE tam_identities SET root_key_id = ? WHERE id = ?"),
                                         {current.value().rootKeyId, made.value().id});
            if (!kept)
                return kept.error();
        }
    }
    if (!made)
        return made.error();
    const QDateTime until = m_clock.now().toUTC().addDays(options.overlapDays);
    const auto overlap = store::run(m_db, QStringLiteral("UPDATE tam_identities SET overlap_until = ? WHERE id = ?"),
                                    {store::isoUtc(until), current.value().id});
    if (!overlap)
        return overlap.error();
    if (const Status audited = store::AuditLog::append(
            m_db, m_clock, m_actor, QStringLiteral("tam-identity.rolled-over"), QStringLiteral("tam-identity"), QString::number(made.value().id),
            {{"from", current.value().name.toStdString()},
             {"to", options.name.toStdString()},
             {"tam_id", current.value().tamId.toStdString()},
             {"root", options.newRoot ? "new" : "same"},
             {"key_source", !options.key ? "generated" : options.key->isInToken() ? "pkcs11 token" : "imported"},
             {"previous_certificate_sha256", current.value().certificate.fingerprintSha256().toStdString()},
             {"overlap_until", store::isoUtc(until).toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return identities.get(made.value().id);
}

Status TamRollover::retire(const QString &name)
{
    const TamIdentities identities(m_db, m_keys, m_clock, m_actor);
    const Result<TamIdentity> identity = identities.byName(name);
    if (!identity)
        return identity.error();
    if (identity.value().active)
        return rolloverError(QStringLiteral("'%1' is the active TAM identity: roll over to a new one before retiring it").arg(name));
    if (!identity.value().inOverlap())
        return rolloverError(QStringLiteral("'%1' is not signing beside a newer identity (state %2): only a rolled-over identity is retired")
                                 .arg(name, identity.value().state));
    const Result<RolloverStatus> seen = status();
    if (!seen)
        return seen.error();
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    const auto retired = store::run(m_db, QStringLiteral("UPDATE tam_identities SET state = 'retired', overlap_until = NULL WHERE id = ?"),
                                    {identity.value().id});
    if (!retired)
        return retired.error();
    if (const Status audited = store::AuditLog::append(
            m_db, m_clock, m_actor, QStringLiteral("tam-identity.retired"), QStringLiteral("tam-identity"), QString::number(identity.value().id),
            {{"name", name.toStdString()},
             {"certificate_sha256", identity.value().certificate.fingerprintSha256().toStdString()},
             {"devices", seen.value().devices},
             {"devices_talked_since_rollover", seen.value().talkedSince}});
        !audited)
        return audited;
    return transaction.commit();
}

Result<RolloverStatus> TamRollover::status() const
{
    const TamIdentities identities(m_db, m_keys, m_clock, m_actor);
    const Result<QList<TamIdentity>> all = identities.list();
    if (!all)
        return all.error();
    RolloverStatus status;
    for (const TamIdentity &identity : all.value()) {
        if (identity.active)
            status.current = identity;
        else if (identity.inOverlap())
            status.overlapping << identity;
    }
    if (!status.current.active)
        return Error{QStringLiteral("tam.no-identity"), QStringLiteral("no TAM identity yet: generate one, import one, or create a CSR")};
    status.since = status.current.createdAt;
    const QString since = store::isoUtc(status.since);
    auto devices = store::run(m_db, QStringLiteral("SELECT COUNT(*) FROM devices"));
    if (!devices)
        return devices.error();
    status.devices = devices.value().next() ? devices.value().value(0).toLongLong() : 0;
    auto talked = store::run(m_db, QStringLiteral("SELECT COUNT(DISTINCT device_id) FROM sessions WHERE state = 'completed' AND started_at >= ? "
                                                  "AND device_id IS NOT NULL"),
                             {since});
    if (!talked)
        return talked.error();
    status.talkedSince = talked.value().next() ? talked.value().value(0).toLongLong() : 0;
    const Result<QStringList> notYet = store::column(
        m_db,
        QStringLiteral("SELECT d.name FROM devices d WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.device_id = d.id AND "
                       "s.state = 'completed' AND s.started_at >= ?) ORDER BY d.name LIMIT %1")
            .arg(RolloverStatus::kNotYetSeenShown),
        {since});
    if (!notYet)
        return notYet.error();
    status.notYetSeen = notYet.value();
    return status;
}

} // namespace teep::tam
