#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/jwe.h"
#include "crypto/jws.h"
#include "protocol/otrp/dsi.h"
#include "protocol/otrp/teetarget.h"

#include <nlohmann/json.hpp>

#include <optional>

// The six TEE commands of OTrP -03 (CreateSD, UpdateSD, DeleteSD, InstallTA, UpdateTA, DeleteTA)
// share one shape, which this file owns on the TAM side:
//   {ver, rid, tid, tee, nextdsi, dsihash, content: JWE{... did}, [encrypted_ta]}
// signed by the TAM with its chain in x5c; `content` is encrypted to the TEE certificate's key.
// The TEE answers {ver, status, rid, tid, content: JWE{reason?, did, ..., dsi?}} under the same
// CEK, signed with the TEE key; or, when it could not read the request, an unsigned
// {"<cmd>TBSResponse": {status: "fail", reason}}; or the Broker answers {"OTrPBrokerError": ...}.
namespace teep::protocol::otrp {

bool isTeeCommand(const QString &command);

// `content` gets `did` added; `encryptedTa` (InstallTA/UpdateTA) is placed beside it, outside the
// JWE, as the draft shows (it is covered by the TAM's signature).
Result<QByteArray> buildTeeCommand(const QString &command, const QString &rid,
                                   const TeeTarget &target, nlohmann::json content,
                                   const crypto::jose::JwsSigner &tam, bool nextDsi = true,
                                   const std::optional<nlohmann::json> &encryptedTa = std::nullopt);

struct TeeCommandResult
{
    nlohmann::json content;             // the decrypted response content (did checked)
    std::optional<DeviceStateInfo> dsi; // when the request asked for it
    QString dsiHash;                    // the next command's dsihash (when dsi is present)
};

// Checks the outer name, the TEE's signature (with the certificate GetDeviceState reported),
// rid/tid, status and did. A refusal becomes an Error "otrp.<ERR_...>" carrying the TEE's (or
// the Broker's) code; a malformed answer is otrp.ERR_REQUEST_INVALID. Never throws.
Result<TeeCommandResult> processTeeCommandResponse(const QString &command,
                                                   const QByteArray &response, const QString &rid,
                                                   const TeeTarget &target,
                                                   const crypto::Key &tamPrivateKey);
// The same, for a response the caller has already parsed (the TAM reads the tid from it first).
Result<TeeCommandResult> processTeeCommandResponse(const QString &command,
                                                   const nlohmann::json &response, const QString &rid,
                                                   const TeeTarget &target,
                                                   const crypto::Key &tamPrivateKey);

// A base64 member of a response content that must decode to a public key (teespaik).
Result<crypto::Key> publicKeyMember(const nlohmann::json &content, const char *name);

} // namespace teep::protocol::otrp
