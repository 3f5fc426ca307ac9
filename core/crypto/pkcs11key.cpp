#include "crypto/pkcs11key.h"

#include "crypto/openssl.h"
#include "crypto/signature.h"

#include <QUrl>

#include <libp11.h>
#include <openssl/ec.h>

#include <memory>

namespace teep::crypto {

namespace {

Error uriError(const QString &message)
{
    return Error{QStringLiteral("crypto.pkcs11-uri"), message};
}

// A loaded module, its slots and the logged-in token of one key: released after the last copy of
// the key (Key keeps it with its facts).
struct TokenSession
{
    PKCS11_CTX *context = nullptr;
    PKCS11_SLOT *slotList = nullptr;
    unsigned int slotCount = 0;
    bool loaded = false;
    ~TokenSession()
    {
        const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
        if (slotList)
            PKCS11_release_all_slots(context, slotList, slotCount);
        if (context && loaded)
            PKCS11_CTX_unload(context); // libp11 crashes unloading a module that never loaded
        if (context)
            PKCS11_CTX_free(context);
    }
};

struct OpenToken
{
    std::shared_ptr<TokenSession> session;
    PKCS11_SLOT *slot = nullptr;
};

// The module loaded and the token the URI names found, not logged in.
Result<OpenToken> findToken(const Pkcs11Uri &uri)
{
    const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
    const QString module = !uri.modulePath.isEmpty() ? uri.modulePath : qEnvironmentVariable("TEEP_PKCS11_MODULE");
    if (module.isEmpty())
        return uriError(QStringLiteral("no PKCS#11 module: add ?module-path=/path/to/module.so to the URI or set TEEP_PKCS11_MODULE"));
    auto session = std::make_shared<TokenSession>();
    session->context = PKCS11_CTX_new();
    session->loaded = session->context && PKCS11_CTX_load(session->context, module.toLocal8Bit().constData()) == 0;
    if (!session->loaded) {
        takeOpenSslErrors();
        return Error{QStringLiteral("crypto.pkcs11-module"), QStringLiteral("the PKCS#11 module %1 does not load").arg(module)};
    }
    if (PKCS11_enumerate_slots(session->context, &session->slotList, &session->slotCount) != 0) {
        takeOpenSslErrors();
        return Error{QStringLiteral("crypto.pkcs11-module"), QStringLiteral("the PKCS#11 module %1 lists no slots").arg(module)};
    }
    OpenToken open{session, nullptr};
    for (unsigned int i = 0; i < session->slotCount; ++i) {
        PKCS11_SLOT *slot = session->slotList + i;
        if (slot->token && slot->token->initialized && (uri.token.isEmpty() || QString::fromUtf8(slot->token->label).trimmed() == uri.token)) {
            open.slot = slot;
            break;
        }
    }
    if (!open.slot)
        return Error{QStringLiteral("crypto.pkcs11-token"),
                     uri.token.isEmpty() ? QStringLiteral("no initialised token in %1 (is it plugged in?)").arg(module)
                                         : QStringLiteral("no token labelled '%1' in %2 (is it plugged in?)").arg(uri.token, module)};
    return open;
}

Result<OpenToken> openToken(const Pkcs11Uri &uri, const Secret &pin)
{
    Result<OpenToken> open = findToken(uri);
    if (!open)
        return open.error();
    PKCS11_SLOT *slot = open.value().slot;
    if (PKCS11_open_session(slot, 1) != 0 || PKCS11_login(slot, 0, pin.isEmpty() ? "" : pin.data()) != 0) {
        takeOpenSslErrors();
        return Error{QStringLiteral("crypto.pkcs11-login"), QStringLiteral("the token '%1' refused the PIN").arg(QString::fromUtf8(slot->token->label).trimmed())};
    }
    return open;
}

// One signature made in the token and checked with the key's public half, when the key is loaded:
// a key the token will not sign with (CKA_SIGN false) or whose halves differ is refused here, by
// name, and not in the middle of a device's session.
Status probeSignature(const Key &key, const QString &name)
{
    const QByteArray probe = QByteArrayLiteral("teep-console pkcs11 key probe");
    for (SignatureScheme scheme : {SignatureScheme::EcdsaP256Sha256, SignatureScheme::EcdsaP384Sha384, SignatureScheme::Ed25519,
                                   SignatureScheme::RsaPkcs1Sha256}) {
        if (!checkKeyFits(key, scheme))
            continue;
        const Result<QByteArray> signature = signRaw(key, scheme, probe);
        if (!signature)
            return Error{QStringLiteral("crypto.pkcs11-no-sign"),
                         QStringLiteral("the token will not sign with key %1 (its CKA_SIGN attribute is false, or the token refuses): %2")
                             .arg(name, signature.error().message)};
        const Result<Key> publicHalf = Key::fromPublicKey(key.publicKeyDer());
        if (!publicHalf || !verifyRaw(publicHalf.value(), scheme, probe, signature.value()))
            return Error{QStringLiteral("crypto.pkcs11-key"), QStringLiteral("key %1's signature does not verify with its own public key").arg(name)};
        return {};
    }
    return Error{QStringLiteral("crypto.pkcs11-key"), QStringLiteral("key %1 is of a kind the TAM does not sign with (%2)").arg(name, key.description())};
}

QString trimmed(const char *text)
{
    return text ? QString::fromUtf8(text).trimmed() : QString();
}

} // namespace

std::recursive_mutex &pkcs11Lock()
{
    static std::recursive_mutex *lock = new std::recursive_mutex; // never destroyed: keys may outlive statics at exit
    return *lock;
}

bool isPkcs11Uri(const QString &text)
{
    return text.startsWith(QLatin1String("pkcs11:"), Qt::CaseInsensitive);
}

Result<Pkcs11Uri> parsePkcs11Uri(const QString &uri)
{
    if (!isPkcs11Uri(uri) || uri.size() > 4096)
        return uriError(QStringLiteral("not a pkcs11: URI (RFC 7512)"));
    const QString rest = uri.mid(7);
    const qsizetype question = rest.indexOf(QLatin1Char('?'));
    const QString path = question < 0 ? rest : rest.left(question);
    const QString query = question < 0 ? QString() : rest.mid(question + 1);
    Pkcs11Uri parsed;
    const auto value = [](const QString &encoded) { return QUrl::fromPercentEncoding(encoded.toUtf8()); };
    for (const QString &attribute : path.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype equals = attribute.indexOf(QLatin1Char('='));
        const QString name = attribute.left(equals);
        const QString text = equals < 0 ? QString() : attribute.mid(equals + 1);
        if (name == QLatin1String("token"))
            parsed.token = value(text);
        else if (name == QLatin1String("object"))
            parsed.object = value(text);
        else if (name == QLatin1String("id"))
            parsed.id = QByteArray::fromPercentEncoding(text.toUtf8());
        else if (name == QLatin1String("pin-value"))
            return uriError(QStringLiteral("a PIN is never part of the URI: give it from env:, file:, stdin or the prompt"));
        else if (name != QLatin1String("type") && name != QLatin1String("manufacturer") && name != QLatin1String("model") &&
                 name != QLatin1String("serial") && name != QLatin1String("library-manufacturer") && name != QLatin1String("library-description") &&
                 name != QLatin1String("library-version") && name != QLatin1String("slot-id") && name != QLatin1String("slot-description") &&
                 name != QLatin1String("slot-manufacturer"))
            return uriError(QStringLiteral("unknown pkcs11: attribute '%1'").arg(name.left(40)));
    }
    for (const QString &attribute : query.split(QLatin1Char('&'), Qt::SkipEmptyParts)) {
        const qsizetype equals = attribute.indexOf(QLatin1Char('='));
        const QString name = attribute.left(equals);
        if (name == QLatin1String("module-path"))
            parsed.modulePath = value(attribute.mid(equals + 1));
        else if (name == QLatin1String("pin-value") || name == QLatin1String("pin-source"))
            return uriError(QStringLiteral("a PIN is never part of the URI: give it from env:, file:, stdin or the prompt"));
    }
    if (parsed.object.isEmpty() && parsed.id.isEmpty())
        return uriError(QStringLiteral("the URI names no key: give object=LABEL or id=%XX"));
    return parsed;
}

Result<Key> loadPkcs11Key(const QString &uri, const Secret &pin)
{
    const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
    const Result<Pkcs11Uri> parsed = parsePkcs11Uri(uri);
    if (!parsed)
        return parsed.error();
    Result<OpenToken> open = openToken(parsed.value(), pin);
    if (!open)
        return open.error();
    PKCS11_KEY *keys = nullptr;
    unsigned int count = 0;
    if (PKCS11_enumerate_keys(open.value().slot->token, &keys, &count) != 0) {
        takeOpenSslErrors();
        return Error{QStringLiteral("crypto.pkcs11-key"), QStringLiteral("the token's keys cannot be listed")};
    }
    for (unsigned int i = 0; i < count; ++i) {
        PKCS11_KEY *key = keys + i;
        const bool labelMatches = parsed.value().object.isEmpty() || (key->label && QString::fromUtf8(key->label) == parsed.value().object);
        const bool idMatches = parsed.value().id.isEmpty() || QByteArray(reinterpret_cast<const char *>(key->id), qsizetype(key->id_len)) == parsed.value().id;
        if (!key->isPrivate || !labelMatches || !idMatches)
            continue;
        EVP_PKEY *pkey = PKCS11_get_private_key(key);
        if (!pkey) {
            takeOpenSslErrors();
            return Error{QStringLiteral("crypto.pkcs11-key"), QStringLiteral("the token's key '%1' cannot be used for signing").arg(parsed.value().object)};
        }
        Key found = Key::inToken(PKeyPtr(pkey), open.value().session, uri);
        const QString name = parsed.value().object.isEmpty() ? QStringLiteral("with id %1").arg(QString::fromLatin1(parsed.value().id.toHex()))
                                                              : QStringLiteral("'%1'").arg(parsed.value().object);
        if (const Status signs = probeSignature(found, name); !signs)
            return signs.error();
        return found;
    }
    return Error{QStringLiteral("crypto.pkcs11-key"),
                 QStringLiteral("no private key %1 in token '%2'")
                     .arg(parsed.value().object.isEmpty() ? QStringLiteral("with id %1").arg(QString::fromLatin1(parsed.value().id.toHex()))
                                                          : QStringLiteral("labelled '%1'").arg(parsed.value().object),
                          QString::fromUtf8(open.value().slot->token->label).trimmed())};
}

// The EC_KEY calls below are deprecated since OpenSSL 3.0, and wanted here (see the comment).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Result<QByteArray> tokenEcdh(const Key &tokenKey, const Key &peer)
{
    // libp11 0.4 hands OpenSSL a legacy EC_KEY whose method derives in the token (C_DeriveKey,
    // CKM_ECDH1_DERIVE); OpenSSL 3.0's EVP_PKEY_derive goes to its providers instead, which do not
    // reach it. So this one call uses the EC_KEY interface, deprecated in 3.0, on purpose.
    const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
    const EC_KEY *own = EVP_PKEY_get0_EC_KEY(tokenKey.get());
    const EC_KEY *other = EVP_PKEY_get0_EC_KEY(peer.get());
    if (!tokenKey.isInToken() || !own || !other)
        return Error{QStringLiteral("crypto.pkcs11-ecdh"), QStringLiteral("ECDH in a token needs an EC key in the token and an EC peer key")};
    const int bytes = (EC_GROUP_get_degree(EC_KEY_get0_group(own)) + 7) / 8;
    QByteArray z(bytes, '\0');
    const int made = ECDH_compute_key(z.data(), size_t(z.size()), EC_KEY_get0_public_key(other), const_cast<EC_KEY *>(own), nullptr);
    if (made != bytes)
        return Error{QStringLiteral("crypto.pkcs11-ecdh"),
                     QStringLiteral("the key in PKCS#11 token %1 did not derive (ECDH; is the token still plugged in, may the key derive?): %2")
                         .arg(tokenKey.tokenUri().section(QLatin1Char('?'), 0, 0), takeOpenSslErrors())};
    return z;
}
#pragma GCC diagnostic pop

TokenDescription describeToken(const QString &uri)
{
    const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
    TokenDescription description;
    const Result<Pkcs11Uri> parsed = parsePkcs11Uri(uri);
    if (!parsed) {
        description.problem = parsed.error().message;
        return description;
    }
    description.label = parsed.value().token;
    const Result<OpenToken> open = findToken(parsed.value());
    if (!open) {
        description.problem = open.error().message;
        return description;
    }
    PKCS11_SLOT *slot = open.value().slot;
    description.present = true;
    description.label = trimmed(slot->token->label);
    description.manufacturer = trimmed(slot->token->manufacturer);
    description.model = trimmed(slot->token->model);
    description.serial = trimmed(slot->token->serialnr);
    description.slotId = PKCS11_get_slotid_from_slot(slot);
    description.slotDescription = trimmed(slot->description);
    return description;
}

} // namespace teep::crypto
