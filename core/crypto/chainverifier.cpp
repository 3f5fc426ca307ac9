#include "crypto/chainverifier.h"

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

ChainVerifier::ChainVerifier(QList<Certificate> anchors, const Clock &clock)
    : m_anchors(std::move(anchors)), m_clock(clock)
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
    X509StorePtr store(X509_STORE_new());
    for (const Certificate &anchor : m_anchors)
        X509_STORE_add_cert(store.get(), anchor.get());
    X509StackPtr untrusted(sk_X509_new_null());
    for (const Certificate &cert : intermediates) {
        X509_up_ref(cert.get());
        sk_X509_push(untrusted.get(), cert.get());
    }
    X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
        result.code = QStringLiteral("internal");
        result.message = takeOpenSslErrors();
        return result;
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(m_clock.now().toSecsSinceEpoch()));
    // Anchors may be intermediates (partial chain); anchors' self-signatures are checked too.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN |
                                           X509_V_FLAG_CHECK_SS_SIGNATURE);
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
