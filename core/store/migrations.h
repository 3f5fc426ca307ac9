#pragma once

#include "store/migration.h"

namespace teep::store {

// Every schema step of TEEP Console, oldest first. See migrations.cpp.
const MigrationList &schemaMigrations();

// The schema version this build writes: the number of the last step.
int latestSchemaVersion();

} // namespace teep::store
