#pragma once

#include "common/error.h"
#include "transport/tamserver.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

#include <utility>

// Where a TAM listens, as an operator writes it (ADDRESS:PORT, [v6]:PORT; port 0 any free one),
// and its HTTPS certificate chain and key from PEM: shared by `teepctl serve` and the console.
namespace teep::transport {

inline constexpr quint16 kDefaultTamPort = 8765;

// ADDRESS alone takes `defaultPort`.
Result<std::pair<QHostAddress, quint16>> parseListenAddress(const QString &text, quint16 defaultPort = kDefaultTamPort);
// The chain (leaf first) and an unencrypted EC or RSA key into `options`; tam.tls when either
// does not read.
Status setTls(ServerOptions &options, const QByteArray &chainPem, const QByteArray &keyPem);
// Both at once, the HTTPS files read from their paths (each at most 1 MiB): an empty address
// leaves the options' own (a free port on 127.0.0.1), an empty certificate path plain HTTP.
Result<ServerOptions> serverOptions(const QString &address, const QString &certificateFile, const QString &keyFile);

} // namespace teep::transport
