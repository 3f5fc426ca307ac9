#include "transport/listenaddress.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

namespace teep::transport {

Result<std::pair<QHostAddress, quint16>> parseListenAddress(const QString &text, quint16 defaultPort)
{
    const QString trimmed = text.trimmed();
    // An IPv6 address has colons of its own: its port follows "]:".
    const bool bracketed = trimmed.startsWith(QLatin1Char('['));
    const qsizetype colon = bracketed ? trimmed.indexOf(QLatin1String("]:")) + 1 : trimmed.lastIndexOf(QLatin1Char(':'));
    const bool hasPort = bracketed ? colon > 0 : (colon >= 0 && trimmed.count(QLatin1Char(':')) == 1);
    QString host = hasPort ? trimmed.left(colon) : trimmed;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool portOk = true;
    const uint port = hasPort ? trimmed.mid(colon + 1).toUInt(&portOk) : defaultPort;
    QHostAddress address;
    if (!address.setAddress(host) || !portOk || port > 65535)
        return Error{QStringLiteral("tam.listen"),
                     QStringLiteral("'%1' is not ADDRESS:PORT, e.g. 127.0.0.1:%2, 0.0.0.0:%2 (every interface) or [::1]:%2; port 0 picks a free one")
                         .arg(text.left(100))
                         .arg(kDefaultTamPort)};
    return std::pair{address, quint16(port)};
}

Status setTls(ServerOptions &options, const QByteArray &chainPem, const QByteArray &keyPem)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromData(chainPem, QSsl::Pem);
    // The key's type from what it parses as, not from its PEM label (PKCS#8 says "PRIVATE KEY" for both).
    QSslKey key(keyPem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Rsa, QSsl::Pem);
    if (chain.isEmpty())
        return Error{QStringLiteral("tam.tls"), QStringLiteral("the TLS certificate file holds no PEM certificate")};
    if (key.isNull())
        return Error{QStringLiteral("tam.tls"), QStringLiteral("the TLS key file holds no unencrypted PEM key (EC or RSA)")};
    options.tlsCertificate = chain.first();
    options.tlsChain = chain.mid(1);
    options.tlsKey = key;
    return {};
}

namespace {

Result<QByteArray> readSmallFile(const QString &path)
{
    constexpr qint64 kMaxBytes = 1024 * 1024;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("tam.tls"), QStringLiteral("cannot read %1: %2").arg(path, file.errorString())};
    if (file.size() > kMaxBytes)
        return Error{QStringLiteral("tam.tls"), QStringLiteral("%1 is larger than a certificate or key file (over 1 MiB)").arg(path)};
    return file.read(kMaxBytes);
}

} // namespace

Result<ServerOptions> serverOptions(const QString &address, const QString &certificateFile, const QString &keyFile)
{
    ServerOptions options;
    if (!address.isEmpty()) {
        const auto where = parseListenAddress(address);
        if (!where)
            return where.error();
        options.address = where.value().first;
        options.port = where.value().second;
    }
    if (!certificateFile.isEmpty()) {
        const Result<QByteArray> chain = readSmallFile(certificateFile);
        const Result<QByteArray> key = readSmallFile(keyFile);
        if (!chain || !key)
            return chain ? key.error() : chain.error();
        if (const Status set = setTls(options, chain.value(), key.value()); !set)
            return set.error();
    }
    return options;
}

} // namespace teep::transport
