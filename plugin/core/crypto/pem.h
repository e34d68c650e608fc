// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificates and private keys read from PEM files at config load, never during a handshake.
// Failures come back as text for a config diagnostic (the file name is the caller's to add).
#include <string>
#include <string_view>
#include <vector>

#include "crypto/openssl_handles.h"

namespace mqauth::crypto {

struct CertificateFile {
    std::vector<X509Ptr> certificates;  // in file order: a leaf first, then its chain
    std::string error;                  // empty on success
};

// Every certificate in the file; a file with none is an error.
CertificateFile read_certificates(const std::string& path);

struct PrivateKeyFile {
    EvpPkeyPtr key;
    std::string error;  // empty on success; never holds the password
};

// An empty password reads an unencrypted key only: OpenSSL never falls back to prompting on the
// broker's terminal.
PrivateKeyFile read_private_key(const std::string& path, std::string_view password);

struct PublicKeyText {
    EvpPkeyPtr key;
    std::string error;  // empty on success
};

// A public key from PEM text: "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1).
// Text holding a private key is refused rather than reduced to its public half: a private key
// has no business in a config file the broker's readers can see.
PublicKeyText parse_public_key(std::string_view pem);

// The key's DER SubjectPublicKeyInfo: a stable form to compare two keys by.
std::string public_key_der(const EVP_PKEY* key);

// The text of the oldest error on this thread's OpenSSL error queue, which it then clears.
std::string take_openssl_error();

}  // namespace mqauth::crypto
