#pragma once

#include "protocol/inspector.h"

#include <nlohmann/json_fwd.hpp>

// `teepctl inspect` and the Message Inspector for OTrP: each JWS and JWE layer of a message shown
// and, with the keys given, verified and opened (content, edsi, the TA key, the TA itself).
namespace teep::protocol::otrp {

// `json` is any parsed JSON value; `keys` verify signatures (the x5c certificate a message carries
// is tried too, its chain not checked); `decryptionKeys` are private keys that may open JWEs.
Inspection inspectOtrp(const nlohmann::json &json, const QList<crypto::Key> &keys,
                       const QList<crypto::Key> &decryptionKeys);

} // namespace teep::protocol::otrp
