#pragma once
#include <cstdint>
#include <string>

namespace mqauth::crypto {

// Standard Base64 (RFC 4648 section 4) with padding and no line breaks.
std::string base64_encode(const std::uint8_t* data, std::size_t size);

template <typename Bytes>
std::string base64_encode(const Bytes& bytes) {
    return base64_encode(bytes.data(), bytes.size());
}

}  // namespace mqauth::crypto
