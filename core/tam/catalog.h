#pragma once

#include "common/clock.h"
#include "common/error.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

// The TA catalog and the operator's assignments: which TA versions exist (each signed by its SP)
// and which devices should have them.
namespace teep::tam {

// Where a TAM serves a TA's code for SUIT manifests that name it by URI: an absolute path on the
// TAM's own listener (the agent resolves it against the TAM URI it talks to, so scheme, host and
// TLS are the listener's), content-addressed by the code's SHA-256.
inline constexpr auto kPayloadPathPrefix = "/tam/payloads/sha256-";
QString payloadUri(const QString &sha256Hex);

struct TaVersion
{
    qint64 id = 0;
    qint64 taId = 0;
    QString taid;   // the TA's id in OTrP, also trusted_apps.name
    QString spid;
    QString taname;
    qint64 sequence = 0;   // the signed version number; higher is newer
    QByteArray signedTa;   // the SP-signed TA (protocol/otrp/tapackage.h)
    QString binarySha256;  // of the TA code
    qint64 binarySize = 0;
    QByteArray manifest;   // the SP-signed SUIT envelope (TEEP), when one was attached
};

enum class TargetKind { Device, Group, All };
QString targetKindName(TargetKind kind); // "device", "group", "all"
std::optional<TargetKind> targetKindFromName(const QString &name);

struct Assignment
{
    qint64 id = 0;
    QString taid;
    QString spid;
    TargetKind kind = TargetKind::All;
    QString target;                 // device name or group name; empty for All
    std::optional<qint64> sequence; // empty: the latest version
    bool allowRollback = false;
    bool excluded = false;          // Device only: the TA is removed from (kept off) this device
};

class Catalog
{
public:
    Catalog(QSqlDatabase db, const Clock &clock, QString actor);

    // A new version of a TA, from the SP-signed TA: the signature must verify with one of the
    // SP's signer certificates (an SP's TAs are signed by that SP), the TA id must not belong to
    // another SP, and the version must be new.
    Result<TaVersion> addSignedTa(const QString &spid, const QByteArray &signedTa);
    Result<QList<TaVersion>> versions(const QString &taid = {}) const;
    // The TA ids in the catalog, sorted (what an operator picks from).
    Result<QStringList> taNames() const;
    QSqlDatabase database() const { return m_db; }
    // The TEEP form of a version: a SUIT envelope signed by the SP (one of its signer
    // certificates), for this TA's component id, with the version as its sequence number and the
    // version's code as its image (digest and size).
    // With ManifestForm::ByUri, the envelope must name its payload by payloadUri() of that code's
    // digest and carry no payload: the TAM serves it (payloadByDigest), for agents that fetch.
    enum class ManifestForm { Integrated, ByUri };
    Status attachManifest(const QString &taid, qint64 sequence, const QByteArray &envelope, ManifestForm form = ManifestForm::Integrated);
    // The code of a published TA version by its SHA-256 (lower-case hex), taken from its
    // integrated manifest and checked against that digest; nothing when no version has it.
    Result<std::optional<QByteArray>> payloadByDigest(const QString &sha256Hex) const;

    // `target` is a device name (or serial) for Device, a group name for Group (created when
    // missing), ignored for All.
    Result<Assignment> assign(const QString &taid, TargetKind kind, const QString &target, std::optional<qint64> sequence,
                              bool allowRollback);
    Status unassign(qint64 assignmentId);
    // Removes the TA from one device (at its next session) and keeps it off, whatever its group's
    // or everyone's assignments say, until this assignment is unassigned. Replaces the device's
    // own assignments of the TA.
    Result<Assignment> removeFromDevice(const QString &taid, const QString &device);
    Result<QList<Assignment>> assignments() const;

private:
    QSqlDatabase m_db;
    const Clock &m_clock;
    QString m_actor;
};

} // namespace teep::tam
