#include "config/text_rules.h"

namespace mqauth::config {

std::size_t utf8_length(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;  // skip continuation bytes
    }
    return count;
}

bool text_length_within(std::string_view text, std::size_t min_chars, std::size_t max_chars) {
    const std::size_t length = utf8_length(text);
    return length >= min_chars && length <= max_chars;
}

}  // namespace mqauth::config
