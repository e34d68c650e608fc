// SPDX-License-Identifier: Apache-2.0
#pragma once
// The token signature a device presents in its username (SPEC "Who decides a CONNECT" step 2):
// SIG = Base64(RSA-SHA256 PKCS#1 v1.5 signature of TOKEN), verified with the authorizer's
// signing_public_key, and TOKEN equal to its signing_token. Checked before, and instead of, any
// function call when it fails, so forged usernames cost the broker no HTTP round trip.
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "authorizers/authorizer.h"

namespace mqauth::authorizers {

// Signing keys: RSA (rsaEncryption; PKCS#1 v1.5 is defined for those) of 2048 to 8192 bits.
// Larger keys would make each check slow on the broker's one thread.
inline constexpr int kMinSigningKeyBits = 2048;
inline constexpr int kMaxSigningKeyBits = 8192;

// Why `key` cannot be a signing_public_key, or nullopt when it can.
std::optional<std::string> signing_key_problem(const EVP_PKEY* key);

enum class SignatureCheck {
    Valid,
    Missing,        // signing is enabled and the username carries no signature or no token
    TokenMismatch,  // the token is not the authorizer's signing_token
    BadSignature,   // not strict Base64, the wrong length, or does not verify
};

// For an authorizer with signing enabled.
SignatureCheck check_token_signature(const Authorizer& authorizer,
                                     std::optional<std::string_view> token,
                                     std::optional<std::string_view> signature_base64);

// RSA-SHA256 PKCS#1 v1.5 over `message`; `signature` is raw bytes.
bool rsa_sha256_verifies(EVP_PKEY* public_key, std::string_view message,
                         std::string_view signature);

// The raw signature (for `mqauth token-sign` and tests); throws crypto::CryptoError.
std::string rsa_sha256_sign(EVP_PKEY* private_key, std::string_view message);

}  // namespace mqauth::authorizers
