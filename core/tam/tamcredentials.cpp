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
    const Result<QList<TamIdentity>> all = TamIdentities(db, keys, SystemClock::instance(), QString()).list();
    if (!all)
        return all.error();
    const Result<TamIdentity> identity = TamIdentities::activeIn(all.value());
    if (!identity)
        return identity.error();
    if (identity.value().state != QLatin1String("ready"))
        return Error{QStringLiteral("tam.not-ready"), QStringLiteral("the active TAM identity '%1' has no certificate yet").arg(identity.value().name)};
    const Result<crypto::Key> key = keys.load(identity.value().keyId);
    if (!key)
        return key.error();
    TamCredentials credentials{key.value(), identity.value().certificate, identity.value().chain, identity.value().tamId, {}};
    for (const TamIdentity &previous : all.value()) {
        if (!previous.inOverlap())
            continue;
        // Devices that pin the previous key fail without its signature: say so rather than serve
        // without it.
        const Result<crypto::Key> previousKey = keys.load(previous.keyId);
        if (!previousKey)
            return Error{previousKey.error().code,
                         QStringLiteral("the previous TAM key '%1' still signs beside the new one (rollover overlap) and cannot be "
                                        "used: %2; retire it once devices have the new key")
                             .arg(previous.name, previousKey.error().message)};
        credentials.previousKeys << previousKey.value();
    }
    return credentials;
}

} // namespace teep::tam
