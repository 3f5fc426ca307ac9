#include "tam/corimreferences.h"

#include "store/auditlog.h"
#include "store/sql.h"
#include "store/transaction.h"
#include "store/trustanchors.h"

#include <QCryptographicHash>
#include <QSqlQuery>

#include <nlohmann/json.hpp>

namespace teep::tam {

using attestation::corim::Measurement;
using store::run;

namespace {
std::string hex(const QByteArray &bytes)
{
    return bytes.toHex().toStdString();
}
QByteArray unhex(const nlohmann::json &value)
{
    return value.is_string() ? QByteArray::fromHex(QByteArray::fromStdString(value.get<std::string>())) : QByteArray();
}
// Text columns are NOT NULL: an absent part of the environment is stored empty.
QString column(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}
QString text(const nlohmann::json &object, const char *key)
{
    return object.contains(key) && object[key].is_string() ? QString::fromStdString(object[key].get<std::string>()) : QString();
}
} // namespace

QString measurementToJson(const Measurement &measurement)
{
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    if (!measurement.key.isEmpty())
        json["key"] = measurement.key.toStdString();
    if (!measurement.name.isEmpty())
        json["name"] = measurement.name.toStdString();
    if (!measurement.version.isEmpty())
        json["version"] = measurement.version.toStdString();
    if (measurement.svn) {
        json["svn"] = *measurement.svn;
        json["svn_is_minimum"] = measurement.svnIsMinimum;
    }
    if (!measurement.digests.isEmpty()) {
        json["digests"] = nlohmann::ordered_json::array();
        for (const attestation::corim::Digest &digest : measurement.digests)
            json["digests"].push_back({{"alg", digest.algorithm}, {"value", hex(digest.value)}});
    }
    if (!measurement.rawValue.isEmpty())
        json["raw_value"] = hex(measurement.rawValue);
    if (!measurement.rawValueMask.isEmpty())
        json["raw_value_mask"] = hex(measurement.rawValueMask);
    return QString::fromStdString(json.dump());
}

Measurement measurementFromJson(const QString &stored)
{
    const nlohmann::json json = nlohmann::json::parse(stored.toStdString(), nullptr, false);
    Measurement measurement;
    if (!json.is_object())
        return measurement;
    measurement.key = text(json, "key");
    measurement.name = text(json, "name");
    measurement.version = text(json, "version");
    if (json.contains("svn") && json["svn"].is_number_integer()) {
        measurement.svn = json["svn"].get<qint64>();
        measurement.svnIsMinimum = json.value("svn_is_minimum", false);
    }
    if (json.contains("digests") && json["digests"].is_array())
        for (const nlohmann::json &digest : json["digests"])
            if (digest.is_object() && digest.contains("alg") && digest["alg"].is_number_integer())
                measurement.digests << attestation::corim::Digest{digest["alg"].get<qint64>(), unhex(digest.value("value", nlohmann::json()))};
    measurement.rawValue = unhex(json.value("raw_value", nlohmann::json()));
    measurement.rawValueMask = unhex(json.value("raw_value_mask", nlohmann::json()));
    return measurement;
}

Result<QList<attestation::corim::VerifierKey>> trustedVerifierKeys(QSqlDatabase db, const Clock &clock)
{
    const auto anchors = store::TrustAnchors(db, clock, QString()).list(crypto::TrustStore::VerifierKey);
    if (!anchors)
        return anchors.error();
    QList<attestation::corim::VerifierKey> keys;
    for (const store::TrustAnchor &anchor : anchors.value()) {
        const crypto::Key key = anchor.publicKey();
        if (!key.isNull())
            keys << attestation::corim::VerifierKey{anchor.isCertificate ? anchor.subject : anchor.label, key};
    }
    return keys;
}

CorimReferences::CorimReferences(QSqlDatabase db, const Clock &clock, QString actor) : m_db(std::move(db)), m_clock(clock), m_actor(std::move(actor)) {}

Result<CorimImport> CorimReferences::importFile(const QByteArray &bytes, const QString &source)
{
    const Result<QList<attestation::corim::VerifierKey>> verifierKeys = trustedVerifierKeys(m_db, m_clock);
    if (!verifierKeys)
        return verifierKeys.error();
    Result<attestation::corim::Corim> decoded = attestation::corim::decode(bytes, verifierKeys.value());
    if (!decoded)
        return decoded.error();
    const attestation::corim::Corim &corim = decoded.value();
    CorimImport result;
    result.corimId = corim.id;
    result.source = source;
    result.sha256 = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    if (corim.isSigned)
        result.signer = QStringLiteral("%1 (%2)").arg(corim.signerName.isEmpty() ? QStringLiteral("unnamed") : corim.signerName, corim.verifiedBy);
    result.importedAt = store::timestamp(m_clock);
    result.importedBy = m_actor;

    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun.error();
    auto already = run(m_db, QStringLiteral("SELECT id, source FROM corim_imports WHERE sha256 = ?"), {result.sha256});
    if (!already)
        return already.error();
    if (already.value().next())
        return Error{QStringLiteral("corim.already-imported"),
                     QStringLiteral("this CoRIM was imported already (import %1, from %2)").arg(already.value().value(0).toLongLong()).arg(already.value().value(1).toString())};
    const Result<qint64> id = store::insertReturningId(
        m_db, QStringLiteral("INSERT INTO corim_imports (corim_id, source, sha256, signer, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)"),
        {result.corimId, result.source, result.sha256, result.signer.isEmpty() ? QVariant() : QVariant(result.signer), result.importedAt, m_actor});
    if (!id)
        return id.error();
    result.id = id.value();
    QSqlQuery insert(m_db);
    if (!insert.prepare(QStringLiteral("INSERT INTO corim_measurements (import_id, kind, class_id, vendor, model, instance_ueid, instance_other, measurement) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))
        return Error{QStringLiteral("store.query"), insert.lastError().text()};
    for (const attestation::corim::Comid &comid : corim.comids) {
        for (const auto &[kind, triples, count] : {std::tuple{"reference", &comid.references, &result.references},
                                                   std::tuple{"endorsed", &comid.endorsements, &result.endorsements}}) {
            for (const attestation::corim::Triple &triple : *triples) {
                for (const Measurement &measurement : triple.measurements) {
                    const attestation::corim::Environment &environment = triple.environment;
                    for (const QVariant &value : QVariantList{result.id, QString::fromLatin1(kind), column(environment.classId), column(environment.vendor),
                                                              column(environment.model), column(QString::fromLatin1(environment.instanceUeid.toHex())),
                                                              column(environment.instanceOther),
                                                              measurementToJson(measurement)})
                        insert.addBindValue(value);
                    if (!insert.exec())
                        return Error{QStringLiteral("store.query"), insert.lastError().text()};
                    ++*count;
                }
            }
        }
    }
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("reference-value.corim-imported"), QStringLiteral("corim"),
                                                       QString::number(result.id),
                                                       {{"corim_id", result.corimId.toStdString()}, {"source", source.toStdString()},
                                                        {"sha256", result.sha256.toStdString()}, {"signer", result.signer.toStdString()},
                                                        {"references", result.references}, {"endorsements", result.endorsements}});
        !audited)
        return audited.error();
    if (const Status committed = transaction.commit(); !committed)
        return committed.error();
    return result;
}

Status CorimReferences::remove(qint64 importId)
{
    store::Transaction transaction(m_db);
    if (const Status begun = transaction.begun(); !begun)
        return begun;
    auto found = run(m_db, QStringLiteral("SELECT corim_id, source FROM corim_imports WHERE id = ?"), {importId});
    if (!found)
        return found.error();
    if (!found.value().next())
        return Error{QStringLiteral("corim.unknown-import"), QStringLiteral("no CoRIM import %1 (teepctl attestation reference list)").arg(importId)};
    const QString corimId = found.value().value(0).toString();
    const QString source = found.value().value(1).toString();
    if (const auto removed = run(m_db, QStringLiteral("DELETE FROM corim_measurements WHERE import_id = ?"), {importId}); !removed)
        return removed.error();
    if (const auto removed = run(m_db, QStringLiteral("DELETE FROM corim_imports WHERE id = ?"), {importId}); !removed)
        return removed.error();
    if (const Status audited = store::AuditLog::append(m_db, m_clock, m_actor, QStringLiteral("reference-value.corim-removed"), QStringLiteral("corim"),
                                                       QString::number(importId), {{"corim_id", corimId.toStdString()}, {"source", source.toStdString()}});
        !audited)
        return audited;
    return transaction.commit();
}

Result<QList<CorimImport>> CorimReferences::imports() const
{
    auto rows = run(m_db, QStringLiteral("SELECT i.id, i.corim_id, i.source, i.sha256, COALESCE(i.signer, ''), i.imported_at, i.imported_by, "
                                         "(SELECT COUNT(*) FROM corim_measurements m WHERE m.import_id = i.id AND m.kind = 'reference'), "
                                         "(SELECT COUNT(*) FROM corim_measurements m WHERE m.import_id = i.id AND m.kind = 'endorsed') "
                                         "FROM corim_imports i ORDER BY i.id"));
    if (!rows)
        return rows.error();
    QList<CorimImport> result;
    while (rows.value().next()) {
        const QSqlQuery &row = rows.value();
        result << CorimImport{row.value(0).toLongLong(), row.value(1).toString(), row.value(2).toString(), row.value(3).toString(), row.value(4).toString(),
                              row.value(5).toString(), row.value(6).toString(), row.value(7).toInt(), row.value(8).toInt()};
    }
    return result;
}

Result<QList<CorimReferenceRow>> CorimReferences::rows() const
{
    auto rows = run(m_db, QStringLiteral("SELECT m.import_id, m.kind, m.class_id, m.vendor, m.model, m.instance_ueid, m.instance_other, m.measurement, i.source "
                                         "FROM corim_measurements m JOIN corim_imports i ON i.id = m.import_id ORDER BY m.vendor, m.model, m.instance_ueid, m.id"));
    if (!rows)
        return rows.error();
    QList<CorimReferenceRow> result;
    while (rows.value().next()) {
        const QSqlQuery &row = rows.value();
        CorimReferenceRow reference;
        reference.importId = row.value(0).toLongLong();
        reference.kind = row.value(1).toString();
        reference.environment.classId = row.value(2).toString();
        reference.environment.vendor = row.value(3).toString();
        reference.environment.model = row.value(4).toString();
        reference.environment.instanceUeid = QByteArray::fromHex(row.value(5).toString().toLatin1());
        reference.environment.instanceOther = row.value(6).toString();
        reference.measurement = measurementFromJson(row.value(7).toString());
        reference.source = row.value(8).toString();
        result << reference;
    }
    return result;
}

Result<QList<attestation::SourcedTriple>> CorimReferences::references(const QByteArray &hwmodel, const QByteArray &ueid) const
{
    // The same environments appraisal.cpp's classApplies() takes, chosen by the database: a session
    // reads the rows about its device, not every vendor's.
    QString where = QStringLiteral("m.kind = 'reference'");
    QVariantList binds;
    if (!hwmodel.isEmpty() || !ueid.isEmpty()) {
        const QString modelHex = QString::fromLatin1(hwmodel.toHex());
        where += QStringLiteral(" AND (m.model IN (?, ?) OR m.class_id = ? OR m.instance_ueid = ? OR (m.model = '' AND m.class_id = ''))");
        binds << QString::fromUtf8(hwmodel) << modelHex << QStringLiteral("bytes:") + modelHex << QString::fromLatin1(ueid.toHex());
    }
    auto rows = run(m_db, QStringLiteral("SELECT m.class_id, m.vendor, m.model, m.instance_ueid, m.instance_other, m.measurement, i.source "
                                         "FROM corim_measurements m JOIN corim_imports i ON i.id = m.import_id WHERE %1 ORDER BY m.id")
                              .arg(where),
                    binds);
    if (!rows)
        return rows.error();
    QList<attestation::SourcedTriple> triples;
    QHash<QString, qsizetype> byEnvironment; // source and environment, to the triple that collects its measurements
    QSqlQuery &row = rows.value();
    while (row.next()) {
        const QString source = row.value(6).toString();
        const QString key = QStringList{source, row.value(0).toString(), row.value(1).toString(), row.value(2).toString(), row.value(3).toString(),
                                        row.value(4).toString()}
                                .join(QChar(0x1f));
        auto it = byEnvironment.find(key);
        if (it == byEnvironment.end()) {
            attestation::corim::Environment environment;
            environment.classId = row.value(0).toString();
            environment.vendor = row.value(1).toString();
            environment.model = row.value(2).toString();
            environment.instanceUeid = QByteArray::fromHex(row.value(3).toString().toLatin1());
            environment.instanceOther = row.value(4).toString();
            triples << attestation::SourcedTriple{attestation::corim::Triple{environment, {}}, source};
            it = byEnvironment.insert(key, triples.size() - 1);
        }
        triples[it.value()].triple.measurements << measurementFromJson(row.value(5).toString());
    }
    return triples;
}

} // namespace teep::tam
