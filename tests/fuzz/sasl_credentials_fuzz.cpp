// SPDX-License-Identifier: Apache-2.0
// Fuzzes the sasl_users[].credentials string parser: whatever parses must format back to the
// same text (the format has exactly one spelling per value).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sasl/credentials.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto credentials = mqauth::sasl::parse_credentials(text, error);
    if (credentials && mqauth::sasl::format_credentials(*credentials) != text) __builtin_trap();
    if (!credentials && error.empty()) __builtin_trap();
    return 0;
}
