// SPDX-License-Identifier: Apache-2.0
// Fuzzes the parser of Mosquitto's password hashes ($6$ / $7$ in sasl_users[].credentials and in
// imported password files): whatever parses must format back to the same text (Base64 with
// padding and a number without leading zeros have one spelling each), and every refusal says why.
// A parsed $6$ is also verified, which costs one SHA-512; $7$ is not, since a PBKDF2 of up to
// 10,000,000 iterations would only slow the fuzzer down.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sasl/mosquitto_hash.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth::sasl;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto hash = parse_mosquitto_hash(text, error);
    if (!hash) {
        if (error.empty()) __builtin_trap();
        return 0;
    }
    if (format_mosquitto_hash(*hash) != text) __builtin_trap();
    if (hash->type == MosquittoHashType::Sha512) (void)mosquitto_hash_matches(*hash, text);
    return 0;
}
