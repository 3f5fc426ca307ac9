#pragma once

#include "crypto/certificate.h"
#include "crypto/jwe.h"

#include <QString>

namespace teep::protocol::otrp {

// What the TAM knows about one TEE in the session (from GetDeviceState, then each response).
struct TeeTarget
{
    QString teeName;                    // routing name, `tee`
    crypto::Certificate teeCertificate; // receives the JWE; its hash is `did`
    QString dsihash;                    // of the DSI the TEE last returned
    QString tid;
    crypto::jose::JwePolicy jwePolicy; // RSA1_5 only where this device's profile allows it
};

// did = BASE64 SHA-256 of the TEE certificate in DER (9.2.1.1).
QString deviceId(const crypto::Certificate &teeCertificate);

} // namespace teep::protocol::otrp
