// SPDX-License-Identifier: Apache-2.0
// Fuzzes the authorizer username format (DEVICE|authorizer-name=...|...) and its redaction for
// log lines. Properties that must hold for any input: a parsed username's parts are non-empty
// views into the input with no '|' in them, and in the redacted form every part after DEVICE is
// either an authorizer-name field or shows "(redacted)" in place of its value, so no signature
// or token (nor a credential under a misspelt key) reaches a log line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "authorizers/authorizer_username.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool well_formed_part(std::string_view part, std::string_view whole) {
    return !part.empty() && part.find('|') == std::string_view::npos && inside(part, whole);
}

bool hides_every_value(std::string_view redacted) {
    std::size_t bar = redacted.find('|');
    while (bar != std::string_view::npos) {
        const std::size_t next = redacted.find('|', bar + 1);
        const std::string_view field = redacted.substr(bar + 1, next - bar - 1);
        const std::size_t equals = field.find('=');
        const std::string_view key = field.substr(0, equals);
        const std::string_view value =
            equals == std::string_view::npos ? field : field.substr(equals + 1);
        if (key != "authorizer-name" && value != "(redacted)") return false;
        bar = next;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth::authorizers;
    const std::string_view username(reinterpret_cast<const char*>(data), size);
    const std::string redacted = redacted_username(username);
    if (!is_authorizer_form(username) && redacted != username) __builtin_trap();
    if (is_authorizer_form(username) && !hides_every_value(redacted)) __builtin_trap();
    const auto parsed = parse_authorizer_username(username);
    if (!parsed) return 0;
    if (!is_authorizer_form(username)) __builtin_trap();
    if (!well_formed_part(parsed->device, username) ||
        !well_formed_part(parsed->authorizer_name, username)) {
        __builtin_trap();
    }
    for (const auto& secret : {parsed->signature, parsed->token}) {
        if (secret && !well_formed_part(*secret, username)) __builtin_trap();
    }
    return 0;
}
