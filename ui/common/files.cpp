#include "common/files.h"

#include <QCoreApplication>
#include <QFile>
#include <QSaveFile>

namespace teep::ui {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("teep::ui::files", text);
}
} // namespace

Result<QByteArray> readLocalFile(const QString &path, qint64 limit)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("ui.read"), tr("It cannot be read: %1.").arg(file.errorString()), path};
    // Read one byte more than allowed, so a file that grows meanwhile (or a pipe) is caught too.
    const QByteArray bytes = file.read(limit + 1);
    if (bytes.size() > limit)
        return Error{QStringLiteral("ui.read"), tr("It is larger than %1 KiB, more than such a file can be.").arg(limit / 1024), path};
    if (file.error() != QFileDevice::NoError)
        return Error{QStringLiteral("ui.read"), tr("It cannot be read: %1.").arg(file.errorString()), path};
    return bytes;
}

Status writeLocalFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return Error{QStringLiteral("ui.write"), tr("It cannot be written: %1.").arg(file.errorString()), path};
    return {};
}

} // namespace teep::ui
