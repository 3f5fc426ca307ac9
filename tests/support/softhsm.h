#pragma once

#include "tempdir.h"

#include <QString>

#include <memory>

// A throw-away SoftHSM2 token for a test: its own configuration and token folder in a temporary
// directory (SOFTHSM2_CONF points there for this process), initialised with a label and PIN.
namespace teep::test {

class SoftHsm
{
public:
    static constexpr const char *kModule = "/usr/lib/softhsm/libsofthsm2.so";
    static bool available();
    // Empty when the token is ready; otherwise what went wrong.
    QString init(const QString &label, const QString &pin);
    // pkcs11:token=LABEL;object=OBJECT?module-path=...
    QString uri(const QString &object, const QString &id = {}) const;
    QString tokenDir() const;
    // Puts a key pair (unencrypted PKCS#8 DER) into the token under `object` and `idHex`, as an
    // operator does with softhsm2-util --import; empty when done, else what went wrong.
    QString importKey(const QByteArray &pkcs8Der, const QString &object, const QString &idHex, const QString &pin);

    // A P-256 key pair made inside the token, as an operator makes one: "sign" and "decrypt" (a key
    // that may not sign: CKA_SIGN false) by GnuTLS's p11tool, "sign-derive" (signs, and derives
    // for OTrP's ECDH: CKA_DERIVE) by OpenSC's pkcs11-tool. Empty when done, else what went wrong.
    QString generateKey(const QString &object, const QString &idHex, const QString &pin, const QString &usage = QStringLiteral("sign"));

private:
    std::unique_ptr<TempDir> m_dir;
    QString m_label;
};

} // namespace teep::test
