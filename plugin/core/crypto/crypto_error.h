// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <stdexcept>
#include <string>

namespace mqauth::crypto {

// OpenSSL failed (out of memory, algorithm unavailable): the caller fails closed.
class CryptoError : public std::runtime_error {
   public:
    explicit CryptoError(const std::string& what) : std::runtime_error("crypto: " + what) {}
};

}  // namespace mqauth::crypto
