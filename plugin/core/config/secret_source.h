#pragma once
// A secret is given inline (`secret`), in a file (`secret_file`, so it can stay out of the YAML
// and out of version control), or in an environment variable (`secret_env`): exactly one of them.
#include <optional>
#include <string>

#include "crypto/secret.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {

// Relative secret_file paths are resolved against `base_dir` (the config file's directory).
// Errors name the key but never the secret's value.
std::optional<crypto::Secret> read_secret(yaml::MappingReader& fields, const std::string& base_dir);

inline constexpr std::size_t kMaxSecretBytes = 4096;

}  // namespace mqauth::config
