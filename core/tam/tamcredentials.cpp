#include "tam/tamcredentials.h"

#include "common/clock.h"
#include "store/keystore.h"
#include "tam/tamidentity.h"

namespace teep::tam {

crypto::jose::JwsSigner TamCredentials::jwsSigner() const
{
    return {key, crypto::jose::signingAlgFor(key), QList<crypto::Certificate>{certificate} + chain};
}

Result<TamCredentials> loadActiveTam(QSqlDatabase db, store::KeyStore &keys)
{
    const Result<TamIdentity> identity = TamIdentities(db, keys, SystemClock::instance(), QString()).active();
    if (!identity)
        return identity.error();
    if (identity.value().state != QLatin1String("ready"))
        return Error{QStringLiteral("tam.not-ready"), QStringLiteral("the active TAM identity '%1' has no certificate yet").arg(identity.value().name)};
    const Result<crypto::Key> key = keys.load(identity.value().keyId);
    if (!key)
        return key.error();
    return TamCredentials{key.value(), identity.value().certificate, identity.value().chain, identity.value().tamId};
}

} // namespace teep::tam
