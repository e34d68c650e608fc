// SPDX-License-Identifier: Apache-2.0
#pragma once
// A secret is given inline (`secret`), in a file (`secret_file`, so it can stay out of the YAML
// and out of version control), or in an environment variable (`secret_env`): exactly one of them.
#include <optional>
#include <string>

#include "crypto/secret.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {

// The keys a secret may come from, and whether one of them is required.
struct SecretKeys {
    const char* inline_key;  // null: no inline form
    const char* file_key;
    const char* env_key;
    bool required;
};

// An identity's secret: `secret`, `secret_file` or `secret_env`, one of them required.
inline constexpr SecretKeys kIdentitySecret{"secret", "secret_file", "secret_env", true};
// The secret it had before (rotation): optional, the same three forms.
inline constexpr SecretKeys kPreviousIdentitySecret{"previous_secret", "previous_secret_file",
                                                    "previous_secret_env", false};

// Relative file paths are resolved against `base_dir` (the config file's directory). Errors name
// the key but never the secret's value. nullopt when an optional secret is absent, or on error.
std::optional<crypto::Secret> read_secret(yaml::MappingReader& fields, const std::string& base_dir,
                                          const SecretKeys& keys = kIdentitySecret);

inline constexpr std::size_t kMaxSecretBytes = 4096;

}  // namespace mqauth::config
