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

// The text of the oldest error on this thread's OpenSSL error queue, which it then clears.
std::string take_openssl_error();

}  // namespace mqauth::crypto
