#pragma once

#include <QString>

namespace teep::paths {

// The database every TEEP Console program opens when no --database is given:
// $XDG_DATA_HOME/teep-console/teep-console.db (~/.local/share/... on Linux). The GUI and teepctl
// share it, so it is derived from the generic data location, not from the application name.
QString defaultDatabasePath();

} // namespace teep::paths
