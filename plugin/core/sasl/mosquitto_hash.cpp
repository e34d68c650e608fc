// SPDX-License-Identifier: Apache-2.0
#include "sasl/mosquitto_hash.h"

#include <openssl/crypto.h>

#include <charconv>
#include <vector>

#include "crypto/base64.h"
#include "crypto/digest.h"

namespace mqauth::sasl {
namespace {

constexpr std::size_t kHashBytes = 64;  // SHA-512's output, for both forms
constexpr std::size_t kSalt20Bytes = 12;
constexpr std::size_t kSalt21Bytes = 64;

// The fields between the '$'s, the empty one before the leading '$' dropped.
std::vector<std::string_view> dollar_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t start = 1;
    while (true) {
        const std::size_t end = text.find('$', start);
        fields.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return fields;
        start = end + 1;
    }
}

std::optional<int> parse_iterations(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
        text[0] == '0' || value < 1 || value > kMaxMosquittoIterations) {
        return std::nullopt;
    }
    return value;
}

bool decode_salt_and_hash(std::string_view salt, std::string_view hash, MosquittoHash& out,
                          std::string& error) {
    auto salt_bytes = crypto::base64_decode(salt);
    if (!salt_bytes || (salt_bytes->size() != kSalt20Bytes && salt_bytes->size() != kSalt21Bytes)) {
        error = "the salt is not Base64 of 12 or 64 bytes";
        return false;
    }
    auto hash_bytes = crypto::base64_decode(hash);
    if (!hash_bytes || hash_bytes->size() != kHashBytes) {
        error = "the hash is not Base64 of 64 bytes";
        return false;
    }
    out.salt = std::move(*salt_bytes);
    out.hash = std::move(*hash_bytes);
    return true;
}

std::optional<MosquittoHash> parse_fields(const std::vector<std::string_view>& fields,
                                          std::string& error) {
    MosquittoHash parsed;
    if (fields[0] == "6" && fields.size() == 3) {
        parsed.type = MosquittoHashType::Sha512;
        if (!decode_salt_and_hash(fields[1], fields[2], parsed, error)) return std::nullopt;
        return parsed;
    }
    if (fields[0] == "7" && fields.size() == 4) {
        const auto iterations = parse_iterations(fields[1]);
        if (!iterations) {
            error = "iterations must be a number from 1 to 10000000";
            return std::nullopt;
        }
        parsed.iterations = *iterations;
        if (!decode_salt_and_hash(fields[2], fields[3], parsed, error)) return std::nullopt;
        return parsed;
    }
    error = fields[0] == "6"   ? "expected $6$SALT$HASH"
            : fields[0] == "7" ? "expected $7$ITERATIONS$SALT$HASH"
                               : "not a Mosquitto password hash ($6$ or $7$, as mosquitto_passwd "
                                 "writes them)";
    return std::nullopt;
}

// $6$: SHA-512 over the password then the salt.
std::string salted_sha512(std::string_view password, std::string_view salt) {
    std::string message(password);
    message.append(salt);
    std::string digest = crypto::digest(crypto::HashAlgorithm::Sha512, message);
    OPENSSL_cleanse(message.data(), message.size());  // it held the password
    return digest;
}

}  // namespace

bool looks_like_mosquitto_hash(std::string_view text) {
    return !text.empty() && text[0] == '$';
}

std::optional<MosquittoHash> parse_mosquitto_hash(std::string_view text, std::string& error) {
    if (!looks_like_mosquitto_hash(text)) {
        error = "not a Mosquitto password hash (it starts with $6$ or $7$)";
        return std::nullopt;
    }
    // Mosquitto 2.1's default: verifying it needs Argon2, which OpenSSL 3.0 lacks.
    if (text.substr(0, 10) == "$argon2id$") {
        error = "an argon2id hash (Mosquitto 2.1's default) cannot be verified by mqauth";
        return std::nullopt;
    }
    return parse_fields(dollar_fields(text), error);
}

std::string format_mosquitto_hash(const MosquittoHash& hash) {
    std::string text = "$" + std::to_string(static_cast<int>(hash.type)) + "$";
    if (hash.type == MosquittoHashType::Pbkdf2Sha512) text += std::to_string(hash.iterations) + "$";
    return text + crypto::base64_encode(hash.salt) + "$" + crypto::base64_encode(hash.hash);
}

bool mosquitto_hash_matches(const MosquittoHash& hash, std::string_view password) {
    const std::string derived =
        hash.type == MosquittoHashType::Sha512
            ? salted_sha512(password, hash.salt)
            : crypto::pbkdf2(crypto::HashAlgorithm::Sha512, password, hash.salt, hash.iterations);
    return derived.size() == hash.hash.size() &&
           CRYPTO_memcmp(derived.data(), hash.hash.data(), derived.size()) == 0;
}

bool same_mosquitto_hash(const MosquittoHash& a, const MosquittoHash& b) {
    return a.type == b.type && a.iterations == b.iterations && a.salt == b.salt &&
           a.hash.size() == b.hash.size() &&
           CRYPTO_memcmp(a.hash.data(), b.hash.data(), a.hash.size()) == 0;
}

}  // namespace mqauth::sasl
