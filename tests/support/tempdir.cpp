#include "tempdir.h"

#include <QFile>
#include <QSqlQuery>
#include <QTest>

namespace teep::test {

TempDir::TempDir()
{
    if (!m_dir.isValid())
        qFatal("cannot create a temporary folder: %s", qPrintable(m_dir.errorString()));
}

QString TempDir::path(const QString &name) const
{
    return m_dir.filePath(name);
}

qint64 rowCount(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    // As the programs make theirs: its owner's alone (a passphrase file may be refused otherwise).
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace teep::test
