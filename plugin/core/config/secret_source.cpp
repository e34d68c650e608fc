// SPDX-License-Identifier: Apache-2.0
#include "config/secret_source.h"

#include "config/file_paths.h"
#include "io/regular_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mqauth::config {
namespace {

// A secret is a short string; a bigger file is a mistake (or /dev/zero), not a secret.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// Files written by editors and `echo` end in a newline that is not part of the secret.
void strip_one_line_ending(std::string& text) {
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
}

std::optional<std::string> read_secret_file(yaml::MappingReader& fields, const char* key,
                                            const std::string& path, const std::string& base_dir) {
    const std::string full = resolve_path(base_dir, path);
    io::FileRead file = io::read_regular_file(full, kMaxSecretFileBytes);
    if (!file.text) {
        fields.report(key, "InvalidParameter: cannot read \"" + full + "\": " + file.error);
        return std::nullopt;
    }
    strip_one_line_ending(*file.text);
    return std::move(file.text);
}

std::optional<std::string> read_secret_env(yaml::MappingReader& fields, const char* key,
                                           const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (!value) {
        fields.report(key, "InvalidParameter: environment variable " + name + " is not set");
        return std::nullopt;
    }
    return std::string(value);
}

}  // namespace

std::optional<crypto::Secret> read_secret(yaml::MappingReader& fields, const std::string& base_dir,
                                          const SecretKeys& keys) {
    const auto inline_value =
        keys.inline_key ? fields.string(keys.inline_key, yaml::Presence::Optional) : std::nullopt;
    const auto file = fields.string(keys.file_key, yaml::Presence::Optional);
    const auto env = fields.string(keys.env_key, yaml::Presence::Optional);
    const std::string listed =
        keys.inline_key ? std::string(keys.inline_key) + ", " + keys.file_key : keys.file_key;
    const int given = (inline_value ? 1 : 0) + (file ? 1 : 0) + (env ? 1 : 0);
    if (given == 0) {
        const bool written = (keys.inline_key && fields.has(keys.inline_key)) ||
                             fields.has(keys.file_key) || fields.has(keys.env_key);
        if (keys.required && !written) {
            fields.report_here("MissingParameter: one of " + listed + " or " + keys.env_key +
                               " is required");
        }
        return std::nullopt;
    }
    if (given > 1) {
        fields.report_here("InvalidParameter: give only one of " + listed + " and " + keys.env_key);
        return std::nullopt;
    }

    std::optional<std::string> value;
    const char* key = keys.inline_key;
    if (inline_value) {
        value = inline_value;
    } else if (file) {
        key = keys.file_key;
        if (file->empty()) {
            fields.report(key, "InvalidParameter: must not be empty");
            return std::nullopt;
        }
        value = read_secret_file(fields, key, *file, base_dir);
    } else {
        key = keys.env_key;
        value = read_secret_env(fields, key, *env);
    }
    if (!value) return std::nullopt;

    crypto::Secret secret(std::move(*value));
    if (secret.empty()) {
        fields.report(key, "InvalidParameter: the secret is empty");
        return std::nullopt;
    }
    if (secret.reveal().size() > kMaxSecretBytes) {
        fields.report(key, "InvalidParameter: the secret is longer than " +
                               std::to_string(kMaxSecretBytes) + " bytes");
        return std::nullopt;
    }
    return secret;
}

}  // namespace mqauth::config
