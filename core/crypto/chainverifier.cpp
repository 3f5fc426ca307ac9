#include "crypto/chainverifier.h"

#include "crypto/openssl.h"

#include <QHash>
#include <QMutex>
#include <QSet>

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace teep::crypto {

namespace {

QString codeFor(int error)
{
    switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return QStringLiteral("expired");
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return QStringLiteral("not-yet-valid");
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return QStringLiteral("untrusted");
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return QStringLiteral("bad-signature");
    case X509_V_ERR_INVALID_CA:
        return QStringLiteral("not-a-ca");
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        return QStringLiteral("path-length");
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
        return QStringLiteral("key-usage");
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        return QStringLiteral("chain-too-long");
    default:
        return QStringLiteral("invalid");
    }
}

} // namespace

struct ChainVerifier::AnchorSet
{
    X509StorePtr store;
    QSet<X509 *> badSelfSignature; // self-signed anchors whose own signature does not verify
    QList<Certificate> anchors;    // keeps the X509s above alive
};

namespace {

std::shared_ptr<const ChainVerifier::AnchorSet> buildAnchorSet(const QList<Certificate> &anchors)
{
    auto set = std::make_shared<ChainVerifier::AnchorSet>();
    set->store.reset(X509_STORE_new());
    set->anchors = anchors;
    for (const Certificate &anchor : anchors) {
        X509_STORE_add_cert(set->store.get(), anchor.get());
        // What X509_V_FLAG_CHECK_SS_SIGNATURE would check on every verification, once.
        X509 *x = anchor.get();
        if (X509_check_issued(x, x) == X509_V_OK && X509_verify(x, X509_get0_pubkey(x)) != 1)
            set->badSelfSignature.insert(x);
    }
    takeOpenSslErrors();
    return set;
}

// Anchor sets by the SHA-256 of their certificates; a few distinct sets exist in a process (one
// per trust store), so a small bound that starts afresh when reached is enough.
std::shared_ptr<const ChainVerifier::AnchorSet> sharedAnchorSet(const QList<Certificate> &anchors)
{
    static QMutex mutex;
    static QHash<QByteArray, std::shared_ptr<const ChainVerifier::AnchorSet>> sets;
    constexpr qsizetype kMaxSets = 64;
    QByteArray key;
    for (const Certificate &anchor : anchors)
        key += sha256(anchor.der());
    const QMutexLocker lock(&mutex);
    if (const auto found = sets.constFind(key); found != sets.cend())
        return found.value();
    if (sets.size() >= kMaxSets)
        sets.clear();
    const auto set = buildAnchorSet(anchors);
    sets.insert(key, set);
    return set;
}

} // namespace

ChainVerifier::ChainVerifier(const QList<Certificate> &anchors, const Clock &clock)
    : m_anchors(sharedAnchorSet(anchors)), m_clock(clock)
{
}

ChainResult ChainVerifier::verify(const Certificate &leaf, const QList<Certificate> &intermediates) const
{
    ChainResult result;
    if (leaf.isNull()) {
        result.code = QStringLiteral("invalid");
        result.message = QStringLiteral("no certificate to verify");
        return result;
    }
    X509StackPtr untrusted(sk_X509_new_null());
    for (const Certificate &cert : intermediates) {
        X509_up_ref(cert.get());
        sk_X509_push(untrusted.get(), cert.get());
    }
    X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), m_anchors->store.get(), leaf.get(), untrusted.get()) != 1) {
        result.code = QStringLiteral("internal");
        result.message = takeOpenSslErrors();
        return result;
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(m_clock.now().toSecsSinceEpoch()));
    // Anchors may be intermediates (partial chain); the anchors' self-signatures were checked
    // once, when their store was made (below, for the anchor the path ends at).
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_depth(param, 8);

    const int verified = X509_verify_cert(context.get());
    takeOpenSslErrors();
    if (verified != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        result.depth = X509_STORE_CTX_get_error_depth(context.get());
        X509 *at = X509_STORE_CTX_get_current_cert(context.get());
        QString who = QStringLiteral("the certificate");
        if (at) {
            X509_up_ref(at);
            who = QStringLiteral("'%1'").arg(Certificate(X509Ptr(at)).subject());
        }
        result.code = codeFor(error);
        result.message = QStringLiteral("%1 (depth %2): %3")
                             .arg(who)
                             .arg(result.depth)
                             .arg(QString::fromLatin1(X509_verify_cert_error_string(error)));
        return result;
    }
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(context.get());
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509 *cert = sk_X509_value(chain, i);
        X509_up_ref(cert);
        result.path << Certificate(X509Ptr(cert));
    }
    if (!result.path.isEmpty() && m_anchors->badSelfSignature.contains(result.path.last().get())) {
        result.depth = int(result.path.size()) - 1;
        result.code = codeFor(X509_V_ERR_CERT_SIGNATURE_FAILURE);
        result.message = QStringLiteral("'%1' (depth %2): %3")
                             .arg(result.path.last().subject())
                             .arg(result.depth)
                             .arg(QString::fromLatin1(X509_verify_cert_error_string(X509_V_ERR_CERT_SIGNATURE_FAILURE)));
        result.path.clear();
        return result;
    }
    const long usage = leaf.keyUsage();
    if (m_leafKeyUsage != 0 && usage >= 0 && (usage & m_leafKeyUsage) != m_leafKeyUsage) {
        result.path.clear();
        result.depth = 0;
        result.code = QStringLiteral("key-usage");
        result.message = QStringLiteral("'%1' (depth 0): its keyUsage does not allow this use")
                             .arg(leaf.subject());
        return result;
    }
    result.ok = true;
    return result;
}

} // namespace teep::crypto
