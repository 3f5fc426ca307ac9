#pragma once

#include "common/error.h"

#include <QList>
#include <QMap>
#include <QSet>
#include <QStringList>

#include <nlohmann/json_fwd.hpp>

// The client applications installed in a simulated device's REE and the TAs they depend on
// (RFC 9397 §6.2.1): installing an app requests its TAs (RequestTA), removing it unrequests those
// no other app still needs (UnrequestTA). An app may bundle a TA's binary; the TEE still installs
// it only under a manifest the TAM signs and sends, never on the app's word.
namespace teep::sim {

struct ClientApp
{
    QString name;
    QStringList tas;                  // taids it needs
    QMap<QString, QByteArray> bundled; // taid -> the TA binary shipped inside the app
};

class ClientApps
{
public:
    static constexpr int kMaxApps = 32;
    static constexpr int kMaxTasPerApp = 16;

    Status install(const ClientApp &app);
    Status remove(const QString &name);

    QStringList appNames() const;
    QStringList needed() const;                    // sorted union of what the apps need
    QByteArray bundledBinary(const QString &taid) const; // empty when no app bundles it
    QStringList unrequested() const;               // unrequested and needed by no app
    void forget(const QString &taid) { m_unrequested.remove(taid); }

    nlohmann::json save() const;
    Status load(const nlohmann::json &state);

private:
    QList<ClientApp> m_apps;
    QSet<QString> m_unrequested;
};

} // namespace teep::sim
