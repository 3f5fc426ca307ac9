#pragma once

#include "common/error.h"
#include "crypto/jws.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

// OTrP message framing (draft-ietf-teep-opentrustprotocol-03 7.2-7.4): every command has four
// names, xyzTBSRequest / xyzRequest / xyzTBSResponse / xyzResponse. The signed message is
// {"xyzRequest": <flattened JWS of {"xyzTBSRequest": {...}}>}. The outer name is not covered by
// the signature, so a receiver checks it against the signed payload.
namespace teep::protocol::otrp {

inline constexpr const char *kVersion = "1.0";
inline constexpr qsizetype kMaxMessageBytes = 4 * 1024 * 1024;

// The commands and Broker error codes of -03 (13.1.1), with the two the per-message lists add
// (ERR_SD_NOT_FOUND, ERR_TAM_NOT_AUTHORIZED).
// GetDeviceState, GetDeviceTEEState (response only), CreateSD, UpdateSD, DeleteSD, InstallTA,
// UpdateTA, DeleteTA.
const QStringList &commandNames();
const QStringList &errorCodes();
bool isErrorCode(const QString &code);

enum class Direction { Request, Response };

QString tbsName(const QString &command, Direction direction);    // "CreateSDTBSRequest"
QString signedName(const QString &command, Direction direction); // "CreateSDRequest"

// {"<signedName>": JWS over {"<tbsName>": tbs}}, signed by `signer` (x5c as the signer says).
Result<nlohmann::json> sign(const QString &command, Direction direction, const nlohmann::json &tbs,
                            const crypto::jose::JwsSigner &signer);

struct Unwrapped
{
    QString command;   // e.g. "CreateSD"
    Direction direction = Direction::Request;
    crypto::jose::Jws jws; // not yet verified
    nlohmann::json tbs;    // the object inside {"<tbsName>": ...}
};

// Parses {"<xyzRequest|xyzResponse>": JWS}: exactly one member, a known command, a JWS whose
// payload is {"<matching TBS name>": object}. A mismatch between the outer name and the signed
// payload is refused (ERR_REQUEST_INVALID). Bounded in size; never throws.
Result<Unwrapped> unwrap(const QByteArray &message);
Result<Unwrapped> unwrap(const nlohmann::json &message);

// The error code in an answer's {"reason": {"error-code": ...}}; ERR_TEE_FAIL when it is missing
// or not one of the draft's codes. Never throws.
QString reasonCode(const nlohmann::json &answer);

// The OTrP error code a refusal maps to: "otrp.<ERR_...>" errors carry theirs; anything else in
// framing is ERR_REQUEST_INVALID.
QString errorCodeFor(const Error &error);

} // namespace teep::protocol::otrp
