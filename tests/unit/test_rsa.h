// SPDX-License-Identifier: Apache-2.0
#pragma once
// RSA keys made in-process for the custom-authorizer tests (the integration tests use openssl
// genpkey instead). Generating a key takes a while, so each is made once per test program.
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace mqauth::test_rsa {

// Key number `which` (0, 1, ...) of `bits` bits; the same object on every call.
EVP_PKEY* key(int which, int bits = 2048);

std::string public_pem(const EVP_PKEY* key);        // "PUBLIC KEY" (SubjectPublicKeyInfo)
std::string pkcs1_public_pem(const EVP_PKEY* key);  // "RSA PUBLIC KEY" (PKCS#1)
std::string private_pem(const EVP_PKEY* key);

// Base64(RSA-SHA256 PKCS#1 v1.5 signature of `token`), as a device sends it.
std::string signature(EVP_PKEY* key, std::string_view token);

}  // namespace mqauth::test_rsa
