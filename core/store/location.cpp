#include "store/location.h"

#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QUrl>
#include <QUrlQuery>

namespace teep::store {

namespace {

const QStringList &acceptedKeywords()
{
    static const QStringList keywords{QStringLiteral("sslmode"),         QStringLiteral("sslrootcert"),
                                      QStringLiteral("sslcert"),         QStringLiteral("sslkey"),
                                      QStringLiteral("passfile"),        QStringLiteral("connect_timeout"),
                                      QStringLiteral("application_name"), QStringLiteral("target_session_attrs")};
    return keywords;
}

Error badUri(const QString &uri, const QString &why)
{
    return Error{QStringLiteral("store.location"), why, uri};
}

} // namespace

bool isPostgresUri(const QString &text)
{
    return text.startsWith(QLatin1String("postgresql://")) || text.startsWith(QLatin1String("postgres://"));
}

Result<Location> parseLocation(const QString &text)
{
    Location location;
    if (!isPostgresUri(text)) {
        if (text.isEmpty())
            return Error{QStringLiteral("store.location"), QStringLiteral("no database was named")};
        location.engine = Engine::Sqlite;
        location.path = QFileInfo(text).absoluteFilePath();
        location.display = location.path;
        return location;
    }

    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return badUri(text, QStringLiteral("is not a valid PostgreSQL URI: %1").arg(url.errorString()));
    if (!url.password().isEmpty() || QUrlQuery(url).hasQueryItem(QStringLiteral("password"))) {
        QUrl shown = url.adjusted(QUrl::RemovePassword);
        QUrlQuery query(shown);
        query.removeAllQueryItems(QStringLiteral("password"));
        shown.setQuery(query);
        return badUri(shown.toString(),
                      QStringLiteral("carries a password; a password on the command line is readable by every user of the machine. "
                                     "Put it in ~/.pgpass (or the file PGPASSFILE names), or in the PGPASSWORD environment variable"));
    }
    location.engine = Engine::Postgres;
    location.host = url.host();
    if (location.host.isEmpty())
        return badUri(text, QStringLiteral("names no host (postgresql://user@host:port/dbname)"));
    location.port = url.port(5432);
    location.user = url.userName();
    location.database = url.path().mid(1);
    if (location.database.isEmpty() || location.database.contains(QLatin1Char('/')))
        return badUri(text, QStringLiteral("names no database (postgresql://user@host:port/dbname)"));
    QStringList options;
    for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (!acceptedKeywords().contains(key))
            return badUri(text, QStringLiteral("has the parameter \"%1\", which TEEP Console does not pass on (it accepts %2)")
                                    .arg(key, acceptedKeywords().join(QStringLiteral(", "))));
        if (value.contains(QLatin1Char(';')) || value.contains(QLatin1Char(' ')) || value.contains(QLatin1Char('\'')))
            return badUri(text, QStringLiteral("has a value for \"%1\" with a space, quote or semicolon").arg(key));
        options << key + QLatin1Char('=') + value;
    }
    location.connectOptions = options.join(QLatin1Char(';'));
    location.display = text;
    return location;
}

QString shortName(const QString &location)
{
    if (!isPostgresUri(location))
        return QFileInfo(location).fileName();
    const QUrl url(location);
    return QStringLiteral("%1 on %2:%3").arg(url.path().mid(1), url.host()).arg(url.port(5432));
}

namespace {
QMutex passwordsLock;
QHash<QString, QString> &passwords()
{
    static QHash<QString, QString> byUri;
    return byUri;
}
} // namespace

void rememberPassword(const QString &uri, const QString &password)
{
    const QMutexLocker locker(&passwordsLock);
    if (password.isEmpty())
        passwords().remove(uri);
    else
        passwords().insert(uri, password);
}

QString rememberedPassword(const QString &uri)
{
    const QMutexLocker locker(&passwordsLock);
    return passwords().value(uri);
}

} // namespace teep::store
