#pragma once

#include "common/clock.h"
#include "crypto/certificate.h"

#include <QList>

#include <memory>

namespace teep::crypto {

// The outcome of a chain check. On failure `code` is stable for scripts ("expired",
// "untrusted", "bad-signature", "not-a-ca", "path-length", "key-usage", ...) and `message` names
// the certificate and the reason.
struct ChainResult
{
    bool ok = false;
    QString code;
    QString message;
    int depth = -1;            // where it failed: 0 is the leaf
    QList<Certificate> path;   // leaf first, anchor last, when ok
};

// Path building and validation with OpenSSL's X509_STORE: validity at the clock's time, CA
// flags, path length, the CA key usages (strict X.509 checks), the anchors' own signatures, and
// optionally the leaf's key usage. The X509_STORE of a set of anchors, and the check of their
// self-signatures, are made once per process and shared (a TAM checks every session's chain
// against the same few roots).
class ChainVerifier
{
public:
    explicit ChainVerifier(const QList<Certificate> &anchors, const Clock &clock = SystemClock::instance());

    // X509v3 KU_* bits the leaf must carry when it has a keyUsage extension (0: no requirement).
    void setRequiredLeafKeyUsage(long bits) { m_leafKeyUsage = bits; }

    ChainResult verify(const Certificate &leaf, const QList<Certificate> &intermediates = {}) const;

    struct AnchorSet;

private:
    std::shared_ptr<const AnchorSet> m_anchors;
    const Clock &m_clock;
    long m_leafKeyUsage = 0;
};

} // namespace teep::crypto
