// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstddef>
#include <string_view>

namespace mqauth::yaml {

// Length in characters (UTF-8 code points), as the ApsaraMQ and IoTDA APIs count their limits.
std::size_t utf8_length(std::string_view text);

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or code points past U+10FFFF.
bool is_valid_utf8(std::string_view text);

bool text_length_within(std::string_view text, std::size_t min_chars, std::size_t max_chars);

// 1 to max_chars letters, digits, '_' or '-': the alphabet Huawei IoTDA's custom-authenticator API
// allows in authorizer names and signing tokens.
bool is_name_word(std::string_view text, std::size_t max_chars);

}  // namespace mqauth::yaml
