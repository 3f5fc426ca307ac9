// libFuzzer: strict CBOR, COSE_Sign1/COSE_Sign parsing and verification with a fixed key.
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key key = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto value = teep::cbor::decodeStrict(bytes);
    if (!value)
        return 0;
    (void)teep::cbor::encodeDeterministic(value.value());
    const auto object = teep::crypto::cose::parse(value.value(), true, true);
    if (object && teep::crypto::cose::verify(object.value(), key, teep::crypto::cose::AlgorithmPolicy::compatible()))
        __builtin_trap(); // nothing but our own signer can produce a valid signature for this key
    return 0;
}
