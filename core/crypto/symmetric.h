#pragma once

#include "common/error.h"

#include <QByteArray>

// The symmetric primitives JOSE and OTrP's TA encryption share, on OpenSSL EVP.
namespace teep::crypto {

// `count` bytes from OpenSSL's CSPRNG; empty when the generator fails (callers treat that as an
// error).
QByteArray randomBytes(int count);

// AES-CBC with PKCS#7 padding; AES-128 or AES-256 by the key's length (16 or 32 bytes), 16-byte IV.
// A wrong key, IV or padding is crypto.aes-cbc with the same message every time (no padding oracle
// in the wording).
Result<QByteArray> aesCbc(const QByteArray &key, const QByteArray &iv, const QByteArray &input,
                          bool encrypt);

} // namespace teep::crypto
