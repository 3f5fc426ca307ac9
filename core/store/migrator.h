#pragma once

#include "common/error.h"
#include "store/migration.h"
#include "store/sql.h"

#include <QSqlDatabase>

namespace teep::store {

// The highest version recorded in schema_migrations, 0 for a database without that table.
Result<int> readSchemaVersion(const QSqlDatabase &db);

// Brings `db` from its recorded version to the last of `migrations` in one transaction. On the
// first failing statement everything is rolled back and the Error names the migration, the
// statement's position and the engine's message. On PostgreSQL an advisory lock makes
// concurrent migrations of one database run one after the other. `migrations` must be numbered 1, 2, 3, ... .
// Returns the number of migrations applied.
Result<int> migrate(QSqlDatabase &db, const MigrationList &migrations);

} // namespace teep::store
