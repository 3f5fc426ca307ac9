#include "tam/tamidentity.h"

#include "crypto/certbuilder.h"
#include "crypto/chainverifier.h"
#include "crypto/pkiformats.h"
#include "store/auditlog.h"
#include "store/keystore.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "store/trustanchors.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <openssl/x509v3.h>

namespace teep::tam {

using crypto::Certificate;
using crypto::Key;

namespace {

const QString kSelect = QStringLiteral(
    "SELECT t.id, t.name, t.tam_id, t.state, t.certificate_der, t.ca_chain_pem, t.csr_der, t.key_id, "
    "COALESCE(t.root_key_id, 0), t.is_active, t.created_at, k.protection, t.overlap_until "
    "FROM tam_identities t JOIN private_keys k ON k.id = t.key_id");

using store::sqlError;

// A failed INSERT into tam_identities: a taken name is the one failure a user can act on.
Error insertError(const QSqlQuery &query, const QString &name)
{
    if (sqlError(query).code == QLatin1String("store.unique"))
        return Error{QStringLiteral("tam.duplicate"), QStringLiteral("a TAM identity named '%1' exists").arg(name)};
    return sqlError(query);
}

Status validateName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > 64)
        return Error{QStringLiteral("tam.name"), QStringLiteral("a TAM identity needs a name of 1 to 64 characters")};
    return {};
}

// The TAM certificate and its issuers, checked: the leaf belongs to `key`, is no CA, carries a
// TAM id, and chains to a root in the input or in the TAM root CA store.
struct CheckedChain
{
    Certificate leaf;
    QList<Certificate> issuers;
    QList<Certificate> newRoots;
    QString tamId;
};

Result<CheckedChain> checkTamChain(const QList<Certificate> &certificates, const Key &key,
                                   const QList<Certificate> &storedRoots, const Clock &clock)
{
    CheckedChain checked;
    for (const Certificate &cert : certificates) {
        if (checked.leaf.isNull() && cert.publicKey().samePublicKey(key))
            checked.leaf = cert;
        else
            checked.issuers << cert;
    }
    if (checked.leaf.isNull())
        return Error{QStringLiteral("tam.key-mismatch"),
                     QStringLiteral("none of the certificates belongs to the TAM's private key")};
    if (checked.leaf.isCa())
        return Error{QStringLiteral("tam.leaf-is-ca"),
                     QStringLiteral("'%1' is a CA certificate; the TAM signs with an end-entity certificate")
                         .arg(checked.leaf.subject())};
    checked.tamId = tamIdFromCertificate(checked.leaf);
    if (checked.tamId.isEmpty())
        return Error{QStringLiteral("tam.no-tam-id"),
                     QStringLiteral("'%1' carries no TAM id: its subjectAltName needs a URI or a registeredID")
                         .arg(checked.leaf.subject())};
    QList<Certificate> anchors = storedRoots;
    for (const Certificate &cert : checked.issuers) {
        if (cert.isSelfIssued() && cert.isCa()) {
            anchors << cert;
            checked.newRoots << cert;
        }
    }
    crypto::ChainVerifier verifier(anchors, clock);
    verifier.setRequiredLeafKeyUsage(KU_DIGITAL_SIGNATURE);
    const crypto::ChainResult chain = verifier.verify(checked.leaf, checked.issuers);
    if (!chain.ok)
        return Error{QStringLiteral("tam.chain"),
                     QStringLiteral("the TAM certificate does not chain to a TAM root CA given with it or "
                                    "already in the TAM root CA store: %1")
                         .arg(chain.message)};
    checked.issuers = chain.path.mid(1); // in order, up to the root
    return checked;
}

} // namespace

TamIdentities::TamIdentities(QSqlDatabase db, store::KeyStore &keys, const Clock &clock, QString actor)
    : m_db(std::move(db)), m_keys(keys), m_clock(clock), m_actor(std::move(actor))
{
}

Result<TamIdentity> TamIdentities::generate(const GenerateOptions &options)
{
    if (const Status valid = validateName(options.name); !valid)
        return valid.error();
    const QString tamId = options.tamId.isEmpty()
                              ? QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces)
                              : options.tamId;
    if (options.existingKey && !options.existingKey->hasPrivateKey())
        return Error{QStringLiteral("tam.no-private-key"), QStringLiteral("the TAM key to adopt has no private key: the TAM signs with it")};
    if (options.existingRootKey && !options.existingRootKey->hasPrivateKey())
        return Error{QStringLiteral("tam.no-private-key"), QStringLiteral("the root CA key to use has no private key: the root signs with it")};
    Result<Key> rootKey = options.existingRootKey ? Result<Key>(*options.existingRootKey) : Key::generate(options.algorithm);
    Result<Key> tamKey = options.existingKey ? Result<Key>(*options.existingKey) : Key::generate(options.algorithm);
    if (!rootKey || !tamKey)
        return rootKey ? tamKey.error() : rootKey.error();

    const QDateTime now = m_clock.now().toUTC();
    crypto::CertificateSpec rootSpec;
    rootSpec.commonName = options.name.left(56) + QStringLiteral(" Root CA");
    rootSpec.organization = options.organization;
    rootSpec.profile = crypto::CertificateProfile::RootCa;
    rootSpec.pathLength = 0;
    rootSpec.notBefore = now.addSecs(-60);
    rootSpec.notAfter = now.addYears(options.rootValidityYears);
    const Result<Certificate> root = crypto::issueCertificate(rootSpec, rootKey.value(), rootKey.value());
    if (!root)
        return root.error();
    crypto::CertificateSpec tamSpec;
    tamSpec.commonName = options.name;
    tamSpec.organization = options.organization;
    tamSpec.profile = crypto::CertificateProfile::TamSigning;
    tamSpec.uris = {tamId};
    tamSpec.notBefore = rootSpec.notBefore;
    tamSpec.notAfter = now.addYears(options.tamValidityYears);
    const Result<Certificate> tam = crypto::issueCertificate(tamSpec, tamKey.value(), rootKey.value(), root.value());
    if (!tam)
        return tam.error();

    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<qint64> rootKeyId = m_keys.store(rootKey.value(), options.name + QStringLiteral(" root CA key"),
                                                  m_clock, options.demoUnprotected);
    if (!rootKeyId)
        return rootKeyId.error();
    const Result<qint64> keyId = m_keys.store(tamKey.value(), options.name + QStringLiteral(" signing key"), m_clock,
                                              options.demoUnprotected);
    if (!keyId)
        return keyId.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO tam_identities (name, tam_id, state, key_id, root_key_id, certificate_der, "
                                 "ca_chain_pem, is_active, created_at) VALUES (?, ?, 'ready', ?, ?, ?, ?, 0, ?) RETURNING id"));
    query.addBindValue(options.name);
    query.addBindValue(tamId);
    query.addBindValue(keyId.value());
    query.addBindValue(rootKeyId.value());
    query.addBindValue(tam.value().der());
    query.addBindValue(QString::fromLatin1(root.value().pem()));
    query.addBindValue(now.toString(Qt::ISODateWithMs));
    if (!query.exec())
        return insertError(query, options.name);
    const qint64 id = store::returnedId(query);
    store::TrustAnchors anchors(m_db, m_clock, m_actor);
    if (const auto added = anchors.addWithinTransaction(crypto::TrustStore::TamRoot, {root.value()}); !added)
        return added.error();
    query.prepare(QStringLiteral("UPDATE tam_identities SET is_active = CASE WHEN id = ? THEN 1 ELSE 0 END"));
    query.addBindValue(id);
    if (!query.exec())
        return sqlError(query);
    if (const Status audited = store::AuditLog::append(
            m_db, m_clock, m_actor, QStringLiteral("tam-identity.generated"), QStringLiteral("tam-identity"),
            QString::number(id),
            {{"name", options.name.toStdString()},
             {"tam_id", tamId.toStdString()},
             {"key", tamKey.value().description().toStdString()},
             {"key_source", !options.existingKey ? "generated" : options.existingKey->isInToken() ? "pkcs11 token" : "imported bare key"},
             {"token_uri", tamKey.value().tokenUri().toStdString()},
             {"root_key_token_uri", rootKey.value().tokenUri().toStdString()},
             {"certificate_sha256", tam.value().fingerprintSha256().toStdString()},
             {"root_sha256", root.value().fingerprintSha256().toStdString()},
             {"demo_unprotected", options.demoUnprotected}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(id);
}

Result<TamIdentity> TamIdentities::importExisting(const QString &name, const QList<Certificate> &certificates, const Key &key)
{
    if (const Status valid = validateName(name); !valid)
        return valid.error();
    if (!key.hasPrivateKey())
        return Error{QStringLiteral("tam.no-private-key"), QStringLiteral("the TAM's private key is required")};
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<qint64> keyId = m_keys.store(key, name + QStringLiteral(" signing key"), m_clock);
    if (!keyId)
        return keyId.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO tam_identities (name, tam_id, state, key_id, is_active, created_at) "
                                 "VALUES (?, '', 'csr-pending', ?, 0, ?) RETURNING id"));
    query.addBindValue(name);
    query.addBindValue(keyId.value());
    query.addBindValue(store::timestamp(m_clock));
    if (!query.exec())
        return insertError(query, name);
    const qint64 id = store::returnedId(query);
    // Validated and completed exactly as an externally issued certificate is.
    if (const Status ready = finishReady(id, key, certificates, QStringLiteral("tam-identity.imported")); !ready)
        return ready.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(id);
}

Result<TamIdentity> TamIdentities::createCsr(const QString &name, const QString &tamId, crypto::KeyAlgorithm algorithm)
{
    if (const Status valid = validateName(name); !valid)
        return valid.error();
    const QString id0 = tamId.isEmpty() ? QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces) : tamId;
    Result<Key> key = Key::generate(algorithm);
    if (!key)
        return key.error();
    crypto::CertificateSpec spec;
    spec.commonName = name;
    spec.profile = crypto::CertificateProfile::TamSigning;
    spec.uris = {id0};
    const Result<QByteArray> csr = crypto::createCsr(spec, key.value());
    if (!csr)
        return csr.error();
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<qint64> keyId = m_keys.store(key.value(), name + QStringLiteral(" signing key"), m_clock);
    if (!keyId)
        return keyId.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO tam_identities (name, tam_id, state, key_id, csr_der, is_active, created_at) "
                                 "VALUES (?, ?, 'csr-pending', ?, ?, 0, ?) RETURNING id"));
    query.addBindValue(name);
    query.addBindValue(id0);
    query.addBindValue(keyId.value());
    query.addBindValue(csr.value());
    query.addBindValue(store::timestamp(m_clock));
    if (!query.exec())
        return insertError(query, name);
    const qint64 id = store::returnedId(query);
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("tam-identity.csr-created"),
                                                       QStringLiteral("tam-identity"), QString::number(id),
                                                       {{"name", name.toStdString()}, {"tam_id", id0.toStdString()}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(id);
}

Result<TamIdentity> TamIdentities::installIssuedCertificate(qint64 identityId, const QList<Certificate> &certificates)
{
    const Result<TamIdentity> pending = get(identityId);
    if (!pending)
        return pending.error();
    if (pending.value().state != QLatin1String("csr-pending"))
        return Error{QStringLiteral("tam.not-pending"),
                     QStringLiteral("TAM identity '%1' is not waiting for a certificate").arg(pending.value().name)};
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT public_key_spki FROM private_keys WHERE id = ?"));
    query.addBindValue(pending.value().keyId);
    if (!query.exec() || !query.next())
        return sqlError(query);
    const Result<Key> publicKey = Key::fromPublicKey(query.value(0).toByteArray());
    if (!publicKey)
        return publicKey.error();
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    if (const Status ready = finishReady(identityId, publicKey.value(), certificates,
                                         QStringLiteral("tam-identity.certificate-installed"));
        !ready)
        return ready.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return get(identityId);
}

Status TamIdentities::finishReady(qint64 identityId, const Key &key, const QList<Certificate> &certificates,
                                  const QString &action)
{
    store::TrustAnchors anchors(m_db, m_clock, m_actor);
    Result<QList<Certificate>> stored = anchors.certificates(crypto::TrustStore::TamRoot);
    if (!stored)
        return stored.error();
    const Result<CheckedChain> checked = checkTamChain(certificates, key, stored.value(), m_clock);
    if (!checked)
        return checked.error();
    const Certificate &leaf = checked.value().leaf;
    if (const auto added = anchors.addWithinTransaction(crypto::TrustStore::TamRoot, checked.value().newRoots, true); !added)
        return added.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE tam_identities SET state = 'ready', tam_id = ?, certificate_der = ?, "
                                 "ca_chain_pem = ? WHERE id = ?"));
    query.addBindValue(checked.value().tamId);
    query.addBindValue(leaf.der());
    query.addBindValue(QString::fromLatin1(crypto::writePem(checked.value().issuers)));
    query.addBindValue(identityId);
    if (!query.exec())
        return sqlError(query);
    query.prepare(QStringLiteral("UPDATE tam_identities SET is_active = CASE WHEN id = ? THEN 1 ELSE 0 END"));
    query.addBindValue(identityId);
    if (!query.exec())
        return sqlError(query);
    if (const Status audited = store::AuditLog::append(
            m_db, m_clock, m_actor, action, QStringLiteral("tam-identity"), QString::number(identityId),
            {{"tam_id", checked.value().tamId.toStdString()},
             {"certificate_sha256", leaf.fingerprintSha256().toStdString()},
             {"subject", leaf.subject().toStdString()}});
        !audited)
        return audited;
    return {};
}

Result<QList<TamIdentity>> TamIdentities::list() const
{
    QSqlQuery query(m_db);
    if (!query.exec(kSelect + QStringLiteral(" ORDER BY t.id")))
        return sqlError(query);
    QList<TamIdentity> identities;
    while (query.next()) {
        TamIdentity identity;
        identity.id = query.value(0).toLongLong();
        identity.name = query.value(1).toString();
        identity.tamId = query.value(2).toString();
        identity.state = query.value(3).toString();
        if (const QByteArray der = query.value(4).toByteArray(); !der.isEmpty()) {
            if (Result<Certificate> cert = Certificate::fromDer(der))
                identity.certificate = cert.value();
        }
        if (const QByteArray pem = query.value(5).toByteArray(); !pem.isEmpty()) {
            if (Result<QList<Certificate>> chain = crypto::parseCertificates(pem))
                identity.chain = chain.value();
        }
        identity.csrDer = query.value(6).toByteArray();
        identity.keyId = query.value(7).toLongLong();
        identity.rootKeyId = query.value(8).toLongLong();
        identity.active = query.value(9).toInt() == 1;
        identity.createdAt = QDateTime::fromString(query.value(10).toString(), Qt::ISODateWithMs);
        identity.demoUnprotected = query.value(11).toString() == QLatin1String("demo-unprotected");
        if (!query.value(12).isNull())
            identity.overlapUntil = QDateTime::fromString(query.value(12).toString(), Qt::ISODateWithMs);
        identities << identity;
    }
    return identities;
}

Result<TamIdentity> TamIdentities::get(qint64 id) const
{
    const Result<QList<TamIdentity>> all = list();
    if (!all)
        return all.error();
    for (const TamIdentity &identity : all.value()) {
        if (identity.id == id)
            return identity;
    }
    return Error{QStringLiteral("tam.not-found"), QStringLiteral("no TAM identity with id %1").arg(id)};
}

Result<TamIdentity> TamIdentities::active() const
{
    const Result<QList<TamIdentity>> all = list();
    if (!all)
        return all.error();
    return activeIn(all.value());
}

Result<TamIdentity> TamIdentities::activeIn(const QList<TamIdentity> &all)
{
    for (const TamIdentity &identity : all) {
        if (identity.active)
            return identity;
    }
    return Error{QStringLiteral("tam.no-identity"),
                 QStringLiteral("no TAM identity yet: generate one, import one, or create a CSR")};
}

Result<TamIdentity> TamIdentities::byName(const QString &name) const
{
    const Result<QList<TamIdentity>> all = list();
    if (!all)
        return all.error();
    for (const TamIdentity &identity : all.value()) {
        if (identity.name == name)
            return identity;
    }
    return Error{QStringLiteral("tam.not-found"), QStringLiteral("no TAM identity named '%1'").arg(name)};
}

} // namespace teep::tam
