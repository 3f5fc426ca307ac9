#pragma once

#include "common/error.h"

#include <QSqlDatabase>

namespace teep::store {

// checkServable() for a PostgreSQL database (store/database.h).
Status checkPostgresServable(QSqlDatabase db);

} // namespace teep::store
