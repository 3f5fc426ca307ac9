#pragma once

#include <QByteArray>
#include <QSqlDatabase>
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

// The number of rows in `table` of an open database (-1 if it cannot be counted).
qint64 rowCount(const QSqlDatabase &db, const QString &table);

// The bytes of a file, or an empty array if it cannot be read.
QByteArray readAll(const QString &path);
void writeAll(const QString &path, const QByteArray &bytes);

} // namespace teep::test
