// SPDX-License-Identifier: Apache-2.0
#pragma once
// Salted SCRAM credentials (RFC 5802 section 3): what the server keeps instead of a password.
// Text form, as PostgreSQL writes it: MECHANISM$ITERATIONS:SALT$STOREDKEY:SERVERKEY, each binary
// field in Base64. `mqauth sasl-hash` prints it; sasl_users[].credentials holds it.
#include <optional>
#include <string>
#include <string_view>

#include "sasl/mechanism.h"

namespace mqauth::sasl {

inline constexpr int kDefaultIterations = 4096;  // RFC 7677's minimum recommendation
inline constexpr int kMinIterations = 4096;
inline constexpr int kMaxIterations = 10'000'000;
inline constexpr std::size_t kSaltBytes = 16;

struct ScramCredentials {
    Mechanism mechanism = Mechanism::ScramSha512;
    int iterations = kDefaultIterations;
    std::string salt;
    std::string stored_key;  // H(ClientKey)
    std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// Derives credentials from a password (PBKDF2: deliberately slow). A fresh random salt when
// `salt` is empty.
ScramCredentials derive_credentials(Mechanism mechanism, std::string_view password, int iterations,
                                    std::string salt = {});

std::string format_credentials(const ScramCredentials& credentials);

// Parses the text form; on failure returns nullopt and says why in `error`.
std::optional<ScramCredentials> parse_credentials(std::string_view text, std::string& error);

// A `plain` login: derives from the password with the stored salt and iterations and compares
// StoredKey in constant time. Costs one PBKDF2.
bool password_matches(const ScramCredentials& credentials, std::string_view password);

bool same_credentials(const ScramCredentials& a, const ScramCredentials& b);

}  // namespace mqauth::sasl
