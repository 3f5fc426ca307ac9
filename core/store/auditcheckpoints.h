#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "store/auditlog.h"
#include "store/keystore.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

// Signed checkpoints of the audit log, so that a local writer who edits, deletes or truncates
// entries and recomputes the hash chain is still caught. A checkpoint signs (time, how many
// entries, the last entry's id and hash) with the audit key, a P-256 key of its own in the key
// store (encrypted under the operator's passphrase like the TAM's keys). `audit verify` then
// checks every checkpoint against the chain as it is now and reports the last entry a valid
// checkpoint vouches for. Checkpoints exported to a file (one JSON line each) also catch a writer
// who deletes the checkpoints with the tail of the log: what was exported must still be there.
// What it cannot catch: a writer who also has the passphrase, or changes made after the last
// checkpoint (they are reported as not yet vouched for).
namespace teep::store {

struct AuditCheckpoint
{
    qint64 id = 0;
    QString at;
    qint64 entries = 0; // entries with id <= headId when it was signed
    qint64 headId = 0;
    QByteArray headHash;
    QByteArray keySpki;
    QByteArray signature; // ECDSA P-256 SHA-256, raw r||s

    // What is signed: a fixed prefix and the four values, one per line.
    QByteArray signedBytes() const;
    QByteArray toJsonLine() const;
    static Result<AuditCheckpoint> fromJsonLine(const QByteArray &line);
};

struct CheckpointVerification
{
    bool ok = false;
    qint64 entries = 0;
    qint64 checkpoints = 0;
    qint64 vouchedThrough = 0; // the last entry id a valid checkpoint covers (0: none)
    qint64 firstBadId = 0;     // the first entry that cannot be vouched for, when not ok
    QString message;
};

class AuditCheckpoints
{
public:
    static const QString kKeyLabel;

    // Signs the chain's head with the audit key, making that key on first use (the key store must
    // be unlocked, unless `demoUnprotected`: a demo identity's checkpoints are labelled as such).
    static Result<AuditCheckpoint> make(QSqlDatabase db, KeyStore &keys, const Clock &clock, bool demoUnprotected = false);
    static Result<QList<AuditCheckpoint>> list(QSqlDatabase db);
    // The hash chain, then every stored checkpoint, then every `exported` one, against the log as
    // it is now.
    static CheckpointVerification verify(QSqlDatabase db, const QList<AuditCheckpoint> &exported = {});
    // The same after the chain was checked already (the console checks it with progress).
    static CheckpointVerification verifyCheckpoints(QSqlDatabase db, const AuditVerification &chain, const QList<AuditCheckpoint> &exported = {});
};

} // namespace teep::store
