#pragma once

#include "common/error.h"
#include "protocol/teep/teepmessages.h"

namespace teep::protocol {

// What a TEEP Agent supports; the simulated device and the tests use it to answer QueryRequests.
struct AgentCapabilities
{
    QList<quint64> versions = {0};
    QList<CipherSuite> cipherSuites = {{{18, -9}}, {{18, -19}}};
    QList<quint64> freshnessMechanisms = {FreshnessNonce};

    // Deployed agents of the ES256/EdDSA era (the compatibility profile).
    static AgentCapabilities legacy() { return {{0}, {{{18, -7}}, {{18, -8}}}, {FreshnessNonce}}; }
};

struct Selection
{
    quint64 version = 0;
    CipherSuite cipherSuite;
};

// The agent's choice for a QueryRequest: the first offered version and cipher suite it supports,
// and a freshness mechanism check when attestation is requested. Refusals carry
// teep.unsupported-version, teep.unsupported-cipher-suites or teep.unsupported-freshness, which
// errorCodeFor() turns into the Error message's err-code.
Result<Selection> selectForQueryRequest(const QueryRequest &request, const AgentCapabilities &agent);

} // namespace teep::protocol
