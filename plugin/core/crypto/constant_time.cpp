// SPDX-License-Identifier: Apache-2.0
#include "crypto/constant_time.h"

#include <openssl/crypto.h>

#include "crypto/digest.h"

namespace mqauth::crypto {

bool secrets_equal(std::string_view presented, std::string_view expected) {
    const Sha256Digest a = sha256(presented);
    const Sha256Digest b = sha256(expected);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mqauth::crypto
