#pragma once

#include "crypto/certificate.h"

#include <QString>

namespace teep::protocol::otrp {

// Decision (OTrP leaves it open, otrp.md 2.6): the TAM id is carried in the TAM certificate's
// subjectAltName, as a URI (preferred, e.g. urn:uuid:... or the TAM's service URL) or a
// registeredID. The first URI wins; without one, the first registeredID as "oid:<dotted>".
// A protocol rule both sides apply: the TAM to name itself, a TEE to check who commands it.
QString tamIdFromCertificate(const crypto::Certificate &certificate);

} // namespace teep::protocol::otrp
