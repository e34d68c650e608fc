// SPDX-License-Identifier: Apache-2.0
#include "crypto/random.h"

#include <openssl/rand.h>

#include <limits>

#include "crypto/crypto_error.h"

namespace mqauth::crypto {

std::string random_bytes(std::size_t count) {
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw CryptoError("too many random bytes requested");
    }
    std::string out(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
        throw CryptoError("RAND_bytes failed");
    }
    return out;
}

}  // namespace mqauth::crypto
