#pragma once

#include <QLoggingCategory>

// One category per subsystem, enabled and filtered with QT_LOGGING_RULES, e.g.
// QT_LOGGING_RULES="teep.store.debug=true". Secrets never reach any of them.
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcCrypto)
Q_DECLARE_LOGGING_CATEGORY(lcProtocol)
Q_DECLARE_LOGGING_CATEGORY(lcSuit)
Q_DECLARE_LOGGING_CATEGORY(lcAttestation)
Q_DECLARE_LOGGING_CATEGORY(lcTam)
Q_DECLARE_LOGGING_CATEGORY(lcTransport)
Q_DECLARE_LOGGING_CATEGORY(lcSim)
Q_DECLARE_LOGGING_CATEGORY(lcApp)
