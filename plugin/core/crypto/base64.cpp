// SPDX-License-Identifier: Apache-2.0
#include "crypto/base64.h"

#include <openssl/evp.h>

#include <limits>

#include "crypto/crypto_error.h"

namespace mqauth::crypto {
namespace {

bool in_alphabet(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// EVP_DecodeBlock skips whitespace and accepts odd padding, so the shape is checked first.
bool well_formed(std::string_view text) {
    if (text.size() % 4 != 0) return false;
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    for (std::size_t i = 0; i < text.size() - padding; ++i) {
        if (!in_alphabet(text[i])) return false;
    }
    return true;
}

}  // namespace

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max() / 4 * 3)) {
        throw CryptoError("Base64 input too large");
    }
    std::string out(4 * ((size + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a trailing NUL
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (!well_formed(text)) return std::nullopt;
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return std::nullopt;
    }
    std::string out(text.size() / 4 * 3 + 1, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) return std::nullopt;
    // EVP_DecodeBlock counts padding as zero bytes; drop them.
    std::size_t length = static_cast<std::size_t>(written);
    if (!text.empty() && text.back() == '=') --length;
    if (text.size() >= 2 && text[text.size() - 2] == '=') --length;
    out.resize(length);
    // Unused bits of the last character must be zero (RFC 4648 section 3.5): otherwise two
    // spellings would decode to the same bytes. Re-encoding is the plainest check of that.
    if (base64_encode(out) != text) return std::nullopt;
    return out;
}

}  // namespace mqauth::crypto
