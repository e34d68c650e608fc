// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::crypto {

// Standard Base64 (RFC 4648 section 4) with padding and no line breaks.
std::string base64_encode(const std::uint8_t* data, std::size_t size);

inline std::string base64_encode(std::string_view bytes) {
    return base64_encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

template <std::size_t N>
std::string base64_encode(const std::array<std::uint8_t, N>& bytes) {
    return base64_encode(bytes.data(), N);
}

// Strict decoding of the same alphabet: padding required, no whitespace, no stray characters;
// nullopt for anything else (peer input is refused, not repaired).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mqauth::crypto
