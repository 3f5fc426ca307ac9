#pragma once

#include "crypto/certificate.h"
#include "crypto/key.h"
#include "tam/catalog.h"

// Publishing a TA version as its SP: the binary signed for OTrP devices (the signed-TA format)
// and a SUIT envelope for TEEP devices (component id [taid], sequence number = version, vendor
// and class ids derived from the SP and TA ids, the code integrated), both by the SP's key, added
// to the catalog together. The console's "Publish TA Version" and `teepctl ta publish` use it.
namespace teep::tam {

struct TaRelease
{
    QString taid;
    QString name;
    qint64 version = 1;
    QByteArray binary;
};

Result<TaVersion> publishTa(Catalog &catalog, const QString &spid, const TaRelease &release, const crypto::Key &spKey,
                            const crypto::Certificate &spCertificate);

} // namespace teep::tam
