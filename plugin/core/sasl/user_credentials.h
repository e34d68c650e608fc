// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a SASL user's `credentials` (and `previous_credentials`) hold: mqauth's salted SCRAM
// credentials (`mqauth sasl-hash`), or, for a `plain` user migrated from Mosquitto, one of
// Mosquitto's own password hashes. The text's first character tells them apart: a SCRAM
// mechanism's name, or '$'.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sasl/credentials.h"
#include "sasl/mosquitto_hash.h"

namespace mqauth::sasl {

using UserCredentials = std::variant<ScramCredentials, MosquittoHash>;

std::optional<UserCredentials> parse_user_credentials(std::string_view text, std::string& error);
std::string format_user_credentials(const UserCredentials& credentials);

// The SCRAM credentials, or null for a Mosquitto hash (which no SCRAM exchange can use).
inline const ScramCredentials* scram_of(const UserCredentials& credentials) {
    return std::get_if<ScramCredentials>(&credentials);
}

// A `plain` login's check: one derivation of the password, compared in constant time.
bool password_matches(const UserCredentials& credentials, std::string_view password);

// The bytes a password is proven against (StoredKey, or Mosquitto's hash): what identifies the
// credentials in a cache key. Not a password, and useless without one.
std::string_view verifier_of(const UserCredentials& credentials);

bool same_credentials(const UserCredentials& a, const UserCredentials& b);

// What checking a password against them costs, in hash rounds: PBKDF2's iterations, or 1 for
// Mosquitto's $6$ (one SHA-512). Refusals are timed by it (engine/password_logins.cpp).
long long verification_cost(const UserCredentials& credentials);

}  // namespace mqauth::sasl
