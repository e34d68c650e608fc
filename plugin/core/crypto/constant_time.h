// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string_view>

namespace mqauth::crypto {

// Compares a presented credential with the expected one in time that depends on neither the
// contents nor the lengths: both sides are reduced to SHA-256 digests first, and the digests are
// compared with CRYPTO_memcmp. A plain length check would leak the secret's length.
bool secrets_equal(std::string_view presented, std::string_view expected);

}  // namespace mqauth::crypto
