// SPDX-License-Identifier: Apache-2.0
#include "yaml/text_rules.h"

namespace mqauth::yaml {

std::size_t utf8_length(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;  // skip continuation bytes
    }
    return count;
}

namespace {

// The number of continuation bytes after `lead`, or -1 when it cannot start a sequence.
int continuation_count(unsigned char lead) {
    if (lead < 0x80) return 0;
    if (lead >= 0xC2 && lead <= 0xDF) return 1;
    if (lead >= 0xE0 && lead <= 0xEF) return 2;
    if (lead >= 0xF0 && lead <= 0xF4) return 3;
    return -1;
}

// The allowed range of the byte after `lead` (RFC 3629's table rules out overlong forms,
// surrogates and code points above U+10FFFF there).
bool second_byte_allowed(unsigned char lead, unsigned char second) {
    if (lead == 0xE0) return second >= 0xA0 && second <= 0xBF;
    if (lead == 0xED) return second >= 0x80 && second <= 0x9F;
    if (lead == 0xF0) return second >= 0x90 && second <= 0xBF;
    if (lead == 0xF4) return second >= 0x80 && second <= 0x8F;
    return second >= 0x80 && second <= 0xBF;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const int extra = continuation_count(lead);
        if (extra < 0 || text.size() - i <= static_cast<std::size_t>(extra)) return false;
        for (int k = 1; k <= extra; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            const bool allowed =
                k == 1 ? second_byte_allowed(lead, byte) : (byte >= 0x80 && byte <= 0xBF);
            if (!allowed) return false;
        }
        i += 1 + static_cast<std::size_t>(extra);
    }
    return true;
}

bool text_length_within(std::string_view text, std::size_t min_chars, std::size_t max_chars) {
    const std::size_t length = utf8_length(text);
    return length >= min_chars && length <= max_chars;
}

bool is_name_word(std::string_view text, std::size_t max_chars) {
    if (text.empty() || text.size() > max_chars) return false;
    for (const char c : text) {
        const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!word) return false;
    }
    return true;
}

}  // namespace mqauth::yaml
