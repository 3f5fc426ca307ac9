// libFuzzer: OTrP's JOSE layer on arbitrary JSON: JWS parse and verify, JWE decrypt with an EC
// and an RSA key (RSA1_5 allowed, to exercise its random-CEK path).
#include "crypto/jwe.h"
#include "crypto/jws.h"

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const teep::crypto::Key ec = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value();
    static const teep::crypto::Key rsa = teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::Rsa2048).value();
    if (size > 65536)
        return 0;
    const nlohmann::json json = nlohmann::json::parse(data, data + size, nullptr, false);
    if (json.is_discarded())
        return 0;
    if (const auto jws = teep::crypto::jose::parse(json))
        (void)teep::crypto::jose::verify(jws.value(), ec);
    (void)teep::crypto::jose::decrypt(json, ec);
    (void)teep::crypto::jose::decrypt(json, rsa, teep::crypto::jose::JwePolicy{true});
    return 0;
}
