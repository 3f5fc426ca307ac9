#include "pkifixtures.h"

namespace teep::test {

using namespace teep::crypto;
using teep::Result;

Issued makeRoot(const QString &commonName, KeyAlgorithm algorithm, const QDateTime &notBefore,
                const QDateTime &notAfter, int pathLength)
{
    Result<Key> key = Key::generate(algorithm);
    if (!key)
        qFatal("key generation failed: %s", qPrintable(key.error().message));
    CertificateSpec spec;
    spec.commonName = commonName;
    spec.organization = QStringLiteral("TEEP Console Tests");
    spec.profile = CertificateProfile::RootCa;
    spec.pathLength = pathLength;
    spec.notBefore = notBefore;
    spec.notAfter = notAfter;
    Result<Certificate> cert = issueCertificate(spec, key.value(), key.value());
    if (!cert)
        qFatal("root issue failed: %s", qPrintable(cert.error().message));
    return {key.value(), cert.value()};
}

Issued issueUnder(const Issued &issuer, const QString &commonName, CertificateProfile profile,
                  KeyAlgorithm algorithm, const QDateTime &notBefore, const QDateTime &notAfter,
                  int pathLength)
{
    Result<Key> key = Key::generate(algorithm);
    if (!key)
        qFatal("key generation failed: %s", qPrintable(key.error().message));
    CertificateSpec spec;
    spec.commonName = commonName;
    spec.profile = profile;
    spec.pathLength = pathLength;
    spec.notBefore = notBefore;
    spec.notAfter = notAfter;
    Result<Certificate> cert = issueCertificate(spec, key.value(), issuer.key, issuer.certificate);
    if (!cert)
        qFatal("issue failed: %s", qPrintable(cert.error().message));
    return {key.value(), cert.value()};
}

ToolRun runOpenSsl(const QStringList &arguments, const QByteArray &input)
{
    return runProgram(QStringLiteral("openssl"), arguments, input);
}

} // namespace teep::test
