#include "common/paths.h"

#include <QDir>
#include <QStandardPaths>

namespace teep::paths {

QString defaultDatabasePath()
{
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QDir(base).filePath(QStringLiteral("teep-console/teep-console.db"));
}

} // namespace teep::paths
