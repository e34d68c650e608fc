// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <string>

namespace mqauth::crypto {

// Bytes from OpenSSL's CSPRNG (nonces, salts, per-process keys); throws if it fails.
std::string random_bytes(std::size_t count);

}  // namespace mqauth::crypto
