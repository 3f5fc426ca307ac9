#pragma once

#include "attestation/appraisal.h"
#include "attestation/corim.h"
#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

// Reference values imported from CoRIM files (attestation/corim.h): each import is one
// transaction with its audit entry; a signed CoRIM must verify with a key in the verifier-key
// trust store. The appraisal reads them back per environment.
namespace teep::tam {

struct CorimImport
{
    qint64 id = 0;
    QString corimId;
    QString source;  // the file name it was imported from
    QString sha256;  // of the file's bytes
    QString signer;  // "name (certificate subject)" when signed, empty when not
    QString importedAt;
    QString importedBy;
    int references = 0;
    int endorsements = 0;
};

// One stored measurement with its environment, as listed.
struct CorimReferenceRow
{
    qint64 importId = 0;
    QString kind; // "reference" or "endorsed"
    attestation::corim::Environment environment;
    attestation::corim::Measurement measurement;
    QString source;
};

class CorimReferences
{
public:
    CorimReferences(QSqlDatabase db, const Clock &clock, QString actor);

    // Reads, verifies (when signed) and stores the file: refused whole, with nothing stored, when
    // any part of it is not CoRIM, its signer is not trusted, or the same bytes were imported.
    Result<CorimImport> importFile(const QByteArray &bytes, const QString &source);
    Status remove(qint64 importId);
    Result<QList<CorimImport>> imports() const;
    Result<QList<CorimReferenceRow>> rows() const;
    // The reference triples (not the endorsements), each environment's measurements together:
    // every one, or only those that can speak about a device of this model (EAT hwmodel, PSA
    // implementation id) and UEID: its class's and every listed instance of it.
    Result<QList<attestation::SourcedTriple>> references(const QByteArray &hwmodel = {}, const QByteArray &ueid = {}) const;

private:
    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

// The verifier-key trust store's certificates and bare keys: who may sign reference values (CoRIM)
// and attestation results (EAR).
Result<QList<attestation::corim::VerifierKey>> trustedVerifierKeys(QSqlDatabase db, const Clock &clock);

// A measurement as the database keeps it (JSON) and back.
QString measurementToJson(const attestation::corim::Measurement &measurement);
attestation::corim::Measurement measurementFromJson(const QString &json);

} // namespace teep::tam
