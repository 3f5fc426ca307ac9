#include "crypto/key.h"

#include "crypto/pkcs11key.h"

#include <QHash>
#include <QMutex>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <map>
#include <mutex>

namespace teep::crypto {

namespace {
struct AlgorithmName
{
    KeyAlgorithm algorithm;
    const char *name;
};
constexpr AlgorithmName kNames[] = {
    {KeyAlgorithm::P256, "p256"},
    {KeyAlgorithm::Ed25519, "ed25519"},
    {KeyAlgorithm::Rsa2048, "rsa2048"},
    {KeyAlgorithm::Rsa3072, "rsa3072"},
};
constexpr qsizetype kMaxPublicKeyInput = 64 * 1024;
} // namespace

QString keyAlgorithmName(KeyAlgorithm algorithm)
{
    for (const AlgorithmName &entry : kNames) {
        if (entry.algorithm == algorithm)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

Result<KeyAlgorithm> keyAlgorithmFromName(const QString &name)
{
    for (const AlgorithmName &entry : kNames) {
        if (name.compare(QLatin1String(entry.name), Qt::CaseInsensitive) == 0)
            return entry.algorithm;
    }
    return Error{QStringLiteral("crypto.unknown-algorithm"),
                 QStringLiteral("unknown key algorithm '%1' (use p256, ed25519, rsa2048 or rsa3072)")
                     .arg(name)};
}

struct Key::Facts
{
    std::mutex mutex;
    std::map<Fact, QByteArray> values;
    std::shared_ptr<void> tokenSession; // a token key's open token (crypto/pkcs11key)
    QString tokenUri;
};

Key::Key(PKeyPtr pkey) : m_facts(std::make_shared<Facts>()), m_pkey(std::move(pkey)) {}

Key Key::inToken(PKeyPtr pkey, std::shared_ptr<void> session, const QString &uri)
{
    Key key(std::move(pkey));
    key.m_facts->tokenSession = std::move(session);
    key.m_facts->tokenUri = uri;
    // Its private part cannot be read (that is the point): it signs, through the token.
    key.m_facts->values[Fact::HasPrivateKey] = QByteArrayLiteral("1");
    // OpenSSL 3.0 gives EC_PUB_X/Y only for its own providers' keys, not for libp11's: the point
    // (x || y) is the end of the SubjectPublicKeyInfo, uncompressed.
    const QString description = key.description();
    const int size = description == QLatin1String("EC P-256") ? 32 : description == QLatin1String("EC P-384") ? 48 : 0;
    const QByteArray spki = key.publicKeyDer();
    if (size > 0 && spki.size() > 2 * size + 1 && spki.at(spki.size() - 2 * size - 1) == '\x04')
        key.m_facts->values[Fact::EcPoint] = spki.right(2 * size);
    return key;
}

bool Key::isInToken() const
{
    return m_facts && m_facts->tokenSession != nullptr;
}

QString Key::tokenUri() const
{
    return m_facts ? m_facts->tokenUri : QString();
}

Key::~Key()
{
    if (m_pkey && isInToken()) {
        const std::lock_guard<std::recursive_mutex> guard(pkcs11Lock());
        m_pkey.reset();
        m_facts.reset(); // the token session, when this was the last copy
    }
}

Key::Key(const Key &other)
{
    *this = other;
}

Key &Key::operator=(const Key &other)
{
    if (this != &other) {
        if (other.m_pkey)
            EVP_PKEY_up_ref(other.m_pkey.get());
        m_pkey.reset(other.m_pkey.get());
        m_facts = other.m_facts; // same key, same facts
    }
    return *this;
}

QByteArray Key::cached(Fact fact, const std::function<QByteArray()> &compute) const
{
    if (!m_facts)
        return compute();
    {
        std::lock_guard<std::mutex> lock(m_facts->mutex);
        if (const auto it = m_facts->values.find(fact); it != m_facts->values.end())
            return it->second;
    }
    // Computed outside the lock: one fact may be derived from another (the thumbprint from the
    // point). Two threads may both compute it; the first value stays.
    const QByteArray value = compute();
    std::lock_guard<std::mutex> lock(m_facts->mutex);
    return m_facts->values.emplace(fact, value).first->second;
}

Result<Key> Key::generate(KeyAlgorithm algorithm)
{
    PKeyPtr pkey;
    switch (algorithm) {
    case KeyAlgorithm::P256:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        break;
    case KeyAlgorithm::Ed25519:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        break;
    case KeyAlgorithm::Rsa2048:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
        break;
    case KeyAlgorithm::Rsa3072:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072}));
        break;
    }
    if (!pkey)
        return Error{QStringLiteral("crypto.keygen"),
                     QStringLiteral("key generation failed: %1").arg(takeOpenSslErrors())};
    return Key(std::move(pkey));
}

namespace {
// As for certificates (certificate.cpp): decoding a public key costs tens of microseconds in
// OpenSSL 3.0 and a TAM decodes the same SP AIKs and TEE keys in every session. Public keys are
// immutable, so identical DER shares one EVP_PKEY (and its cached facts). Bounded, never destroyed.
struct ParsedKeys
{
    static constexpr qsizetype kMaxEntries = 4096;
    QMutex mutex;
    QHash<QByteArray, Key> entries;
};

ParsedKeys &parsedKeys()
{
    static ParsedKeys *cache = [] {
        OPENSSL_init_crypto(0, nullptr);
        return new ParsedKeys;
    }();
    return *cache;
}
// An uncompressed EC point's SubjectPublicKeyInfo is this fixed header (id-ecPublicKey with the
// curve's OID, then the BIT STRING's length) followed by 04||x||y.
const QByteArray &spkiPrefix(int coordinateSize)
{
    static const QByteArray p256 = QByteArray::fromHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    static const QByteArray p384 = QByteArray::fromHex("3076301006072a8648ce3d020106052b81040022036200");
    return coordinateSize == 32 ? p256 : p384;
}
} // namespace

Result<Key> Key::fromEcPoint(const QByteArray &x, const QByteArray &y)
{
    const int size = int(x.size());
    if ((size != 32 && size != 48) || y.size() != size)
        return Error{QStringLiteral("crypto.bad-public-key"), QStringLiteral("not a P-256 or P-384 point (x and y of 32 or 48 bytes)")};
    const QByteArray point = QByteArray(1, '\x04') + x + y;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char *>(size == 32 ? "prime256v1" : "secp384r1"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char *>(point.constData()), size_t(point.size())),
        OSSL_PARAM_construct_end()};
    PKeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY *pkey = nullptr;
    if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 || EVP_PKEY_fromdata(context.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 || !pkey)
        return Error{QStringLiteral("crypto.bad-public-key"), QStringLiteral("not a point on the curve: %1").arg(takeOpenSslErrors())};
    Key key{PKeyPtr(pkey)};
    // fromdata does not prove the point lies on the curve; a public check does. P-256 and P-384
    // have cofactor 1, so a point on the curve has the group's order: the quick check (range and
    // curve equation) is the whole check, without the full check's scalar multiplication.
    PKeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check_quick(check.get()) != 1)
        return Error{QStringLiteral("crypto.bad-public-key"), QStringLiteral("not a point on the curve: %1").arg(takeOpenSslErrors())};
    key.cached(Fact::EcPoint, [&] { return x + y; });
    key.cached(Fact::PublicKeyDer, [&] { return spkiPrefix(size) + point; });
    return key;
}

Key Key::withKnownSpki(PKeyPtr pkey, const QByteArray &spkiDer)
{
    Key key(std::move(pkey));
    if (key.isNull())
        return key;
    // Only the one canonical form (named curve, uncompressed point) is taken as it is: any other
    // encoding of a key is left for OpenSSL to re-encode, so that equal keys keep equal SPKIs.
    for (const int size : {32, 48}) {
        const QByteArray &prefix = spkiPrefix(size);
        if (spkiDer.size() == prefix.size() + 1 + 2 * size && spkiDer.startsWith(prefix) && spkiDer.at(prefix.size()) == '\x04') {
            key.cached(Fact::PublicKeyDer, [&] { return spkiDer; });
            key.cached(Fact::EcPoint, [&] { return spkiDer.mid(prefix.size() + 1); });
        }
    }
    return key;
}

namespace {
// A SubjectPublicKeyInfo (PEM or DER) into a key. OpenSSL 3.0's DER decoder costs ~100 us a key;
// the usual EC keys are read from their point instead.
Result<Key> decodePublicKey(const QByteArray &pemOrDer, bool der)
{
    for (const int size : {32, 48}) {
        const QByteArray &prefix = spkiPrefix(size);
        if (der && pemOrDer.size() == prefix.size() + 1 + 2 * size && pemOrDer.startsWith(prefix) && pemOrDer.at(prefix.size()) == '\x04')
            return Key::fromEcPoint(pemOrDer.mid(prefix.size() + 1, size), pemOrDer.mid(prefix.size() + 1 + size, size));
    }
    PKeyPtr pkey;
    if (pemOrDer.contains("-----BEGIN PUBLIC KEY-----")) {
        BioPtr bio = memoryBio(pemOrDer);
        pkey.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    } else {
        const auto *p = reinterpret_cast<const unsigned char *>(pemOrDer.constData());
        pkey.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(pemOrDer.size())));
        if (pkey && p != reinterpret_cast<const unsigned char *>(pemOrDer.constData()) + pemOrDer.size()) {
            return Error{QStringLiteral("crypto.trailing-data"),
                         QStringLiteral("public key DER is followed by unexpected bytes")};
        }
    }
    if (!pkey)
        return Error{QStringLiteral("crypto.bad-public-key"),
                     QStringLiteral("not a public key (SubjectPublicKeyInfo in PEM or DER): %1")
                         .arg(takeOpenSslErrors())};
    return Key(std::move(pkey));
}
} // namespace

Result<Key> Key::fromPublicKey(const QByteArray &pemOrDer)
{
    const bool der = !pemOrDer.contains("-----BEGIN");
    ParsedKeys &cache = parsedKeys();
    if (der) {
        const QMutexLocker lock(&cache.mutex);
        if (const auto hit = cache.entries.constFind(pemOrDer); hit != cache.entries.cend())
            return hit.value();
    }
    if (pemOrDer.size() > kMaxPublicKeyInput)
        return Error{QStringLiteral("crypto.too-large"),
                     QStringLiteral("public key input is %1 bytes; at most %2 are accepted")
                         .arg(pemOrDer.size())
                         .arg(kMaxPublicKeyInput)};
    Result<Key> key = decodePublicKey(pemOrDer, der);
    if (key && der) {
        const QMutexLocker lock(&cache.mutex);
        if (cache.entries.size() >= ParsedKeys::kMaxEntries)
            cache.entries.clear();
        cache.entries.insert(pemOrDer, key.value());
    }
    return key;
}

bool Key::hasPrivateKey() const
{
    if (!m_pkey)
        return false;
    return cached(Fact::HasPrivateKey, [this] { return QByteArray(probePrivateKey() ? "1" : "0"); }) == "1";
}

bool Key::probePrivateKey() const
{
    if (EVP_PKEY_is_a(m_pkey.get(), "ED25519")) {
        size_t length = 0;
        return EVP_PKEY_get_raw_private_key(m_pkey.get(), nullptr, &length) == 1;
    }
    BIGNUM *secret = nullptr;
    const char *name = EVP_PKEY_is_a(m_pkey.get(), "RSA") ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
    const bool has = EVP_PKEY_get_bn_param(m_pkey.get(), name, &secret) == 1;
    const SecretBignumPtr owned(secret);
    takeOpenSslErrors(); // a public key's "no private part" must not surface in a later message
    return has;
}

QByteArray Key::publicKeyDer() const
{
    return cached(Fact::PublicKeyDer, [this] {
        unsigned char *der = nullptr;
        const int length = m_pkey ? i2d_PUBKEY(m_pkey.get(), &der) : -1;
        return takeDer(der, length);
    });
}

QByteArray Key::publicKeyPem() const
{
    BioPtr bio = newMemoryBio();
    if (!m_pkey || PEM_write_bio_PUBKEY(bio.get(), m_pkey.get()) != 1)
        return {};
    return bioContents(bio.get());
}

QString Key::description() const
{
    if (!m_pkey)
        return QStringLiteral("no key");
    if (EVP_PKEY_is_a(m_pkey.get(), "EC")) {
        char group[64] = {};
        size_t length = 0;
        EVP_PKEY_get_utf8_string_param(m_pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length);
        const QString name = QString::fromLatin1(group);
        if (name == QLatin1String("prime256v1"))
            return QStringLiteral("EC P-256");
        if (name == QLatin1String("secp384r1"))
            return QStringLiteral("EC P-384");
        if (name == QLatin1String("secp521r1"))
            return QStringLiteral("EC P-521");
        return QStringLiteral("EC %1").arg(name);
    }
    if (EVP_PKEY_is_a(m_pkey.get(), "RSA"))
        return QStringLiteral("RSA %1").arg(bits());
    if (EVP_PKEY_is_a(m_pkey.get(), "ED25519"))
        return QStringLiteral("Ed25519");
    if (EVP_PKEY_is_a(m_pkey.get(), "ED448"))
        return QStringLiteral("Ed448");
    return QString::fromLatin1(EVP_PKEY_get0_type_name(m_pkey.get()));
}

int Key::bits() const
{
    return m_pkey ? EVP_PKEY_get_bits(m_pkey.get()) : 0;
}

const EVP_MD *Key::signatureDigest() const
{
    if (!m_pkey || EVP_PKEY_is_a(m_pkey.get(), "ED25519") || EVP_PKEY_is_a(m_pkey.get(), "ED448"))
        return nullptr;
    return EVP_sha256();
}

bool Key::samePublicKey(const Key &other) const
{
    return m_pkey && other.m_pkey && EVP_PKEY_eq(m_pkey.get(), other.m_pkey.get()) == 1;
}

} // namespace teep::crypto
