#pragma once

#include "attestation/eat.h"
#include "common/error.h"

#include <QByteArray>
#include <QCborValue>
#include <QList>
#include <QString>

// What the TEEP engine's files (session flow, admission, Updates) share; not for other code.
namespace teep::tam::teepdetail {

inline constexpr qsizetype kMaxTeepMessageBytes = 8 * 1024 * 1024;

Error badMessage(const QString &message);
QCborValue componentIdFor(const QString &taid);
// Our TAs' component ids are [bstr taid]; anything else the TAM does not manage.
QString taidOf(const QCborValue &componentId);
// SUIT reports (draft-ietf-suit-report) an agent sends with a QueryResponse, Success or Error:
// one line of diagnostic notation each, for the session's record (the Message Inspector shows
// them in full, decoded).
QString suitReportsNote(const QList<QByteArray> &reports);
// One verification step as the attestation result keeps it.
attestation::Check check(const QString &name, attestation::Outcome outcome, const QString &detail);

} // namespace teep::tam::teepdetail
