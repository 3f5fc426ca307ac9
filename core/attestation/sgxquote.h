#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QString>

// Intel SGX ECDSA quotes (DCAP, quote format version 3) as today's SGX-based TEEP Agents send
// them: `attestation-payload-format` application/sgx-quote3-teep-bundle, a CBOR array
// [quote, raw-report-data]. Only the layout: what each field holds (sgxappraisal.h verifies it).
namespace teep::attestation::sgx {

inline constexpr const char *kBundleFormat = "application/sgx-quote3-teep-bundle";

inline constexpr int kReportBodySize = 384;
inline constexpr int kHeaderSize = 48;
inline constexpr int kMaxQuoteSize = 64 * 1024;      // a quote with its PEM chain is ~5 KB
inline constexpr quint16 kPckChainCertificationType = 5; // concatenated PEM: PCK, its CA, the root

// An SGX report body (the enclave's, or the Quoting Enclave's), 384 bytes.
struct ReportBody
{
    QByteArray cpuSvn;      // 16
    quint32 miscSelect = 0;
    QByteArray attributes;  // 16: flags (little-endian u64) then XFRM
    QByteArray mrEnclave;   // 32
    QByteArray mrSigner;    // 32
    quint16 isvProdId = 0;
    quint16 isvSvn = 0;
    QByteArray reportData;  // 64
    quint64 flags() const;
    bool debug() const { return flags() & 0x2; } // ATTRIBUTES.DEBUG: the host can read the enclave
};

struct Quote
{
    quint16 version = 0;
    quint16 attestationKeyType = 0; // 2: ECDSA P-256
    quint16 qeSvn = 0;
    quint16 pceSvn = 0;
    QByteArray qeVendorId;          // 16
    QByteArray userData;            // 20: the platform's QE id first
    ReportBody enclave;
    QByteArray signedBytes;         // header and enclave report: what the attestation key signs
    QByteArray signature;           // 64, r || s
    QByteArray attestationKey;      // 64, x || y (P-256)
    ReportBody qeReport;
    QByteArray qeReportBytes;       // what the PCK key signs
    QByteArray qeReportSignature;   // 64, r || s
    QByteArray qeAuthenticationData;
    quint16 certificationDataType = 0;
    QByteArray certificationData;   // type 5: PEM certificates
};

// The quote's fields; refuses a wrong size, version or key type with the byte offset and why.
Result<Quote> parseQuote(const QByteArray &bytes);

// The TEEP bundle: [quote, raw-report-data], raw-report-data being the agent key's x || y and the
// QueryRequest's challenge.
struct Bundle
{
    QByteArray quote;
    QByteArray rawReportData;
};
Result<Bundle> parseBundle(const QByteArray &cbor);
QByteArray encodeBundle(const Bundle &bundle);

// Writing, for simulated agents and tests: the report body's 384 bytes, and a quote from its parts
// (signedBytes, qeReportBytes are ignored: made from the other fields).
QByteArray encodeReportBody(const ReportBody &body);
QByteArray encodeQuoteHeaderAndBody(const Quote &quote);
QByteArray encodeQuote(const Quote &quote);

} // namespace teep::attestation::sgx
