// SPDX-License-Identifier: Apache-2.0
#include "config/signing_key_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "authorizers/token_signature.h"
#include "config/file_paths.h"
#include "crypto/pem.h"

namespace mqauth::config {

bool is_inline_pem(const std::string& value) {
    return value.find("-----BEGIN ") != std::string::npos;
}

namespace {

// The PEM text of a key file; nullopt (with `error` set) when it cannot be read.
std::optional<std::string> read_key_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::string("cannot read it: ") + std::strerror(errno);
        return std::nullopt;
    }
    std::string text;
    std::istreambuf_iterator<char> next(in), end;
    while (next != end && text.size() <= kMaxPublicKeyFileBytes) text.push_back(*next++);
    if (in.bad()) {
        error = "cannot read it";
        return std::nullopt;
    }
    if (text.size() > kMaxPublicKeyFileBytes) {
        error = "larger than 64 KiB (not a public key file)";
        return std::nullopt;
    }
    return text;
}

// The PEM text `value` stands for, or nullopt with `error` set.
std::optional<std::string> pem_text(const std::string& value, const std::string& base_dir,
                                    std::string& error) {
    if (is_inline_pem(value)) return value;
    return read_key_file(resolve_path(base_dir, value), error);
}

// An RSA key fit for token signatures, or nullopt with `error` set.
std::optional<SigningKey> signing_key_from(const std::string& pem, std::string& error) {
    crypto::PublicKeyText parsed = crypto::parse_public_key(pem);
    if (!parsed.key) {
        error = parsed.error;
        return std::nullopt;
    }
    if (auto problem = authorizers::signing_key_problem(parsed.key.get())) {
        error = *problem;
        return std::nullopt;
    }
    SigningKey signing{std::move(parsed.key), {}};
    signing.der = crypto::public_key_der(signing.key.get());
    return signing;
}

}  // namespace

std::optional<SigningKey> read_signing_key(yaml::MappingReader& fields, const char* key,
                                           const std::string& base_dir) {
    const auto value = fields.string(key, yaml::Presence::Optional);
    if (!value) return std::nullopt;
    if (value->empty()) {
        fields.report(key, "InvalidParameter: must not be empty (a PEM file path or PEM text)");
        return std::nullopt;
    }
    std::string error;
    std::optional<SigningKey> signing;
    if (auto pem = pem_text(*value, base_dir, error)) signing = signing_key_from(*pem, error);
    if (!signing) {
        const std::string source =
            is_inline_pem(*value) ? "the inline PEM" : "\"" + resolve_path(base_dir, *value) + "\"";
        fields.report(key, "InvalidParameter: " + source + ": " + error);
    }
    return signing;
}

}  // namespace mqauth::config
