#pragma once

#include "attestation/eat.h"

#include <QList>
#include <QString>

// An attestation result's checks as the database keeps them (attestation_results.checks_json:
// [{"name", "outcome", "detail"}, ...]) and back. Readers get typed checks, never the text.
namespace teep::tam {

QString encodeChecks(const QList<attestation::Check> &checks);
// What was stored; a value that is not what encodeChecks writes (edited by hand, cut short)
// reads as one failed check that says so, never as a pass.
QList<attestation::Check> decodeChecks(const QString &stored);
// "name: detail; ..." of the checks that failed, for a session's record.
QString failedChecks(const QList<attestation::Check> &checks);
bool anyWarned(const QList<attestation::Check> &checks);

} // namespace teep::tam
