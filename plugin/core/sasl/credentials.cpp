// SPDX-License-Identifier: Apache-2.0
#include "sasl/credentials.h"

#include <openssl/crypto.h>

#include <charconv>

#include "crypto/base64.h"
#include "crypto/random.h"

namespace mqauth::sasl {
namespace {

std::optional<std::string> decode_field(std::string_view text, std::size_t expected_size,
                                        const char* name, std::string& error) {
    auto bytes = crypto::base64_decode(text);
    if (!bytes || (expected_size != 0 && bytes->size() != expected_size) || bytes->empty()) {
        error = std::string(name) + " is not valid Base64 of the right length";
        return std::nullopt;
    }
    return bytes;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

ScramCredentials derive_credentials(Mechanism mechanism, std::string_view password, int iterations,
                                    std::string salt) {
    const crypto::HashAlgorithm hash = hash_of(mechanism);
    ScramCredentials credentials;
    credentials.mechanism = mechanism;
    credentials.iterations = iterations;
    credentials.salt = salt.empty() ? crypto::random_bytes(kSaltBytes) : std::move(salt);
    const std::string salted = crypto::pbkdf2(hash, password, credentials.salt, iterations);
    credentials.stored_key = crypto::digest(hash, crypto::hmac(hash, salted, "Client Key"));
    credentials.server_key = crypto::hmac(hash, salted, "Server Key");
    return credentials;
}

std::string format_credentials(const ScramCredentials& credentials) {
    return std::string(mechanism_name(credentials.mechanism)) + "$" +
           std::to_string(credentials.iterations) + ":" + crypto::base64_encode(credentials.salt) +
           "$" + crypto::base64_encode(credentials.stored_key) + ":" +
           crypto::base64_encode(credentials.server_key);
}

std::optional<ScramCredentials> parse_credentials(std::string_view text, std::string& error) {
    const std::size_t first = text.find('$');
    const std::size_t second = first == std::string_view::npos ? first : text.find('$', first + 1);
    const std::size_t colon1 = first == std::string_view::npos ? first : text.find(':', first);
    const std::size_t colon2 = second == std::string_view::npos ? second : text.find(':', second);
    if (second == std::string_view::npos || colon1 > second || colon2 == std::string_view::npos) {
        error = "expected MECHANISM$ITERATIONS:SALT$STOREDKEY:SERVERKEY (from mqauth sasl-hash)";
        return std::nullopt;
    }
    ScramCredentials credentials;
    const auto mechanism = mechanism_from_name(text.substr(0, first));
    if (!mechanism) {
        error = "unknown mechanism (SCRAM-SHA-256 or SCRAM-SHA-512)";
        return std::nullopt;
    }
    credentials.mechanism = *mechanism;
    const std::string_view count = text.substr(first + 1, colon1 - first - 1);
    const auto [end, parse_error] =
        std::from_chars(count.data(), count.data() + count.size(), credentials.iterations);
    if (parse_error != std::errc() || end != count.data() + count.size() || count[0] == '0' ||
        credentials.iterations < kMinIterations || credentials.iterations > kMaxIterations) {
        error = "iterations must be a number from 4096 to 10000000";
        return std::nullopt;
    }
    const std::size_t key_size = crypto::digest_size(hash_of(*mechanism));
    // Field by field, so the error names the first bad one.
    auto salt = decode_field(text.substr(colon1 + 1, second - colon1 - 1), 0, "the salt", error);
    if (!salt) return std::nullopt;
    auto stored =
        decode_field(text.substr(second + 1, colon2 - second - 1), key_size, "StoredKey", error);
    if (!stored) return std::nullopt;
    auto server = decode_field(text.substr(colon2 + 1), key_size, "ServerKey", error);
    if (!server) return std::nullopt;
    credentials.salt = std::move(*salt);
    credentials.stored_key = std::move(*stored);
    credentials.server_key = std::move(*server);
    return credentials;
}

bool password_matches(const ScramCredentials& credentials, std::string_view password) {
    const ScramCredentials derived = derive_credentials(credentials.mechanism, password,
                                                        credentials.iterations, credentials.salt);
    return constant_time_equal(derived.stored_key, credentials.stored_key);
}

bool same_credentials(const ScramCredentials& a, const ScramCredentials& b) {
    return a.mechanism == b.mechanism && a.iterations == b.iterations && a.salt == b.salt &&
           constant_time_equal(a.stored_key, b.stored_key) &&
           constant_time_equal(a.server_key, b.server_key);
}

}  // namespace mqauth::sasl
