#pragma once

#include "common/clock.h"
#include "common/error.h"
#include "crypto/jwe.h"
#include "crypto/jws.h"
#include "protocol/otrp/dsi.h"

#include <QList>
#include <QString>

// GetDeviceState (OTrP -03 9.1), the TAM side: the signed request, and the processing of what
// the Broker collects from every TEE. Decision: ocspdat is sent as an empty array (no OCSP
// stapling yet); TEEs that need it answer with an error the TAM reports.
namespace teep::protocol::otrp {

Result<QByteArray> buildGetDeviceStateRequest(const QString &rid, const QString &tid, const crypto::jose::JwsSigner &tam);

struct TeeReport
{
    DeviceStateInfo dsi;
    QString dsiHash;  // for the next command's dsihash
    bool tfwVerified = false;
};

struct TeeFailure
{
    QString errorCode; // an OTrP error code
    QString message;
};

struct DeviceState
{
    QList<TeeReport> tees;
    QList<TeeFailure> failures; // TEEs that answered with an error or could not be trusted
};

struct TamTrust
{
    crypto::Key tamPrivateKey; // decrypts edsi
    QList<crypto::Certificate> teeRoots;
    QList<crypto::Certificate> tfwRoots;
    crypto::jose::JwePolicy jwePolicy;
};

// Parses {"GetDeviceStateResponse": [...]}: per TEE, decrypts edsi, verifies the TEE's signature
// with the certificate inside it, checks rid/tid, chains the TEE certificate to a TEE root CA and,
// when present, the TFW data to a TFW root CA. A TEE that fails any check becomes a TeeFailure
// (never a report); a malformed envelope is an Error.
Result<DeviceState> processGetDeviceStateResponse(const QByteArray &response, const QString &rid, const QString &tid,
                                                  const TamTrust &trust, const Clock &clock);
// The same, for a response the caller has already parsed (the TAM reads the tid from it first).
Result<DeviceState> processGetDeviceStateResponse(const nlohmann::json &response, const QString &rid, const QString &tid,
                                                  const TamTrust &trust, const Clock &clock);

} // namespace teep::protocol::otrp
