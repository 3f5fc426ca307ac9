#pragma once

#include "crypto/certbuilder.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include "processrun.h"

#include <QStringList>

namespace teep::test {

struct Issued
{
    crypto::Key key;
    crypto::Certificate certificate;
};

// A fresh key and certificate; fails the running test (qFatal) if OpenSSL refuses, since every
// later assertion would be meaningless.
Issued makeRoot(const QString &commonName, crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256,
                const QDateTime &notBefore = {}, const QDateTime &notAfter = {}, int pathLength = -1);
Issued issueUnder(const Issued &issuer, const QString &commonName, crypto::CertificateProfile profile,
                  crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256,
                  const QDateTime &notBefore = {}, const QDateTime &notAfter = {}, int pathLength = -1);

// Runs the `openssl` command-line tool: the independent implementation we check our files with.
ToolRun runOpenSsl(const QStringList &arguments, const QByteArray &input = {});

} // namespace teep::test
