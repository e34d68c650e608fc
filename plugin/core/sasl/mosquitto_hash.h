// SPDX-License-Identifier: Apache-2.0
#pragma once
// Mosquitto's own password hashes, as `mosquitto_passwd` writes them into a password_file and
// the dynamic-security plugin keeps them: a `plain` SASL user migrated from Mosquitto keeps every
// device's password. Two forms (Mosquitto's src/password_mosq.c and security_default.c, 2.0):
//   $6$SALT$HASH             HASH = SHA-512(password || salt)             (-H sha512)
//   $7$ITERATIONS$SALT$HASH  HASH = PBKDF2-HMAC-SHA512(password, salt, ITERATIONS, 64 bytes)
// SALT and HASH in Base64; HASH is 64 bytes, SALT 12 (Mosquitto 2.0) or 64 (2.1's sha512-pbkdf2).
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::sasl {

enum class MosquittoHashType { Sha512 = 6, Pbkdf2Sha512 = 7 };

// Mosquitto 2.0's default for $7$: weak, kept only so that migrated passwords keep working.
inline constexpr int kMosquittoDefaultIterations = 101;
// More would make every login of the user a denial of service of the broker.
inline constexpr int kMaxMosquittoIterations = 10'000'000;

struct MosquittoHash {
    MosquittoHashType type = MosquittoHashType::Pbkdf2Sha512;
    int iterations = 0;  // $7$ only
    std::string salt;
    std::string hash;  // 64 bytes
};

// Whether `text` claims to be one of Mosquitto's hashes rather than mqauth's SCRAM credentials
// (which start with their mechanism's name): it starts with '$'.
bool looks_like_mosquitto_hash(std::string_view text);

// Parses the text form; on failure returns nullopt and says why in `error` (Mosquitto 2.1's
// $argon2id$ is named as such: OpenSSL 3.0 has no Argon2).
std::optional<MosquittoHash> parse_mosquitto_hash(std::string_view text, std::string& error);

std::string format_mosquitto_hash(const MosquittoHash& hash);

// Hashes the password as Mosquitto does and compares in constant time. The password's bytes
// are all hashed, where Mosquitto stops at a NUL: such a password cannot come from
// mosquitto_passwd, so no migrated password is lost, and none matches by its prefix.
bool mosquitto_hash_matches(const MosquittoHash& hash, std::string_view password);

bool same_mosquitto_hash(const MosquittoHash& a, const MosquittoHash& b);

}  // namespace mqauth::sasl
