#include "crypto/truststore.h"

#include <openssl/x509v3.h>

namespace teep::crypto {

const QList<TrustStoreInfo> &trustStores()
{
    static const QList<TrustStoreInfo> stores = {
        {TrustStore::TamRoot, "tam-root", "TAM Root CAs",
         "Roots devices embed to trust this TAM; provision them into every TEE."},
        {TrustStore::TeeRoot, "tee-root", "TEE Root CAs",
         "Roots that devices' TEE attestation certificates must chain to."},
        {TrustStore::TfwRoot, "tfw-root", "TFW Root CAs",
         "Roots that devices' trusted firmware certificates must chain to (OTrP)."},
        {TrustStore::SpSigner, "sp-signer", "SP Signer CAs",
         "CAs that service providers' TA-signing certificates must chain to."},
        {TrustStore::VerifierKey, "verifier-key", "Verifier Keys",
         "Attestation Verifiers whose attestation results this TAM accepts."},
    };
    return stores;
}

const TrustStoreInfo &trustStoreInfo(TrustStore store)
{
    for (const TrustStoreInfo &info : trustStores()) {
        if (info.store == store)
            return info;
    }
    return trustStores().first();
}

Result<TrustStore> trustStoreFromKey(const QString &key)
{
    QStringList keys;
    for (const TrustStoreInfo &info : trustStores()) {
        if (key == QLatin1String(info.key))
            return info.store;
        keys << QString::fromLatin1(info.key);
    }
    return Error{QStringLiteral("trust.unknown-store"),
                 QStringLiteral("unknown trust store '%1' (use %2)").arg(key, keys.join(QStringLiteral(", ")))};
}

Status checkTrustAnchor(const Certificate &certificate, TrustStore store, const Clock &clock)
{
    const QString who = QStringLiteral("'%1'").arg(certificate.subject());
    const QDateTime now = clock.now();
    if (now < certificate.notBefore())
        return Error{QStringLiteral("trust.not-yet-valid"),
                     QStringLiteral("%1 is not valid before %2").arg(who, certificate.notBefore().toString(Qt::ISODate))};
    if (now > certificate.notAfter())
        return Error{QStringLiteral("trust.expired"),
                     QStringLiteral("%1 expired on %2").arg(who, certificate.notAfter().toString(Qt::ISODate))};
    if (store != TrustStore::VerifierKey) {
        if (!certificate.isCa())
            return Error{QStringLiteral("trust.not-a-ca"),
                         QStringLiteral("%1 is not a CA certificate (basicConstraints CA:TRUE is "
                                        "missing), so it cannot be a root in %2")
                             .arg(who, QString::fromLatin1(trustStoreInfo(store).title))};
        const long usage = certificate.keyUsage();
        if (usage >= 0 && !(usage & KU_KEY_CERT_SIGN))
            return Error{QStringLiteral("trust.key-usage"),
                         QStringLiteral("%1 is a CA whose keyUsage does not allow certificate signing").arg(who)};
    }
    if (certificate.isSelfIssued() && !certificate.isSignedBy(certificate.publicKey()))
        return Error{QStringLiteral("trust.bad-signature"),
                     QStringLiteral("%1 is self-issued but its signature does not verify").arg(who)};
    const Key key = certificate.publicKey();
    if (EVP_PKEY_is_a(key.get(), "RSA") && key.bits() < 2048)
        return Error{QStringLiteral("trust.weak-key"),
                     QStringLiteral("%1 has a %2-bit RSA key; at least 2048 bits are required").arg(who).arg(key.bits())};
    return {};
}

} // namespace teep::crypto
