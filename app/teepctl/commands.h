#pragma once

#include "cli.h"

namespace teepctl {

// Each runs one command group; `arguments` are the words after the group name.
int runDb(Context &context, const QStringList &arguments);
int runTam(Context &context, const QStringList &arguments);
int runAnchors(Context &context, const QStringList &arguments);
int runSp(Context &context, const QStringList &arguments);
int runAudit(Context &context, const QStringList &arguments);
int runInspect(Context &context, const QStringList &arguments);
int runServe(Context &context, const QStringList &arguments);
int runDemo(Context &context, const QStringList &arguments);
int runDevices(Context &context, const QStringList &arguments);
int runTa(Context &context, const QStringList &arguments);
int runAttestation(Context &context, const QStringList &arguments);
// `attestation collateral ...`, after runAttestation parsed the options (collateralcommands.cpp).
int runCollateral(Context &context, const QStringList &words);
int runRequests(Context &context, const QStringList &arguments);

} // namespace teepctl
