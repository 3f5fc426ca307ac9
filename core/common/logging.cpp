#include "common/logging.h"

Q_LOGGING_CATEGORY(lcStore, "teep.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCrypto, "teep.crypto", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProtocol, "teep.protocol", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSuit, "teep.suit", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAttestation, "teep.attestation", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTam, "teep.tam", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTransport, "teep.transport", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSim, "teep.sim", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "teep.app", QtInfoMsg)
