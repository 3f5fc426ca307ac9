#pragma once

#include "crypto/key.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace teep::protocol {

// What `teepctl inspect` (and later the Message Inspector) makes of captured bytes: what they
// are, their annotated diagnostic notation, each decoding and verification step, and a verdict.
struct InspectionStep
{
    QString what;
    bool ok = false;
    QString detail;
};

enum class Verdict {
    Verified = 0,      // everything decoded; every signature verified (or there was none)
    NotCbor = 4,       // the bytes are neither (strict) CBOR nor JSON
    Invalid = 5,       // CBOR or JSON, but not a valid TEEP/OTrP message, COSE object, SUIT envelope or EAT
    NotVerified = 6,   // a signature could not be verified with the keys given
};

struct Inspection
{
    QString kind; // "signed TEEP QueryRequest", "SUIT envelope", "EAT claims", "CBOR", ...
    QString diagnostic;
    QList<InspectionStep> steps;
    Verdict verdict = Verdict::Verified;
    QString reason; // one line: why the verdict is not Verified
};

// Adds a step; the first failing step sets the verdict to `failure` and gives the reason.
void conclude(Inspection &result, const InspectionStep &step, Verdict failure);

// Accepts binary CBOR, hex text ('#' comments and whitespace ignored) or an OTrP JSON message.
// Signatures are tried with each key; `compatibility` admits ES256/EdDSA and the deployed agents'
// TEEP forms; `decryptionKeys` (private) open OTrP's JWE layers.
Inspection inspect(const QByteArray &bytes, const QList<crypto::Key> &keys, bool compatibility,
                   const QList<crypto::Key> &decryptionKeys = {});

} // namespace teep::protocol
