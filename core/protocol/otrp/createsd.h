#pragma once

#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/jws.h"
#include "crypto/secret.h"
#include "protocol/otrp/dsi.h"

#include <optional>

// CreateSD (OTrP -03 9.2.1), the TAM side. The content is a JWE to the TEE's key; the TEE answers
// under the same CEK with the SD's name, the SP's AIK and, when asked, the new DSI.
namespace teep::protocol::otrp {

// did = BASE64 SHA-256 of the TEE certificate in DER (9.2.1.1).
QString deviceId(const crypto::Certificate &teeCertificate);

struct CreateSdRequest
{
    QString rid;
    QString tid;
    QString teeName;
    QString dsihash; // of the DSI the TEE last returned
    bool nextDsi = true;
    QString spid;
    QString sdName;
    crypto::Certificate spCertificate;
    QString tamId;
    crypto::Certificate teeCertificate; // receives the JWE; its hash is `did`
};

Result<QByteArray> buildCreateSdRequest(const CreateSdRequest &request, const crypto::jose::JwsSigner &tam);

struct CreateSdResult
{
    QString sdName;
    crypto::Key spAik;
    std::optional<DeviceStateInfo> dsi;
    QString dsiHash; // when dsi is present
};

// Checks the TEE's signature (with the certificate GetDeviceState reported), rid/tid, status, did
// and sdname; a "fail" answer becomes an Error carrying the TEE's OTrP code.
Result<CreateSdResult> processCreateSdResponse(const QByteArray &response, const CreateSdRequest &request,
                                               const crypto::Key &tamPrivateKey);

} // namespace teep::protocol::otrp
