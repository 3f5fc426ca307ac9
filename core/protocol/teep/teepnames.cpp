#include "protocol/teep/teepmessages.h"

namespace teep::protocol {

MessageType messageType(const Message &message)
{
    switch (message.index()) {
    case 0:
        return MessageType::QueryRequest;
    case 1:
        return MessageType::QueryResponse;
    case 2:
        return MessageType::Update;
    case 3:
        return MessageType::Success;
    default:
        return MessageType::Error;
    }
}

QString messageTypeName(MessageType type)
{
    switch (type) {
    case MessageType::QueryRequest:
        return QStringLiteral("QueryRequest");
    case MessageType::QueryResponse:
        return QStringLiteral("QueryResponse");
    case MessageType::Update:
        return QStringLiteral("Update");
    case MessageType::Success:
        return QStringLiteral("Success");
    case MessageType::Error:
        return QStringLiteral("Error");
    }
    return {};
}

QString labelName(qint64 value)
{
    static const char *const names[] = {
        nullptr, "supported-teep-cipher-suites", "challenge", "versions", "supported-suit-cose-profiles",
        "selected-teep-cipher-suite (removed)", "selected-version", "attestation-payload", "tc-list", "ext-list",
        "manifest-list", "msg", "err-msg", "attestation-payload-format", "requested-tc-list", "unneeded-manifest-list",
        "component-id", "tc-manifest-sequence-number", "have-binary", "suit-reports", "token",
        "supported-freshness-mechanisms", "err-lang", "err-code"};
    if (value > 0 && value < qint64(std::size(names)))
        return QString::fromLatin1(names[value]);
    return QStringLiteral("label %1").arg(value);
}

QString errorCodeName(quint64 code)
{
    switch (code) {
    case 1:
        return QStringLiteral("ERR_PERMANENT_ERROR");
    case 2:
        return QStringLiteral("ERR_UNSUPPORTED_EXTENSION");
    case 3:
        return QStringLiteral("ERR_UNSUPPORTED_FRESHNESS_MECHANISMS");
    case 4:
        return QStringLiteral("ERR_UNSUPPORTED_MSG_VERSION");
    case 5:
        return QStringLiteral("ERR_UNSUPPORTED_CIPHER_SUITES");
    case 6:
        return QStringLiteral("ERR_BAD_CERTIFICATE");
    case 7:
        return QStringLiteral("ERR_ATTESTATION_REQUIRED");
    case 8:
        return QStringLiteral("ERR_UNSUPPORTED_SUIT_REPORT");
    case 9:
        return QStringLiteral("ERR_CERTIFICATE_EXPIRED");
    case 10:
        return QStringLiteral("ERR_TEMPORARY_ERROR");
    case 17:
        return QStringLiteral("ERR_MANIFEST_PROCESSING_FAILED");
    default:
        return code > 23 ? QStringLiteral("unknown error %1").arg(code) : QStringLiteral("reserved error %1").arg(code);
    }
}

QString dataItemNames(quint64 bits)
{
    QStringList names;
    if (bits & dataitem::Attestation)
        names << QStringLiteral("attestation");
    if (bits & dataitem::TrustedComponents)
        names << QStringLiteral("trusted-components");
    if (bits & dataitem::Extensions)
        names << QStringLiteral("extensions");
    if (bits & dataitem::SuitReports)
        names << QStringLiteral("suit-reports");
    if (bits & ~quint64(15))
        names << QStringLiteral("unknown bits 0x%1").arg(bits & ~quint64(15), 0, 16);
    return names.isEmpty() ? QStringLiteral("nothing") : names.join(QStringLiteral(" | "));
}

} // namespace teep::protocol
