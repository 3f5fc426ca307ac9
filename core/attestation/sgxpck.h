#pragma once

#include "common/error.h"
#include "crypto/certificate.h"

#include <QByteArray>

#include <array>

// What Intel writes into a PCK (Provisioning Certification Key) certificate about the platform:
// the SGX Extensions (OID 1.2.840.113741.1.13.1), its identity and the TCB it was certified at.
namespace teep::attestation::sgx {

inline constexpr const char *kSgxExtensionsOid = "1.2.840.113741.1.13.1";

struct PckExtensions
{
    QByteArray ppid;                 // 16: the platform's provisioning id
    std::array<int, 16> tcbComponents{}; // the CPU SVN's components, as the TCB info compares them
    int pceSvn = 0;
    QByteArray cpuSvn;               // 16
    QByteArray pceId;                // 2
    QByteArray fmspc;                // 6: the platform family, which TCB info applies
};

// Refuses a certificate without the extension, or with one missing a field or mistyped (naming it).
Result<PckExtensions> pckExtensions(const crypto::Certificate &pck);

// The extension's DER, for a test PCK hierarchy (sim and tests; Intel's own carry more fields).
QByteArray encodePckExtensions(const PckExtensions &extensions);

} // namespace teep::attestation::sgx
