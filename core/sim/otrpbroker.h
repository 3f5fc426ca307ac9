#pragma once

#include "sim/otrptee.h"

#include <memory>

// The REE side of a simulated OTrP device (-03 6.4, 10): hands each TAM message to the TEE it is
// for and collects the answers. GetDeviceState goes to every TEE; a command goes to the TEE its
// (unverified) `tee` routing field names, or comes back as OTrPBrokerError ERR_AGENT_TEE_UNKNOWN.
namespace teep::sim {

class OtrpBroker
{
public:
    void addTee(std::unique_ptr<OtrpTee> tee) { m_tees.push_back(std::move(tee)); }
    QList<OtrpTee *> tees() const;

    QByteArray handle(const QByteArray &tamMessage);

private:
    std::vector<std::unique_ptr<OtrpTee>> m_tees;
};

} // namespace teep::sim
