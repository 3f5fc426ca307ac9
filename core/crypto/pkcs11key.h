#pragma once

#include "common/error.h"
#include "crypto/key.h"
#include "crypto/secret.h"

#include <QByteArray>
#include <QString>

#include <mutex>

// Keys in PKCS#11 tokens (an HSM, a smart card, SoftHSM2 for a trial), addressed by RFC 7512
// URIs, through Debian's libp11: the key is an EVP_PKEY whose private operations the token
// performs, so every signing path (COSE, JOSE, certificates, SUIT) takes it as it takes a file
// key, and the private key never leaves the token.
//
//   pkcs11:token=TAM%20HSM;object=tam-2026;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// Path attributes token (label), object (label) and id; query attribute module-path (else the
// environment's TEEP_PKCS11_MODULE). A pin-value is refused: a PIN comes from env:, file:,
// stdin or a prompt, never from a URI that ends up in argv, logs or a database.
namespace teep::crypto {

struct Pkcs11Uri
{
    QString token;
    QString object;
    QByteArray id;
    QString modulePath;
};

bool isPkcs11Uri(const QString &text);
Result<Pkcs11Uri> parsePkcs11Uri(const QString &uri);

// The private key `uri` names, the token logged in with `pin`. The token (and its module) stay
// open while any copy of the key lives. Keys are made in the token by its own tools (pkcs11-tool
// --keypairgen, yubico-piv-tool, softhsm2-util --import): libp11 0.4 neither generates EC keys
// in a token nor imports them.
Result<Key> loadPkcs11Key(const QString &uri, const Secret &pin);

// Every use of libp11 and of the modules it loads, one thread at a time. PKCS#11 keeps its state
// per process, not per libp11 context (a context released closes every session on its token and
// finalizes the module), so a look-up on one thread while a key was signed with or let go on
// another crashed SoftHSM. Held here by the loads, look-ups and releases, and by every operation
// with a key in a token (signature.cpp, certbuilder.cpp, key.cpp).
std::recursive_mutex &pkcs11Lock();

// ECDH (the shared secret Z) between a P-256/P-384 key in a token and a peer's public key,
// derived in the token: what the OTrP TAM needs to open what TEEs encrypt to its key.
Result<QByteArray> tokenEcdh(const Key &tokenKey, const Key &peer);

// Which token a key's URI names and whether it is plugged in: what the console shows beside each
// key. Read without a PIN (token information is public); `problem` says why it is not present.
struct TokenDescription
{
    bool present = false;
    QString label;
    QString manufacturer;
    QString model;
    QString serial;
    unsigned long slotId = 0;
    QString slotDescription;
    QString problem;
};
TokenDescription describeToken(const QString &uri);

} // namespace teep::crypto
