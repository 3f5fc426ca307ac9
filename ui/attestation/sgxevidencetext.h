#pragma once

#include <QByteArray>
#include <QString>

namespace teep::ui {

// What an SGX quote bundle (application/sgx-quote3-teep-bundle) says, field by field, for the
// Attestation view's "Evidence as Received": the enclave's identity, the Quoting Enclave's, the PCK
// certificate chain with the platform's TCB, and what the report data binds. Empty when `message`
// (a device's signed TEEP message) carries no SGX quote.
QString sgxEvidenceText(const QByteArray &message);

} // namespace teep::ui
