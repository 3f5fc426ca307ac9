#pragma once

#include "attestation/corim.h"
#include "common/error.h"

#include <QCborValue>
#include <QList>
#include <QString>

// Measured components (RFC 10013, draft-ietf-rats-eat-measured-component): what an Attester
// reports of each piece of software it measured, inside the EAT `measurements` claim (273).
namespace teep::attestation {

struct MeasuredComponent
{
    QString name;
    QString version;
    corim::Digest digest;
    bool operator==(const MeasuredComponent &) const = default;
};

// The measured components in a `measurements` claim: [+ [content-type, bstr content]]. Entries in
// other formats (a SUIT report, CoSWID) are skipped; an entry that claims to be a measured
// component and is not is an error naming the entry.
Result<QList<MeasuredComponent>> measuredComponents(const QCborValue &measurements);

// One entry, as an Attester (or a test) writes it: [content-type, bstr .cbor measured-component].
QCborValue measuredComponentEntry(const MeasuredComponent &component);

inline constexpr const char *kMeasuredComponentType = "application/measured-component+cbor";

} // namespace teep::attestation
