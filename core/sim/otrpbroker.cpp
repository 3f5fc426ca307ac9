#include "sim/otrpbroker.h"
#include "common/json.h"
#include "protocol/otrp/otrpframing.h"
#include "sim/otrptee.h"

#include <nlohmann/json.hpp>

namespace teep::sim {

using namespace teep::protocol::otrp;

OtrpBroker::OtrpBroker() = default;
OtrpBroker::~OtrpBroker() = default;
OtrpBroker::OtrpBroker(OtrpBroker &&) noexcept = default;
OtrpBroker &OtrpBroker::operator=(OtrpBroker &&) noexcept = default;

void OtrpBroker::addTee(std::unique_ptr<OtrpTee> tee)
{
    m_tees.push_back(std::move(tee));
}

QList<OtrpTee *> OtrpBroker::tees() const
{
    QList<OtrpTee *> result;
    for (const auto &tee : m_tees)
        result << tee.get();
    return result;
}

QByteArray OtrpBroker::handle(const QByteArray &tamMessage)
{
    const nlohmann::json json = tamMessage.size() <= kMaxMessageBytes
                                    ? parseJson(tamMessage.constData(), tamMessage.constData() + tamMessage.size())
                                    : nlohmann::json();
    if (json.is_object() && json.contains("GetDeviceStateRequest")) {
        nlohmann::json answers = nlohmann::json::array();
        for (const auto &tee : m_tees)
            answers.push_back(tee->process(tamMessage));
        return QByteArray::fromStdString(nlohmann::json{{"GetDeviceStateResponse", answers}}.dump());
    }
    // Route by the TBS's `tee`; the TEE itself checks everything, including that name.
    const Result<Unwrapped> unwrapped = unwrap(json);
    const nlohmann::json tbs = unwrapped ? unwrapped.value().tbs : nlohmann::json::object();
    const auto member = [&](const char *name) { return tbs.contains(name) && tbs[name].is_string() ? tbs[name] : nlohmann::json(""); };
    const QString teeName = QString::fromStdString(member("tee").get<std::string>());
    for (const auto &tee : m_tees) {
        if (tee->name() == teeName || (teeName.isEmpty() && m_tees.size() == 1))
            return QByteArray::fromStdString(tee->process(tamMessage).dump());
    }
    const nlohmann::json error{{"OTrPBrokerError", {{"ver", kVersion}, {"rid", member("rid")}, {"tid", member("tid")}, {"errcode", "ERR_AGENT_TEE_UNKNOWN"}}}};
    return QByteArray::fromStdString(error.dump());
}

} // namespace teep::sim
