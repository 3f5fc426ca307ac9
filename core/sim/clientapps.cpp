#include "sim/clientapps.h"

#include <nlohmann/json.hpp>

namespace teep::sim {

namespace {
Error appError(const QString &message)
{
    return Error{QStringLiteral("sim.client-app"), message};
}

bool validTaid(const QString &taid)
{
    return !taid.isEmpty() && taid.size() <= 128;
}
} // namespace

Status ClientApps::install(const ClientApp &app)
{
    if (app.name.isEmpty() || app.name.size() > 64)
        return appError(QStringLiteral("a client app needs a name of 1 to 64 characters"));
    if (appNames().contains(app.name))
        return appError(QStringLiteral("client app '%1' is already installed").arg(app.name));
    if (m_apps.size() >= kMaxApps)
        return appError(QStringLiteral("at most %1 client apps per device").arg(kMaxApps));
    if (app.tas.isEmpty() || app.tas.size() > kMaxTasPerApp)
        return appError(QStringLiteral("client app '%1' must depend on 1 to %2 TAs").arg(app.name).arg(kMaxTasPerApp));
    for (const QString &taid : app.tas) {
        if (!validTaid(taid))
            return appError(QStringLiteral("client app '%1': a TA id has 1 to 128 characters").arg(app.name));
    }
    for (auto it = app.bundled.cbegin(); it != app.bundled.cend(); ++it) {
        if (!app.tas.contains(it.key()))
            return appError(QStringLiteral("client app '%1' bundles %2 but does not depend on it").arg(app.name, it.key()));
    }
    m_apps << app;
    for (const QString &taid : app.tas)
        m_unrequested.remove(taid); // RequestTA
    return {};
}

Status ClientApps::remove(const QString &name)
{
    const auto found = std::find_if(m_apps.cbegin(), m_apps.cend(), [&](const ClientApp &app) { return app.name == name; });
    if (found == m_apps.cend())
        return appError(QStringLiteral("no client app '%1' is installed").arg(name));
    const QStringList tas = found->tas;
    m_apps.erase(found);
    const QStringList stillNeeded = needed();
    for (const QString &taid : tas) {
        if (!stillNeeded.contains(taid))
            m_unrequested.insert(taid); // UnrequestTA: no other app depends on it
    }
    return {};
}

QStringList ClientApps::appNames() const
{
    QStringList names;
    for (const ClientApp &app : m_apps)
        names << app.name;
    return names;
}

QStringList ClientApps::needed() const
{
    QSet<QString> all;
    for (const ClientApp &app : m_apps) {
        for (const QString &taid : app.tas)
            all.insert(taid);
    }
    QStringList sorted(all.cbegin(), all.cend());
    sorted.sort();
    return sorted;
}

QByteArray ClientApps::bundledBinary(const QString &taid) const
{
    for (const ClientApp &app : m_apps) {
        if (app.bundled.contains(taid))
            return app.bundled.value(taid);
    }
    return {};
}

QStringList ClientApps::unrequested() const
{
    QStringList sorted(m_unrequested.cbegin(), m_unrequested.cend());
    sorted.sort();
    return sorted;
}

nlohmann::json ClientApps::save() const
{
    nlohmann::json apps = nlohmann::json::array();
    for (const ClientApp &app : m_apps) {
        nlohmann::json entry{{"name", app.name.toStdString()}, {"tas", nlohmann::json::array()}, {"bundled", nlohmann::json::object()}};
        for (const QString &taid : app.tas)
            entry["tas"].push_back(taid.toStdString());
        for (auto it = app.bundled.cbegin(); it != app.bundled.cend(); ++it)
            entry["bundled"][it.key().toStdString()] = it.value().toBase64().toStdString();
        apps.push_back(entry);
    }
    nlohmann::json dropped = nlohmann::json::array();
    for (const QString &taid : unrequested())
        dropped.push_back(taid.toStdString());
    return {{"apps", apps}, {"unrequested", dropped}};
}

Status ClientApps::load(const nlohmann::json &state)
{
    const Error malformed = appError(QStringLiteral("the client apps in the state file are malformed"));
    if (!state.is_object() || !state.contains("apps") || !state["apps"].is_array() || !state.contains("unrequested") || !state["unrequested"].is_array())
        return malformed;
    ClientApps loaded;
    for (const nlohmann::json &entry : state["apps"]) {
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() || !entry.contains("tas") || !entry["tas"].is_array() ||
            !entry.contains("bundled") || !entry["bundled"].is_object())
            return malformed;
        ClientApp app;
        app.name = QString::fromStdString(entry["name"].get<std::string>());
        for (const nlohmann::json &taid : entry["tas"]) {
            if (!taid.is_string())
                return malformed;
            app.tas << QString::fromStdString(taid.get<std::string>());
        }
        for (auto it = entry["bundled"].cbegin(); it != entry["bundled"].cend(); ++it) {
            if (!it.value().is_string())
                return malformed;
            app.bundled.insert(QString::fromStdString(it.key()), QByteArray::fromBase64(QByteArray::fromStdString(it.value().get<std::string>())));
        }
        if (const Status installed = loaded.install(app); !installed)
            return installed;
    }
    for (const nlohmann::json &taid : state["unrequested"]) {
        if (!taid.is_string() || !validTaid(QString::fromStdString(taid.get<std::string>())))
            return malformed;
        loaded.m_unrequested.insert(QString::fromStdString(taid.get<std::string>()));
    }
    *this = loaded;
    return {};
}

} // namespace teep::sim
