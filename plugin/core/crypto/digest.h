// SPDX-License-Identifier: Apache-2.0
#pragma once
// Digests, HMAC and PBKDF2 over the hash functions mqauth uses, on OpenSSL 3 EVP. Byte strings
// are std::string (binary, not text).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/types.h>

namespace mqauth::crypto {

enum class HashAlgorithm { Sha1, Sha256, Sha512 };

std::size_t digest_size(HashAlgorithm algorithm);

// The algorithm's OpenSSL digest, fetched once per process.
const EVP_MD* evp_md(HashAlgorithm algorithm);

// `data` as OpenSSL's input pointer: never null, even for no bytes.
const unsigned char* bytes(std::string_view data);

std::string digest(HashAlgorithm algorithm, std::string_view data);

// HMAC (RFC 2104) of `message` keyed with `key`.
std::string hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message);

// PBKDF2 (RFC 8018) with HMAC over `algorithm`, one digest's worth of output: SCRAM's Hi().
std::string pbkdf2(HashAlgorithm algorithm, std::string_view password, std::string_view salt,
                   int iterations);

// Fixed-size forms for the CONNECT path, which wants no allocation.
using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha1Digest = std::array<std::uint8_t, 20>;

Sha256Digest sha256(std::string_view data);
Sha1Digest hmac_sha1(std::string_view key, std::string_view message);

}  // namespace mqauth::crypto
