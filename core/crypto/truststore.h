#pragma once

#include "common/error.h"
#include "common/clock.h"
#include "crypto/certificate.h"

#include <QList>
#include <QString>

namespace teep::crypto {

// The trust-anchor stores of the seed key table, and the attestation Verifier keys.
enum class TrustStore {
    TamRoot,     // TAM root CAs: what devices embed to trust this TAM
    TeeRoot,     // TEE root CAs: check devices' TEE (attestation) certificates
    TfwRoot,     // firmware root CAs: check TFW certificates (OTrP)
    SpSigner,    // SP signer CAs: service providers' TA-signing certificates chain to these
    VerifierKey, // attestation Verifiers whose results the TAM accepts
};

struct TrustStoreInfo
{
    TrustStore store;
    const char *key; // "tam-root", as stored and used on the command line
    const char *title;
    const char *purpose;
};

const QList<TrustStoreInfo> &trustStores();
const TrustStoreInfo &trustStoreInfo(TrustStore store);
Result<TrustStore> trustStoreFromKey(const QString &key);

// Whether `certificate` may become an anchor in `store` at the clock's time: a CA certificate
// with keyCertSign (any certificate for Verifier keys), currently valid, a self-signature that
// verifies when self-issued, and a key of sufficient strength. Errors say exactly what is wrong.
Status checkTrustAnchor(const Certificate &certificate, TrustStore store, const Clock &clock);

} // namespace teep::crypto
