#pragma once

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

namespace teep::test {

// A fresh temporary folder for one test, removed afterwards.
class TempDir
{
public:
    TempDir();
    QString path(const QString &name) const;

private:
    QTemporaryDir m_dir;
};

// The bytes of a file, or an empty array if it cannot be read.
QByteArray readAll(const QString &path);
void writeAll(const QString &path, const QByteArray &bytes);

} // namespace teep::test
