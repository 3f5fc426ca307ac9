#include "protocol/otrp/tamid.h"

namespace teep::protocol::otrp {

QString tamIdFromCertificate(const crypto::Certificate &certificate)
{
    const QStringList names = certificate.subjectAltNames();
    for (const QString &name : names) {
        if (name.startsWith(QLatin1String("URI:")))
            return name.mid(4);
    }
    for (const QString &name : names) {
        if (name.startsWith(QLatin1String("RID:")))
            return QStringLiteral("oid:") + name.mid(4);
    }
    return {};
}

} // namespace teep::protocol::otrp
