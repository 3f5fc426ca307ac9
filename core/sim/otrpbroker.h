#pragma once

#include <QByteArray>
#include <QList>

#include <memory>
#include <vector>

// The REE side of a simulated OTrP device (-03 6.4, 10): hands each TAM message to the TEE it is
// for and collects the answers. GetDeviceState goes to every TEE; a command goes to the TEE its
// (unverified) `tee` routing field names, or comes back as OTrPBrokerError ERR_AGENT_TEE_UNKNOWN.
namespace teep::sim {

class OtrpTee; // sim/otrptee.h

class OtrpBroker
{
public:
    OtrpBroker();
    ~OtrpBroker();
    OtrpBroker(OtrpBroker &&) noexcept;
    OtrpBroker &operator=(OtrpBroker &&) noexcept;

    void addTee(std::unique_ptr<OtrpTee> tee);
    QList<OtrpTee *> tees() const;

    QByteArray handle(const QByteArray &tamMessage);

private:
    std::vector<std::unique_ptr<OtrpTee>> m_tees;
};

} // namespace teep::sim
