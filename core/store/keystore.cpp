#include "store/keystore.h"

#include "crypto/pkcs11key.h"
#include "crypto/pkcs11keygen.h"
#include "crypto/pkcs8.h"
#include "store/sql.h"

#include <QSqlError>
#include <QSqlQuery>

namespace teep::store {

namespace {
constexpr qsizetype kMinPassphraseLength = 8;
const QString kDemo = QStringLiteral("demo-unprotected");
const QString kProtected = QStringLiteral("passphrase");
} // namespace

KeyStore::KeyStore(QSqlDatabase db) : m_db(std::move(db)) {}

KeyStore::KeyStore(QSqlDatabase db, const KeyStore &keys)
    : m_db(std::move(db)), m_passphrase(QByteArray(keys.m_passphrase.bytes())), m_tokenPin(QByteArray(keys.m_tokenPin.bytes()))
{
}

Result<crypto::Key> KeyStore::loadTokenKey(const QString &uri) const
{
    if (m_tokenPin.isEmpty())
        return Error{QStringLiteral("keys.token-pin"), QStringLiteral("the key is in a PKCS#11 token: its PIN is needed")};
    return crypto::loadPkcs11Key(uri, m_tokenPin);
}

Result<crypto::Key> KeyStore::makeTokenKey(const QString &uri, crypto::KeyAlgorithm algorithm) const
{
    if (m_tokenPin.isEmpty())
        return Error{QStringLiteral("keys.token-pin"), QStringLiteral("the key is to be made in a PKCS#11 token: its PIN is needed")};
    return crypto::generateInToken(uri, m_tokenPin, algorithm);
}

Status KeyStore::unlock(crypto::Secret passphrase)
{
    const Result<PassphraseProbe> probed = probe();
    if (!probed)
        return probed.error();
    if (const Status checked = check(probed.value(), passphrase); !checked)
        return checked;
    unlockChecked(std::move(passphrase));
    return {};
}

Result<KeyStore::PassphraseProbe> KeyStore::probe() const
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT pkcs8 FROM private_keys WHERE protection = 'passphrase' AND token_uri IS NULL ORDER BY id LIMIT 1")))
        return Error{QStringLiteral("keys.read"), query.lastError().text()};
    if (query.next())
        return PassphraseProbe{query.value(0).toByteArray()};
    return PassphraseProbe{};
}

Status KeyStore::check(const PassphraseProbe &probe, const crypto::Secret &passphrase)
{
    if (passphrase.isEmpty())
        return Error{QStringLiteral("keys.empty-passphrase"), QStringLiteral("the passphrase is empty")};
    if (probe.protectedKey) {
        const Result<crypto::Key> key = crypto::decryptPrivateKey(*probe.protectedKey, passphrase);
        if (!key)
            return Error{QStringLiteral("keys.wrong-passphrase"),
                         key.error().code == QStringLiteral("crypto.wrong-passphrase")
                             ? QStringLiteral("the key store passphrase is wrong")
                             : key.error().message};
    } else if (passphrase.size() < kMinPassphraseLength) {
        return Error{QStringLiteral("keys.short-passphrase"),
                     QStringLiteral("choose a key store passphrase of at least %1 characters").arg(kMinPassphraseLength)};
    }
    return {};
}

void KeyStore::lock()
{
    m_passphrase.clear();
    m_tokenPin.clear();
}

Result<qint64> KeyStore::store(const crypto::Key &key, const QString &label, const Clock &clock, bool demoUnprotected)
{
    QByteArray pkcs8;
    const QString tokenUri = key.tokenUri();
    if (key.isInToken()) {
        // Only where to find it: the private key stays in its token (empty, not NULL).
        pkcs8 = QByteArrayLiteral("");
    } else if (demoUnprotected) {
        Result<crypto::Secret> plain = crypto::plainPrivateKey(key);
        if (!plain)
            return plain.error();
        pkcs8 = plain.value().bytes(); // stored in the clear by the operator's explicit choice
    } else {
        if (!isUnlocked())
            return Error{QStringLiteral("keys.locked"), QStringLiteral("the key store is locked; unlock it with its passphrase")};
        Result<QByteArray> encrypted = crypto::encryptPrivateKey(key, m_passphrase);
        if (!encrypted)
            return encrypted.error();
        pkcs8 = encrypted.value();
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO private_keys (label, algorithm, public_key_spki, pkcs8, protection, created_at, token_uri) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    query.addBindValue(label);
    query.addBindValue(key.description());
    query.addBindValue(key.publicKeyDer());
    query.addBindValue(pkcs8);
    query.addBindValue(demoUnprotected && !key.isInToken() ? kDemo : kProtected);
    query.addBindValue(timestamp(clock));
    query.addBindValue(key.isInToken() ? QVariant(tokenUri) : QVariant(QMetaType(QMetaType::QString)));
    if (!query.exec())
        return Error{QStringLiteral("keys.write"), query.lastError().text()};
    return returnedId(query);
}

Result<crypto::Key> KeyStore::load(qint64 id) const
{
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("SELECT pkcs8, protection, token_uri, public_key_spki FROM private_keys WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec())
        return Error{QStringLiteral("keys.read"), query.lastError().text()};
    if (!query.next())
        return Error{QStringLiteral("keys.not-found"), QStringLiteral("no private key with id %1").arg(id)};
    if (!query.value(2).isNull()) {
        const QString uri = query.value(2).toString();
        if (m_tokenPin.isEmpty())
            return Error{QStringLiteral("keys.token-pin"), QStringLiteral("the key is in a PKCS#11 token (%1): give its PIN").arg(uri)};
        Result<crypto::Key> inToken = crypto::loadPkcs11Key(uri, m_tokenPin);
        if (!inToken)
            return inToken.error();
        // The token in the slot may not be the one the key was registered from.
        if (inToken.value().publicKeyDer() != query.value(3).toByteArray())
            return Error{QStringLiteral("keys.token-mismatch"), QStringLiteral("the token's key %1 is not the one registered here (another token?)").arg(uri)};
        return inToken;
    }
    const crypto::Secret pkcs8(query.value(0).toByteArray());
    if (query.value(1).toString() == kDemo)
        return crypto::readPlainPrivateKey(pkcs8.bytes());
    if (!isUnlocked())
        return Error{QStringLiteral("keys.locked"), QStringLiteral("the key store is locked; unlock it with its passphrase")};
    return crypto::decryptPrivateKey(pkcs8.bytes(), m_passphrase);
}

} // namespace teep::store
