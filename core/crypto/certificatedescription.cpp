#include "crypto/certificatedescription.h"

namespace teep::crypto {

QString validityName(Validity validity)
{
    switch (validity) {
    case Validity::NotYetValid:
        return QStringLiteral("not-yet-valid");
    case Validity::Valid:
        return QStringLiteral("valid");
    case Validity::ExpiresSoon:
        return QStringLiteral("expires-soon");
    case Validity::Expired:
        return QStringLiteral("expired");
    }
    return {};
}

QList<DetailField> describeCertificate(const Certificate &certificate, const QDateTime &now)
{
    const Key key = certificate.publicKey();
    QString ca = certificate.isCa() ? QStringLiteral("yes") : QStringLiteral("no");
    if (certificate.isCa())
        ca += certificate.pathLength() >= 0 ? QStringLiteral(", path length %1").arg(certificate.pathLength())
                                            : QStringLiteral(", no path length limit");
    QList<DetailField> fields = {
        {QStringLiteral("subject"), QStringLiteral("Subject"), certificate.subject()},
        {QStringLiteral("issuer"), QStringLiteral("Issuer"), certificate.issuer()},
        {QStringLiteral("serial"), QStringLiteral("Serial"), certificate.serialHex()},
        {QStringLiteral("not_before"), QStringLiteral("Valid from"), certificate.notBefore().toString(Qt::ISODate)},
        {QStringLiteral("not_after"), QStringLiteral("Valid until"), certificate.notAfter().toString(Qt::ISODate)},
        {QStringLiteral("validity"), QStringLiteral("Validity now"), validityName(validityAt(certificate, now))},
        {QStringLiteral("key"), QStringLiteral("Key"), key.description()},
        {QStringLiteral("fingerprint_sha256"), QStringLiteral("SHA-256 fingerprint"), certificate.fingerprintSha256()},
        {QStringLiteral("ca"), QStringLiteral("CA"), ca},
    };
    const QStringList extensions = certificate.extensions();
    for (qsizetype i = 0; i < extensions.size(); ++i)
        fields << DetailField{QStringLiteral("extension_%1").arg(i + 1), QStringLiteral("Extension"), extensions[i]};
    return fields;
}

} // namespace teep::crypto
