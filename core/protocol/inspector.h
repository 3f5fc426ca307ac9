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
    NotCbor = 4,       // the bytes are not (strict) CBOR
    Invalid = 5,       // CBOR, but not a valid TEEP message, COSE object, SUIT envelope or EAT
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

// Accepts binary CBOR or hex text ('#' comments and whitespace ignored). Signatures are tried with
// each key; `compatibility` admits ES256/EdDSA and the deployed agents' TEEP forms.
Inspection inspect(const QByteArray &bytes, const QList<crypto::Key> &keys, bool compatibility);

} // namespace teep::protocol
