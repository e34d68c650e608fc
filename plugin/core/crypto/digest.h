#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace mqauth::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha1Digest = std::array<std::uint8_t, 20>;

Sha256Digest sha256(std::string_view data);

// HMAC-SHA1 (RFC 2104) of `message` keyed with `key`.
Sha1Digest hmac_sha1(std::string_view key, std::string_view message);

}  // namespace mqauth::crypto
