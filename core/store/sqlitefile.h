#pragma once

#include "common/error.h"

#include <QString>

namespace teep::store {

// What is at a database path before anything opens it. Read with plain file I/O so that a file
// that is not ours is never handed to SQLite (which could otherwise create journals next to it).
enum class FileKind {
    Missing, // nothing there: a new database will be created
    Sqlite,  // starts with the SQLite 3 header
};

// Returns the kind, or an Error when the path is a directory, unreadable, empty (a zero-byte file
// is what a crash or a full disk leaves, never silently a new database), or not an SQLite file.
Result<FileKind> probeDatabaseFile(const QString &path);

} // namespace teep::store
