// SPDX-License-Identifier: Apache-2.0
#include "crypto/secret.h"

#include <openssl/crypto.h>

namespace mqauth::crypto {

void Secret::wipe() noexcept {
    // OPENSSL_cleanse is not optimised away, unlike a memset on memory about to be freed.
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
}

}  // namespace mqauth::crypto
