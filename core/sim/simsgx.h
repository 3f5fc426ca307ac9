#pragma once

#include "attestation/sgxquote.h"
#include "common/error.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

#include <QByteArray>
#include <QList>

#include <functional>
#include <memory>
#include <utility>

// A simulated Intel SGX platform, for simulated agents and tests: a PCK hierarchy of our own keys
// in Intel's shape (a root CA standing in for the Intel SGX Root CA, a PCK Processor CA, a PCK
// certificate with the SGX Extensions, a TCB signing certificate), a Quoting Enclave that signs
// version-3 quotes, and the collateral Intel would publish for it. Nothing here is Intel's.
namespace teep::sim {

class SimSgxPlatform
{
public:
    static Result<std::shared_ptr<const SimSgxPlatform>> create();

    // The enclave every quote is of (the simulated TEEP Agent's).
    static QByteArray mrEnclave();
    static QByteArray mrSigner();
    static constexpr quint16 kIsvSvn = 3;

    // A CoRIM naming that enclave, as its vendor would publish it: class = its MRSIGNER, MRENCLAVE
    // (ISV SVN at least kIsvSvn) and MRSIGNER by their sha-256 values.
    static QByteArray enclaveCorim();

    const crypto::Certificate &root() const { return m_root; }
    QByteArray ppid() const;

    // The TEEP bundle [quote, agent key x||y || challenge] for this agent and challenge.
    Result<QByteArray> bundle(const crypto::Key &agentKey, const QByteArray &challenge) const;

    // Intel-style collateral for the platform, as files: TCB info rating its TCB `tcbStatus`
    // ("UpToDate", "OutOfDate", ...), the QE identity and the TCB signing chain.
    Result<QList<std::pair<QString, QByteArray>>> collateral(const QString &tcbStatus = QStringLiteral("UpToDate")) const;

    // Its certificates and (unprotected) keys as demo files, sgx-NAME.pem and sgx-NAME.key.pem, and
    // back: devices started later quote on the same platform. `read` gives a file's bytes by name.
    QList<std::pair<QString, QByteArray>> files() const;
    static Result<std::shared_ptr<const SimSgxPlatform>> fromFiles(const std::function<Result<QByteArray>(const QString &)> &read);

private:
    SimSgxPlatform() = default;
    crypto::Key m_rootKey, m_caKey, m_pckKey, m_signingKey;
    crypto::Certificate m_root, m_ca, m_pck, m_signing;
};

} // namespace teep::sim
