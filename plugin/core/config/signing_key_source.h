// SPDX-License-Identifier: Apache-2.0
#pragma once
// An authorizer's signing_public_key: inline PEM text, or the path of a PEM file (relative to
// the config file's directory). Loaded at config time, never during a CONNECT.
#include <optional>
#include <string>

#include "crypto/openssl_handles.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxPublicKeyFileBytes = 64 * 1024;

struct SigningKey {
    crypto::EvpPkeyPtr key;
    std::string der;  // SubjectPublicKeyInfo, to compare across reloads
};

// Whether a signing_public_key value is the PEM itself rather than a path.
bool is_inline_pem(const std::string& value);

// Reads `key` of `fields`: an RSA public key fit for token signatures, or an error reported at it.
std::optional<SigningKey> read_signing_key(yaml::MappingReader& fields, const char* key,
                                           const std::string& base_dir);

}  // namespace mqauth::config
