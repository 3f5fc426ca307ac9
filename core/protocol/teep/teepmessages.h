#pragma once

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// The five TEEP messages (draft-ietf-teep-protocol, editor's copy ~ -26), as plain data.
namespace teep::protocol {

enum class MessageType : int { QueryRequest = 1, QueryResponse = 2, Update = 3, Success = 5, Error = 6 };

// Option labels (draft 6, "CBOR Labels").
namespace label {
inline constexpr qint64 SupportedTeepCipherSuites = 1;
inline constexpr qint64 Challenge = 2;
inline constexpr qint64 Versions = 3;
inline constexpr qint64 SupportedSuitCoseProfiles = 4;
inline constexpr qint64 SelectedTeepCipherSuite = 5; // removed from the draft; deployed agents still send it
inline constexpr qint64 SelectedVersion = 6;
inline constexpr qint64 AttestationPayload = 7;
inline constexpr qint64 TcList = 8;
inline constexpr qint64 ExtList = 9;
inline constexpr qint64 ManifestList = 10;
inline constexpr qint64 Msg = 11;
inline constexpr qint64 ErrMsg = 12;
inline constexpr qint64 AttestationPayloadFormat = 13;
inline constexpr qint64 RequestedTcList = 14;
inline constexpr qint64 UnneededManifestList = 15;
inline constexpr qint64 ComponentId = 16;
inline constexpr qint64 TcManifestSequenceNumber = 17;
inline constexpr qint64 HaveBinary = 18;
inline constexpr qint64 SuitReports = 19;
inline constexpr qint64 Token = 20;
inline constexpr qint64 SupportedFreshnessMechanisms = 21;
inline constexpr qint64 ErrLang = 22;
inline constexpr qint64 ErrCode = 23;
} // namespace label

// data-item-requested bits.
namespace dataitem {
inline constexpr quint64 Attestation = 1;
inline constexpr quint64 TrustedComponents = 2;
inline constexpr quint64 Extensions = 4;
inline constexpr quint64 SuitReports = 8;
} // namespace dataitem

enum class ErrorCode : quint64 {
    PermanentError = 1,
    UnsupportedExtension = 2,
    UnsupportedFreshnessMechanisms = 3,
    UnsupportedMsgVersion = 4,
    UnsupportedCipherSuites = 5,
    BadCertificate = 6,
    AttestationRequired = 7,
    UnsupportedSuitReport = 8,
    CertificateExpired = 9,
    TemporaryError = 10,
    ManifestProcessingFailed = 17,
};

inline constexpr quint64 FreshnessNonce = 0;
inline constexpr quint64 FreshnessTimestamp = 1;

// A cipher suite: one or more [COSE type, algorithm] operations, e.g. [[18, -9]].
struct CipherSuiteOperation
{
    qint64 coseType = 18;
    qint64 algorithm = -9;
    bool operator==(const CipherSuiteOperation &) const = default;
};
using CipherSuite = QList<CipherSuiteOperation>;
using SuitCoseProfile = QList<qint64>; // e.g. [-16, -9, -29, -65534]

struct QueryRequest
{
    QByteArray token;
    QByteArray challenge;
    QList<quint64> versions; // empty: absent, meaning [0]
    QList<quint64> freshnessMechanisms;
    QString attestationPayloadFormat;
    std::optional<QByteArray> attestationPayload;
    QList<QByteArray> suitReports;
    QList<CipherSuite> cipherSuites;
    QList<SuitCoseProfile> suitCoseProfiles;
    quint64 dataItemRequested = 0;
};

struct RequestedTc
{
    QCborValue componentId; // SUIT_Component_Identifier: [+ bstr]
    std::optional<quint64> manifestSequenceNumber;
    std::optional<bool> haveBinary;
};

struct QueryResponse
{
    QByteArray token;
    std::optional<CipherSuite> selectedCipherSuite; // label 5: removed from the draft, sent by deployed agents (encoded only)
    std::optional<quint64> selectedVersion;
    QString attestationPayloadFormat;
    std::optional<QByteArray> attestationPayload;
    QList<QByteArray> suitReports;
    std::optional<QCborArray> tcList; // system-property-claims maps
    QList<RequestedTc> requestedTcList;
    QList<QCborValue> unneededManifestList;
    QList<quint64> extList;
};

struct Update
{
    QByteArray token;
    QList<QCborValue> unneededManifestList;
    QList<QByteArray> manifestList; // each a SUIT_Envelope
    QString attestationPayloadFormat;
    std::optional<QByteArray> attestationPayload;
    std::optional<quint64> errCode;
    QString errMsg;
    QString errLang;
};

struct Success
{
    QByteArray token;
    QString msg;
    QList<QByteArray> suitReports;
};

struct ErrorMessage
{
    QByteArray token;
    QString errMsg;
    QString errLang;
    QList<CipherSuite> cipherSuites;
    QList<quint64> freshnessMechanisms;
    QList<SuitCoseProfile> suitCoseProfiles;
    QByteArray challenge;
    QList<quint64> versions;
    QList<QByteArray> suitReports;
    quint64 errCode = 1;
};

using Message = std::variant<QueryRequest, QueryResponse, Update, Success, ErrorMessage>;

MessageType messageType(const Message &message);
QString messageTypeName(MessageType type);        // "QueryRequest"
QString labelName(qint64 label);                  // "token", "tc-list", ... ("label 99" if unknown)
QString errorCodeName(quint64 code);              // "ERR_PERMANENT_ERROR", ...
QString dataItemNames(quint64 bits);              // "attestation | trusted-components"

} // namespace teep::protocol
