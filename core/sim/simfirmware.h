#pragma once

#include "attestation/measuredcomponent.h"

#include <QByteArray>
#include <QList>

// The boot chain of a simulated TEE: what its evidence reports as measured components (EAT claim
// 273), and the CoRIM its "vendor" publishes for them, so that a demo appraises components
// against reference values as a real fleet does. A tampered boot loader measures differently.
namespace teep::sim {

inline constexpr const char *kSimModel = "teep-console-sim";

QList<attestation::MeasuredComponent> simFirmware(bool tamperedBootLoader = false);

// An unsigned CoRIM (tag 501, CoMID 506) with the firmware's reference values for kSimModel.
QByteArray simFirmwareCorim();

} // namespace teep::sim
