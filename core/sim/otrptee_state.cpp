// The simulated TEE's secure storage, as a JSON document in the device's state directory. The
// SP AIKs are stored as unencrypted PKCS#8: this is a simulator's disk, not a TEE's.
#include "sim/otrptee.h"

#include "crypto/pkcs8.h"

#include <nlohmann/json.hpp>

namespace teep::sim {

using namespace teep::protocol::otrp;

namespace {
std::string base64(const QByteArray &bytes)
{
    return bytes.toBase64().toStdString();
}

std::optional<QByteArray> fromBase64(const nlohmann::json &value)
{
    if (!value.is_string())
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(value.get<std::string>()), QByteArray::AbortOnBase64DecodingErrors);
    return decoded ? std::optional<QByteArray>(decoded.decoded) : std::nullopt;
}

QString text(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}
} // namespace

nlohmann::json OtrpTee::saveState() const
{
    nlohmann::json state{{"format", 1}, {"sds", nlohmann::json::array()}, {"aiks", nlohmann::json::object()}, {"tas", nlohmann::json::array()},
                         {"rids", nlohmann::json::array()}, {"dsihash", nlohmann::json::object()}};
    for (const SdEntry &sd : m_sds) {
        nlohmann::json entry{{"name", sd.name.toStdString()}, {"spid", sd.spid.toStdString()}, {"tamid", sd.tamid.toStdString()},
                             {"tas", nlohmann::json::array()}, {"spcerts", nlohmann::json::array()}};
        for (const TaEntry &ta : sd.tas)
            entry["tas"].push_back({{"taid", ta.taid.toStdString()}, {"taname", ta.taname.toStdString()}});
        for (const crypto::Certificate &certificate : sd.spcerts)
            entry["spcerts"].push_back(base64(certificate.der()));
        state["sds"].push_back(entry);
    }
    for (auto it = m_aiks.cbegin(); it != m_aiks.cend(); ++it) {
        const Result<crypto::Secret> der = crypto::plainPrivateKey(it.value());
        if (der)
            state["aiks"][it.key().toStdString()] = base64(der.value().bytes());
    }
    for (const StoredTa &ta : m_tas)
        state["tas"].push_back({{"taid", ta.taid.toStdString()}, {"taname", ta.taname.toStdString()}, {"version", ta.version},
                                {"binary", base64(ta.binary)}, {"personalization", base64(ta.personalization)}, {"spid", ta.spid.toStdString()}});
    for (const QString &rid : m_seenRids)
        state["rids"].push_back(rid.toStdString());
    for (auto it = m_lastDsiHash.cbegin(); it != m_lastDsiHash.cend(); ++it)
        state["dsihash"][it.key().toStdString()] = it.value().toStdString();
    state["client_apps"] = m_apps.save();
    return state;
}

Status OtrpTee::loadState(const nlohmann::json &state)
{
    const Error malformed{QStringLiteral("sim.state"), QStringLiteral("the TEE state file is malformed")};
    if (!state.is_object() || state.value("format", nlohmann::json()) != 1)
        return malformed;
    for (const char *member : {"sds", "tas", "rids"}) {
        if (!state.contains(member) || !state[member].is_array())
            return malformed;
    }
    for (const char *member : {"aiks", "dsihash"}) {
        if (!state.contains(member) || !state[member].is_object())
            return malformed;
    }
    QList<SdEntry> sds;
    for (const nlohmann::json &entry : state["sds"]) {
        if (!entry.is_object() || !entry.contains("tas") || !entry["tas"].is_array() || !entry.contains("spcerts") || !entry["spcerts"].is_array())
            return malformed;
        SdEntry sd{text(entry, "name"), text(entry, "spid"), {}, text(entry, "tamid"), {}};
        for (const nlohmann::json &ta : entry["tas"])
            sd.tas << TaEntry{text(ta, "taid"), text(ta, "taname")};
        for (const nlohmann::json &value : entry["spcerts"]) {
            const std::optional<QByteArray> der = fromBase64(value);
            const Result<crypto::Certificate> certificate = der ? crypto::Certificate::fromDer(*der) : Result<crypto::Certificate>(malformed);
            if (!certificate)
                return malformed;
            sd.spcerts << certificate.value();
        }
        sds << sd;
    }
    QMap<QString, crypto::Key> aiks;
    for (auto it = state["aiks"].cbegin(); it != state["aiks"].cend(); ++it) {
        const std::optional<QByteArray> der = fromBase64(it.value());
        const Result<crypto::Key> key = der ? crypto::readPlainPrivateKey(*der) : Result<crypto::Key>(malformed);
        if (!key)
            return malformed;
        aiks.insert(QString::fromStdString(it.key()), key.value());
    }
    QMap<QString, StoredTa> tas;
    for (const nlohmann::json &entry : state["tas"]) {
        const std::optional<QByteArray> binary = fromBase64(entry.value("binary", nlohmann::json()));
        const std::optional<QByteArray> personalization = fromBase64(entry.value("personalization", nlohmann::json()));
        if (!entry.is_object() || !binary || !personalization || !entry.contains("version") || !entry["version"].is_number_integer())
            return malformed;
        tas.insert(text(entry, "taid"), StoredTa{text(entry, "taid"), text(entry, "taname"), entry["version"].get<qint64>(), *binary, *personalization,
                                                 text(entry, "spid")});
    }
    QStringList rids;
    for (const nlohmann::json &rid : state["rids"])
        rids << (rid.is_string() ? QString::fromStdString(rid.get<std::string>()) : QString());
    QMap<QString, QString> hashes;
    for (auto it = state["dsihash"].cbegin(); it != state["dsihash"].cend(); ++it)
        hashes.insert(QString::fromStdString(it.key()), it.value().is_string() ? QString::fromStdString(it.value().get<std::string>()) : QString());
    ClientApps apps;
    if (state.contains("client_apps")) {
        if (const Status loaded = apps.load(state["client_apps"]); !loaded)
            return loaded;
    }
    m_apps = apps;
    m_sds = sds;
    m_aiks = aiks;
    m_tas = tas;
    m_seenRids = rids;
    m_lastDsiHash = hashes;
    return {};
}

} // namespace teep::sim
