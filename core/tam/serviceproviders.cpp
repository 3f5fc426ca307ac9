#include "tam/serviceproviders.h"

#include "crypto/chainverifier.h"
#include "crypto/pkiformats.h"
#include "store/auditlog.h"
#include "suit/suitenvelope.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "store/trustanchors.h"

#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

#include <openssl/x509v3.h>

namespace teep::tam {

namespace {

Status validateSpid(const QString &spid)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (!pattern.match(spid).hasMatch())
        return Error{QStringLiteral("sp.bad-id"),
                     QStringLiteral("'%1' is not a valid SP id: use 1 to 64 letters, digits, '.', '_' or '-', "
                                    "starting with a letter or digit")
                         .arg(spid.left(80))};
    return {};
}

} // namespace

ServiceProviders::ServiceProviders(QSqlDatabase db, const Clock &clock, QString actor)
    : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor))
{
}

Result<ServiceProvider> ServiceProviders::add(const QString &spid, const QString &name)
{
    if (const Status valid = validateSpid(spid); !valid)
        return valid.error();
    if (name.trimmed().isEmpty() || name.size() > 128)
        return Error{QStringLiteral("sp.bad-name"), QStringLiteral("an SP needs a name of 1 to 128 characters")};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO service_providers (spid, name, created_at) VALUES (?, ?, ?)"));
    query.addBindValue(spid);
    query.addBindValue(name.trimmed());
    query.addBindValue(store::timestamp(m_clock));
    if (!query.exec())
        return store::sqlError(query).code == QLatin1String("store.unique")
                   ? Error{QStringLiteral("sp.duplicate"), QStringLiteral("an SP with id '%1' exists").arg(spid)}
                   : store::sqlError(query);
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("service-provider.added"),
                                                       QStringLiteral("service-provider"), spid,
                                                       {{"name", name.trimmed().toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(spid);
}

Result<ServiceProvider> ServiceProviders::addCertificate(const QString &spid, const QByteArray &data)
{
    const Result<ServiceProvider> sp = get(spid);
    if (!sp)
        return sp.error();
    const Result<QList<crypto::Certificate>> parsed = crypto::parseCertificates(data);
    if (!parsed)
        return parsed.error();
    const crypto::Certificate signer = parsed.value().first();
    if (signer.isCa())
        return Error{QStringLiteral("sp.signer-is-ca"),
                     QStringLiteral("'%1' is a CA certificate; add it under SP Signer CAs, and give the SP its "
                                    "end-entity signing certificate")
                         .arg(signer.subject())};
    const Result<QList<crypto::Certificate>> anchors =
        store::TrustAnchors(m_db, m_clock, m_actor).certificates(crypto::TrustStore::SpSigner);
    if (!anchors)
        return anchors.error();
    if (anchors.value().isEmpty())
        return Error{QStringLiteral("sp.no-signer-ca"),
                     QStringLiteral("the SP Signer CA store is empty; import the CA that issued '%1' first")
                         .arg(signer.subject())};
    crypto::ChainVerifier verifier(anchors.value(), m_clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    const crypto::ChainResult chain = verifier.verify(signer, parsed.value().mid(1));
    if (!chain.ok)
        return Error{QStringLiteral("sp.chain"),
                     QStringLiteral("the SP certificate does not chain to an SP Signer CA: %1").arg(chain.message)};

    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO sp_certificates (sp_id, certificate_der, fingerprint_sha256, not_after, added_at) "
                                 "VALUES (?, ?, ?, ?, ?)"));
    query.addBindValue(sp.value().id);
    query.addBindValue(signer.der());
    query.addBindValue(signer.fingerprintSha256());
    query.addBindValue(signer.notAfter().toString(Qt::ISODate));
    query.addBindValue(store::timestamp(m_clock));
    if (!query.exec())
        return store::sqlError(query).code == QLatin1String("store.unique")
                   ? Error{QStringLiteral("sp.duplicate-certificate"),
                           QStringLiteral("'%1' is already registered for an SP").arg(signer.subject())}
                   : store::sqlError(query);
    if (const Status audited = store::AuditLog::append(
            m_db, m_clock, m_actor, QStringLiteral("service-provider.certificate-added"), QStringLiteral("service-provider"),
            spid, {{"subject", signer.subject().toStdString()}, {"certificate_sha256", signer.fingerprintSha256().toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(spid);
}

Result<QStringList> ServiceProviders::retireCertificate(const QString &spid, const QString &fingerprintSha256)
{
    const Result<ServiceProvider> sp = get(spid);
    if (!sp)
        return sp.error();
    const QString wanted = fingerprintSha256.toLower().remove(QLatin1Char(':'));
    const auto match = std::find_if(sp.value().certificates.cbegin(), sp.value().certificates.cend(), [&](const crypto::Certificate &cert) {
        return cert.fingerprintSha256().toLower().remove(QLatin1Char(':')) == wanted;
    });
    if (match == sp.value().certificates.cend())
        return Error{QStringLiteral("sp.no-certificate"),
                     QStringLiteral("SP '%1' has no current signer certificate with SHA-256 fingerprint %2").arg(spid, fingerprintSha256)};
    if (sp.value().certificates.size() == 1)
        return Error{QStringLiteral("sp.last-certificate"),
                     QStringLiteral("'%1' is SP '%2''s only signer certificate: add its successor (sp add-cert) before retiring it")
                         .arg(match->subject(), spid)};
    const crypto::Certificate retiring = *match;
    // The versions it signed: their manifests verify with its key.
    QStringList signedBy;
    auto versions = store::run(m_db, QStringLiteral("SELECT a.name, v.sequence_number, v.manifest FROM ta_versions v JOIN trusted_apps a "
                                                    "ON a.id = v.ta_id WHERE a.sp_id = ? AND v.manifest IS NOT NULL ORDER BY a.name, v.sequence_number"),
                               {sp.value().id});
    if (!versions)
        return versions.error();
    while (versions.value().next()) {
        const Result<suit::Envelope> envelope = suit::parseEnvelope(versions.value().value(2).toByteArray());
        if (envelope && suit::verifyEnvelope(envelope.value(), retiring.publicKey()))
            signedBy << QStringLiteral("%1 v%2").arg(versions.value().value(0).toString()).arg(versions.value().value(1).toLongLong());
    }
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const auto retired = store::run(m_db, QStringLiteral("UPDATE sp_certificates SET retired_at = ? WHERE sp_id = ? AND fingerprint_sha256 = ?"),
                                    {store::timestamp(m_clock), sp.value().id, retiring.fingerprintSha256()});
    if (!retired)
        return retired.error();
    nlohmann::json toSignAgain = nlohmann::json::array();
    for (const QString &version : std::as_const(signedBy))
        toSignAgain.push_back(version.toStdString());
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("service-provider.certificate-retired"),
                                                       QStringLiteral("service-provider"), spid,
                                                       {{"subject", retiring.subject().toStdString()},
                                                        {"certificate_sha256", retiring.fingerprintSha256().toStdString()},
                                                        {"ta_versions_it_signed", toSignAgain}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return signedBy;
}

Status ServiceProviders::remove(const QString &spid)
{
    const Result<ServiceProvider> sp = get(spid);
    if (!sp)
        return sp.error();
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("DELETE FROM service_providers WHERE id = ?"));
    query.addBindValue(sp.value().id);
    if (!query.exec())
        return store::sqlError(query).code == QLatin1String("store.foreign-key")
                   ? Error{QStringLiteral("sp.in-use"),
                           QStringLiteral("SP '%1' still owns security domains or Trusted Applications; remove those first").arg(spid)}
                   : store::sqlError(query);
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("service-provider.removed"),
                                                       QStringLiteral("service-provider"), spid,
                                                       {{"name", sp.value().name.toStdString()}});
        !audited)
        return audited;
    return transaction.commit();
}

Result<QList<ServiceProvider>> ServiceProviders::list() const
{
    return select(QString());
}

Result<ServiceProvider> ServiceProviders::get(const QString &spid) const
{
    const Result<QList<ServiceProvider>> found = select(spid);
    if (!found)
        return found.error();
    if (found.value().isEmpty())
        return Error{QStringLiteral("sp.not-found"), QStringLiteral("no service provider with id '%1'").arg(spid)};
    return found.value().first();
}

// Every SP, or the one with `spid`, with its certificates.
Result<QList<ServiceProvider>> ServiceProviders::select(const QString &spid) const
{
    auto rows = spid.isNull() ? store::run(m_db, QStringLiteral("SELECT id, spid, name, created_at FROM service_providers ORDER BY name, spid"))
                              : store::run(m_db, QStringLiteral("SELECT id, spid, name, created_at FROM service_providers WHERE spid = ?"), {spid});
    if (!rows)
        return rows.error();
    QList<ServiceProvider> providers;
    while (rows.value().next())
        providers << ServiceProvider{rows.value().value(0).toLongLong(), rows.value().value(1).toString(), rows.value().value(2).toString(), {},
                                     QDateTime::fromString(rows.value().value(3).toString(), Qt::ISODateWithMs), {}};
    for (ServiceProvider &provider : providers) {
        auto certs = store::run(m_db, QStringLiteral("SELECT certificate_der, retired_at FROM sp_certificates WHERE sp_id = ? ORDER BY id"), {provider.id});
        if (!certs)
            return certs.error();
        while (certs.value().next()) {
            if (Result<crypto::Certificate> cert = crypto::Certificate::fromDer(certs.value().value(0).toByteArray()))
                (certs.value().value(1).isNull() ? provider.certificates : provider.retired) << cert.value();
        }
    }
    return providers;
}

} // namespace teep::tam
