#pragma once

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QUrl>

#include <cstdio>
#include <cstdlib>

// What the benchmarks that also run on PostgreSQL (TEEP_BENCH_POSTGRES) share.
namespace teep::bench {

// A new, empty database on the PostgreSQL server whose maintenance URI is `server`; its URI.
inline QString createPostgresDatabase(const QString &server, const QString &name)
{
    const QUrl url(server);
    {
        QSqlDatabase admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("bench-admin"));
        admin.setHostName(url.host());
        admin.setPort(url.port(5432));
        admin.setUserName(url.userName());
        admin.setDatabaseName(url.path().mid(1));
        if (!admin.open() || !QSqlQuery(admin).exec(QStringLiteral("SET client_min_messages = warning")) ||
            !QSqlQuery(admin).exec(QStringLiteral("DROP DATABASE IF EXISTS %1").arg(name)) ||
            !QSqlQuery(admin).exec(QStringLiteral("CREATE DATABASE %1").arg(name))) {
            std::fprintf(stderr, "cannot make database %s on %s: %s\n", qPrintable(name), qPrintable(server), qPrintable(admin.lastError().text()));
            std::exit(2);
        }
        admin.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bench-admin"));
    return server.left(server.lastIndexOf(QLatin1Char('/')) + 1) + name;
}

} // namespace teep::bench
