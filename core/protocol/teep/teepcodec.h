#pragma once

#include "common/error.h"
#include "protocol/teep/teepmessages.h"

namespace teep::protocol {

// How strictly a peer's messages are read. The standard profile follows the draft's CDDL; the
// compatibility profile (a per-device setting) also accepts what deployed agents and older drafts
// send, and lists each such deviation in DecodedMessage::compatibilityNotes.
struct DecodeProfile
{
    bool compatibility = false;
    static DecodeProfile standard() { return {false}; }
    static DecodeProfile compatible() { return {true}; }
};

struct DecodedMessage
{
    Message message;
    QStringList compatibilityNotes; // what was accepted only by the compatibility profile
    QList<qint64> extensionLabels;  // unknown option labels, ignored as the draft allows
};

// Decodes and validates one TEEP message (the COSE payload). Errors name the field ("token
// (label 20)") and what is wrong; Error::code is one of teep.malformed, teep.unsupported-version,
// teep.unsupported-cipher-suites, teep.unsupported-freshness (see errorCodeFor).
Result<DecodedMessage> decodeMessage(const QCborValue &value, const DecodeProfile &profile = DecodeProfile::standard());
Result<DecodedMessage> decodeMessageBytes(const QByteArray &bytes, const DecodeProfile &profile = DecodeProfile::standard());

// The TEEP message as CBOR, ready to be signed.
QByteArray encodeMessage(const Message &message);

// The err-code a peer answers a refused message with.
ErrorCode errorCodeFor(const Error &error);

} // namespace teep::protocol
