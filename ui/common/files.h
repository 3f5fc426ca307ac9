#pragma once

#include "common/error.h"

#include <QByteArray>
#include <QString>

// The files an operator imports and exports (certificates, keys, session files, CSRs). Called on
// an Operation's thread (ui/common/operation.h): a file on a slow or network disk never holds the
// window.
namespace teep::ui {

// The whole file, refused (ui.read, naming the file) when it cannot be read or is larger than
// `limit` bytes.
Result<QByteArray> readLocalFile(const QString &path, qint64 limit);
// Written in full or not at all (QSaveFile): an existing file is replaced only once the new one
// is complete. ui.write, naming the file, when it cannot be.
Status writeLocalFile(const QString &path, const QByteArray &bytes);

} // namespace teep::ui
