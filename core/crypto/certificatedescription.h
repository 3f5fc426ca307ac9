#pragma once

#include "crypto/certificate.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace teep::crypto {

// One line of a certificate's details, as the console's details pane and `teepctl ... show`
// print them: a stable key for JSON, a label for people, and the value.
struct DetailField
{
    QString key;   // "subject", "not_after", ...
    QString label; // "Subject", "Valid until", ...
    QString value;
};

QString validityName(Validity validity); // "valid", "expires-soon", "expired", "not-yet-valid"

// Subject, issuer, serial, validity (with its state at `now`), key type and size, SHA-256
// fingerprint, CA flag and path length, and every extension.
QList<DetailField> describeCertificate(const Certificate &certificate, const QDateTime &now);

} // namespace teep::crypto
