#pragma once

#include "attestation/sgxpck.h"
#include "attestation/sgxquote.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/crl.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>
#include <utility>

// Intel's collateral for an SGX quote, as Intel's PCS (or a caching PCCS) hands it out and an
// operator keeps it in files: TCB info (per platform family, FMSPC), the Quoting Enclave's
// identity, CRLs, and the certificates that sign them. Each item is checked on reading: its
// signature by a certificate that chains to the TEE root store (the Intel SGX Root CA).
namespace teep::attestation::sgx {

struct TcbLevel
{
    std::array<int, 16> components{};
    int pceSvn = 0;
    int isvSvn = 0;    // a QE identity's level
    QString status;    // "UpToDate", "SWHardeningNeeded", "OutOfDate", "Revoked", ...
    QString tcbDate;
    QStringList advisories;
};

struct TcbInfo
{
    int version = 0;
    QString fmspc; // hex, lower case
    QString pceId;
    QDateTime issueDate;
    QDateTime nextUpdate;
    int evaluationDataNumber = 0;
    QList<TcbLevel> levels;
};

struct QeIdentity
{
    QString id; // "QE"
    QDateTime issueDate;
    QDateTime nextUpdate;
    quint32 miscSelect = 0;
    quint32 miscSelectMask = 0;
    QByteArray attributes;     // 16
    QByteArray attributesMask; // 16
    QByteArray mrSigner;
    int isvProdId = 0;
    QList<TcbLevel> levels;
};

// One file of collateral, once verified: what it is and what it says of itself.
struct CollateralItem
{
    enum class Kind { TcbInfo, QeIdentity, Crl, Certificates };
    Kind kind = Kind::Certificates;
    QString source;     // the file name
    QByteArray content; // as read: kept so that it can be verified again
    QString subject;    // "FMSPC 00906ed50000", "QE", the CRL's issuer, the certificates' subjects
    QDateTime issued;
    QDateTime nextUpdate;
};
QString collateralKindName(CollateralItem::Kind kind); // "tcb-info", "qe-identity", "crl", "certificates"

struct Collateral
{
    QList<CollateralItem> items;
    QList<TcbInfo> tcbInfos;
    QList<QeIdentity> qeIdentities;
    QList<crypto::Crl> crls;
    QList<crypto::Certificate> certificates;
    bool isEmpty() const { return tcbInfos.isEmpty() && qeIdentities.isEmpty() && crls.isEmpty(); }
};

inline constexpr qsizetype kMaxCollateralFileSize = 1024 * 1024;
inline constexpr int kMaxCollateralFiles = 64;

// The files of a directory (or one file) that may be collateral: *.json, *.pem, *.crt, *.cer,
// *.crl, *.der; at most 64, each at most 1 MiB.
Result<QList<std::pair<QString, QByteArray>>> readCollateralFiles(const QString &path);

// Reads and verifies every file, telling each kind by its content; a file that is none of them,
// is malformed or does not verify refuses the whole set, naming the file and why. Certificates
// are read first: they sign the rest.
Result<Collateral> readCollateral(const QList<std::pair<QString, QByteArray>> &files, const QList<crypto::Certificate> &roots, const Clock &clock);

// What the collateral says of a platform's TCB (the PCK certificate's TCB against the TCB info
// of its FMSPC) and of the Quoting Enclave (its report against the QE identity).
struct TcbVerdict
{
    bool known = false; // false: the collateral has nothing for it (detail says what is missing)
    bool stale = false; // past the collateral's next update
    QString status;
    QString detail;
};
TcbVerdict platformTcb(const Collateral &collateral, const PckExtensions &pck, const QDateTime &now);
TcbVerdict quotingEnclaveTcb(const Collateral &collateral, const ReportBody &qeReport, const QDateTime &now);

// Whether a TCB status is up to date (affirming), degraded but usable (warning) or revoked.
enum class TcbGrade { UpToDate, Degraded, Revoked };
TcbGrade tcbGrade(const QString &status);

} // namespace teep::attestation::sgx
