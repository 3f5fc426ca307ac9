#include "store/trustanchors.h"

#include "crypto/openssl.h"
#include "crypto/pkiformats.h"
#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"

#include <QSqlError>
#include <QSqlQuery>

namespace teep::store {

using crypto::TrustStore;

namespace {

const QString kColumns = QStringLiteral(
    "id, store, kind, label, subject, fingerprint_sha256, der, not_before, not_after, added_at");

QString isoOrNull(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

Result<TrustAnchor> fromRow(const QSqlQuery &query)
{
    const Result<TrustStore> store = crypto::trustStoreFromKey(query.value(1).toString());
    if (!store)
        return store.error();
    TrustAnchor anchor;
    anchor.id = query.value(0).toLongLong();
    anchor.store = store.value();
    anchor.isCertificate = query.value(2).toString() == QLatin1String("certificate");
    anchor.label = query.value(3).toString();
    anchor.subject = query.value(4).toString();
    anchor.fingerprint = query.value(5).toString();
    anchor.der = query.value(6).toByteArray();
    anchor.notBefore = QDateTime::fromString(query.value(7).toString(), Qt::ISODate);
    anchor.notAfter = QDateTime::fromString(query.value(8).toString(), Qt::ISODate);
    anchor.addedAt = QDateTime::fromString(query.value(9).toString(), Qt::ISODateWithMs);
    return anchor;
}

QString storeKey(TrustStore store)
{
    return QString::fromLatin1(crypto::trustStoreInfo(store).key);
}

} // namespace

crypto::Certificate TrustAnchor::certificate() const
{
    if (!isCertificate)
        return {};
    Result<crypto::Certificate> cert = crypto::Certificate::fromDer(der);
    return cert ? cert.value() : crypto::Certificate();
}

crypto::Key TrustAnchor::publicKey() const
{
    if (isCertificate)
        return certificate().publicKey();
    Result<crypto::Key> key = crypto::Key::fromPublicKey(der);
    return key ? key.value() : crypto::Key();
}

TrustAnchors::TrustAnchors(QSqlDatabase db, const Clock &clock, QString actor)
    : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor))
{
}

Result<QList<TrustAnchor>> TrustAnchors::list(TrustStore store) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT %1 FROM trust_anchors WHERE store = ? ORDER BY label, id").arg(kColumns));
    query.addBindValue(storeKey(store));
    if (!query.exec())
        return sqlError(query);
    QList<TrustAnchor> anchors;
    while (query.next()) {
        Result<TrustAnchor> anchor = fromRow(query);
        if (!anchor)
            return anchor.error();
        anchors << anchor.value();
    }
    return anchors;
}

Result<TrustAnchor> TrustAnchors::get(qint64 id) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT %1 FROM trust_anchors WHERE id = ?").arg(kColumns));
    query.addBindValue(id);
    if (!query.exec())
        return sqlError(query);
    if (!query.next())
        return Error{QStringLiteral("trust.not-found"), QStringLiteral("no trust anchor with id %1").arg(id)};
    return fromRow(query);
}

Result<QList<crypto::Certificate>> TrustAnchors::certificates(TrustStore store) const
{
    auto rows = run(m_db, QStringLiteral("SELECT der FROM trust_anchors WHERE store = ? AND kind = 'certificate' ORDER BY label, id"), {storeKey(store)});
    if (!rows)
        return rows.error();
    QList<crypto::Certificate> certs;
    while (rows.value().next()) {
        // Certificate::fromDer parses a DER it has seen before only once.
        if (const Result<crypto::Certificate> cert = crypto::Certificate::fromDer(rows.value().value(0).toByteArray()))
            certs << cert.value();
    }
    return certs;
}

Status TrustAnchors::ensureNotPresent(TrustStore store, const QString &fingerprint) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT label, added_at FROM trust_anchors WHERE store = ? AND fingerprint_sha256 = ?"));
    query.addBindValue(storeKey(store));
    query.addBindValue(fingerprint);
    if (!query.exec())
        return sqlError(query);
    if (query.next())
        return Error{QStringLiteral("trust.duplicate"),
                     QStringLiteral("'%1' is already in %2 (added %3)")
                         .arg(query.value(0).toString(), QString::fromLatin1(crypto::trustStoreInfo(store).title),
                              query.value(1).toString().left(10))};
    return {};
}

Result<qint64> TrustAnchors::insert(const TrustAnchor &anchor)
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO trust_anchors (store, kind, label, subject, fingerprint_sha256, der, "
                                 "not_before, not_after, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    query.addBindValue(storeKey(anchor.store));
    query.addBindValue(anchor.isCertificate ? QStringLiteral("certificate") : QStringLiteral("public-key"));
    query.addBindValue(anchor.label);
    query.addBindValue(anchor.subject);
    query.addBindValue(anchor.fingerprint);
    query.addBindValue(anchor.der);
    query.addBindValue(isoOrNull(anchor.notBefore));
    query.addBindValue(isoOrNull(anchor.notAfter));
    query.addBindValue(timestamp(m_clock));
    if (!query.exec())
        return sqlError(query);
    const qint64 id = returnedId(query);
    const Status audited = AuditLog::append(
        m_db, m_clock, m_actor, QStringLiteral("trust-anchor.added"), QStringLiteral("trust-anchor"),
        QString::number(id),
        {{"store", storeKey(anchor.store).toStdString()},
         {"label", anchor.label.toStdString()},
         {"subject", anchor.subject.toStdString()},
         {"fingerprint_sha256", anchor.fingerprint.toStdString()}});
    if (!audited)
        return audited.error();
    return id;
}

Result<QList<qint64>> TrustAnchors::importCertificates(TrustStore store, const QByteArray &data)
{
    const Result<QList<crypto::Certificate>> parsed = crypto::parseCertificates(data);
    if (!parsed)
        return parsed.error();
    Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    Result<QList<qint64>> ids = addWithinTransaction(store, parsed.value());
    if (!ids)
        return ids.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return ids;
}

Result<QList<qint64>> TrustAnchors::addWithinTransaction(TrustStore store, const QList<crypto::Certificate> &certificates,
                                                         bool skipPresent)
{
    QList<qint64> ids;
    QStringList seen;
    for (const crypto::Certificate &cert : certificates) {
        if (const Status admitted = crypto::checkTrustAnchor(cert, store, m_clock); !admitted)
            return admitted.error();
        const QString fingerprint = cert.fingerprintSha256();
        if (seen.contains(fingerprint))
            return Error{QStringLiteral("trust.duplicate"),
                         QStringLiteral("'%1' appears twice in the input").arg(cert.subject())};
        seen << fingerprint;
        if (const Status absent = ensureNotPresent(store, fingerprint); !absent) {
            if (skipPresent && absent.error().code == QStringLiteral("trust.duplicate"))
                continue;
            return absent.error();
        }
        TrustAnchor anchor;
        anchor.store = store;
        anchor.label = cert.commonName();
        anchor.subject = cert.subject();
        anchor.fingerprint = fingerprint;
        anchor.der = cert.der();
        anchor.notBefore = cert.notBefore();
        anchor.notAfter = cert.notAfter();
        const Result<qint64> id = insert(anchor);
        if (!id)
            return id.error();
        ids << id.value();
    }
    return ids;
}

Result<qint64> TrustAnchors::importPublicKey(TrustStore store, const QByteArray &data, const QString &label)
{
    if (store != TrustStore::VerifierKey)
        return Error{QStringLiteral("trust.public-key-store"),
                     QStringLiteral("only Verifier keys may be bare public keys; other stores need CA certificates")};
    if (label.trimmed().isEmpty())
        return Error{QStringLiteral("trust.label"), QStringLiteral("a Verifier key needs a label")};
    const Result<crypto::Key> key = crypto::Key::fromPublicKey(data);
    if (!key)
        return key.error();
    TrustAnchor anchor;
    anchor.store = store;
    anchor.isCertificate = false;
    anchor.label = label.trimmed();
    anchor.subject = key.value().description();
    anchor.der = key.value().publicKeyDer();
    anchor.fingerprint = QString::fromLatin1(crypto::sha256(anchor.der).toHex(':').toUpper());
    Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    if (const Status absent = ensureNotPresent(store, anchor.fingerprint); !absent)
        return absent.error();
    const Result<qint64> id = insert(anchor);
    if (!id)
        return id.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return id;
}

Status TrustAnchors::remove(qint64 id)
{
    Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    const Result<TrustAnchor> anchor = get(id);
    if (!anchor)
        return anchor.error();
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("DELETE FROM trust_anchors WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec())
        return sqlError(query);
    if (const Status audited = AuditLog::append(
            m_db, m_clock, m_actor, QStringLiteral("trust-anchor.removed"), QStringLiteral("trust-anchor"),
            QString::number(id),
            {{"store", storeKey(anchor.value().store).toStdString()},
             {"label", anchor.value().label.toStdString()},
             {"fingerprint_sha256", anchor.value().fingerprint.toStdString()}});
        !audited)
        return audited;
    return transaction.commit();
}

} // namespace teep::store
