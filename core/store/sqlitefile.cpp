#include "store/sqlitefile.h"

#include <QFile>
#include <QFileInfo>

namespace teep::store {

namespace {
constexpr char kSqliteHeader[] = "SQLite format 3"; // 15 characters and a NUL: 16 bytes
constexpr qint64 kHeaderSize = 16;
} // namespace

Result<FileKind> probeDatabaseFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return FileKind::Missing;
    if (info.isDir())
        return Error{QStringLiteral("store.not-a-file"),
                     QStringLiteral("is a directory, not a database file"), path};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("store.unreadable"),
                     QStringLiteral("cannot be read: %1").arg(file.errorString()), path};
    if (file.size() == 0)
        return Error{QStringLiteral("store.empty"),
                     QStringLiteral("is empty (0 bytes), not a database: a crash or a full disk may have left it. Nothing was written; "
                                    "remove the file to start a new database there"),
                     path};
    const QByteArray header = file.read(kHeaderSize);
    if (header.size() < kHeaderSize || header != QByteArray(kSqliteHeader, kHeaderSize))
        return Error{QStringLiteral("store.not-sqlite"),
                     QStringLiteral("is not an SQLite database (its first bytes are not the SQLite "
                                    "header); the file was left untouched"),
                     path};
    return FileKind::Sqlite;
}

} // namespace teep::store
