#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QCborArray>
#include <QCborValue>

namespace teep::cbor {

// Limits on CBOR read from a device, a file or a paste. The defaults suit TEEP messages, SUIT
// envelopes and EATs; a decoder may tighten them.
struct Limits
{
    qsizetype maxBytes = 1024 * 1024;
    int maxDepth = 24;
    qsizetype maxItems = 100000;
    // Preferred serialization (RFC 8949 4.1): shortest integer and length forms, as TEEP's EAT
    // profile and COSE's deterministic encodings require.
    bool requirePreferred = false;
};

// Decodes exactly one CBOR data item, refusing: truncated or malformed input, trailing bytes,
// indefinite lengths, duplicate map keys, invalid UTF-8, integers below -2^63, and anything
// past the limits. Errors carry the byte offset in `where`.
Result<QCborValue> decodeStrict(const QByteArray &bytes, const Limits &limits = {});

// CBOR in RFC 8949 deterministic form: preferred serialization and map keys sorted by their
// encoded bytes. Used for COSE Key thumbprints and anything that is hashed.
QByteArray encodeDeterministic(const QCborValue &value);

// An array holding one value. Spelt out because QCborArray{QCborArray{...}} is a copy of the inner
// array for clang and an array around it for g++.
QCborArray arrayOf(const QCborValue &only);

} // namespace teep::cbor
