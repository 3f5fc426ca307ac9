#pragma once

#include "crypto/certificate.h"

#include <QList>
#include <QString>
#include <nlohmann/json_fwd.hpp>
#include <optional>

// The encrypted `content` of each TEE command (OTrP -03 9.2-9.3), before `did` is added by
// buildTeeCommand. One place spells each member's name and encoding.
namespace teep::protocol::otrp {

nlohmann::json createSdContent(const QString &tamId, const QString &spid, const QString &sdName,
                               const crypto::Certificate &spCertificate);

struct SdChanges
{
    std::optional<QString> newSdName;
    std::optional<QString> newSpid;
    QList<crypto::Certificate> addSpCertificates;    // `spcert`: BASE64 DER each
    QList<crypto::Certificate> removeSpCertificates; // `deloldspcert`: SHA-256 hex of each DER
    bool renewSpAik = false;                         // `renewteespaik`
};
nlohmann::json updateSdContent(const QString &tamId, const QString &spid, const QString &sdName,
                               const SdChanges &changes);

nlohmann::json deleteSdContent(const QString &tamId, const QString &sdName, bool deleteTas);

// InstallTA and UpdateTA; `spCertificate` adds a signer certificate to the SD with the TA.
nlohmann::json taContent(const QString &tamId, const QString &spid, const QString &sdName,
                         const QString &taid,
                         const std::optional<crypto::Certificate> &spCertificate = std::nullopt);

nlohmann::json deleteTaContent(const QString &tamId, const QString &sdName, const QString &taid);

// SHA-256 of the certificate's DER in lower-case hex: how `deloldspcert` names a certificate.
QString certificateHashHex(const crypto::Certificate &certificate);

} // namespace teep::protocol::otrp
