#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/jws.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <nlohmann/json_fwd.hpp>
#include <optional>

// How a TA travels in OTrP InstallTA/UpdateTA (-03 9.3, 14.4-14.5).
//
// Decision (the draft leaves the TA signature format TEE-specific, 2.6): a signed TA is the
// flattened JWS (RS256/ES256) made with the SP's signer key over the JSON
//   {"taid": "...", "taname": "...", "version": <integer >= 0>, "binary": "<BASE64 of the TA>"}
// with the signer certificate in x5c. Signing the identity and version with the binary stops a
// TAM (or anyone between) from installing one TA's code under another's id or rolling a TA back.
//
// encrypted_ta = {"key": JWE of a fresh 256-bit AES key to the TEE SP AIK, "iv": 16 bytes in hex,
//                 "alg": "AESCBC", "ciphertadata": BASE64 AES-256-CBC of the signed TA,
//                 "cipherpdata": BASE64 AES-256-CBC of the personalization data (optional)}
// UpdateTA names them "ciphernewtadata" / "ciphernewpdata"; at least one is present.
// CBC has no integrity of its own: the TAM's signature covers encrypted_ta, and the signed TA
// inside carries the SP's.
namespace teep::protocol::otrp {

inline constexpr qsizetype kMaxTaBytes = 2 * 1024 * 1024;

struct TaImage
{
    QString taid;
    QString taname;
    qint64 version = 0;
    QByteArray binary;
};

Result<QByteArray> signTa(const TaImage &image, const crypto::jose::JwsSigner &sp);

// The image, when the signed TA verifies with one of `signers` (the SD's SP certificates).
// Errors are otrp.ERR_TA_INVALID with the reason.
Result<TaImage> verifyTa(const QByteArray &signedTa, const QList<crypto::Certificate> &signers);

enum class TaOperation { Install, Update };

Result<nlohmann::json> encryptTa(TaOperation operation, const std::optional<QByteArray> &signedTa,
                                 const std::optional<QByteArray> &personalization,
                                 const crypto::Key &spAik);

struct DecryptedTa
{
    std::optional<QByteArray> signedTa;
    std::optional<QByteArray> personalization;
};

// Errors are otrp.ERR_TA_INVALID (wrong shape, not for this AIK, does not decrypt).
Result<DecryptedTa> decryptTa(TaOperation operation, const nlohmann::json &encryptedTa,
                              const crypto::Key &spAikPrivate);

} // namespace teep::protocol::otrp
