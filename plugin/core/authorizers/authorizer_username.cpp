// SPDX-License-Identifier: Apache-2.0
#include "authorizers/authorizer_username.h"

namespace mqauth::authorizers {
namespace {

constexpr char kSeparator = '|';
constexpr std::string_view kNameField = "authorizer-name";
constexpr std::string_view kSignatureField = "authorizer-signature";
constexpr std::string_view kTokenField = "signing-token";
constexpr std::string_view kRedacted = "(redacted)";

// Splits off the part before the next separator; `rest` keeps what follows it.
std::string_view next_part(std::string_view& rest, bool& more) {
    const auto bar = rest.find(kSeparator);
    more = bar != std::string_view::npos;
    const std::string_view part = rest.substr(0, bar);
    rest = more ? rest.substr(bar + 1) : std::string_view();
    return part;
}

// Stores `value` into the slot for `key`; false for an unknown key or one already seen.
bool assign_field(AuthorizerUsername& parsed, bool& name_seen, std::string_view key,
                  std::string_view value) {
    if (key == kNameField && !name_seen) {
        parsed.authorizer_name = value;
        name_seen = true;
        return true;
    }
    std::optional<std::string_view>* slot = key == kSignatureField ? &parsed.signature
                                            : key == kTokenField   ? &parsed.token
                                                                   : nullptr;
    if (!slot || slot->has_value()) return false;
    *slot = value;
    return true;
}

}  // namespace

bool is_authorizer_form(std::string_view username) {
    return username.find(kSeparator) != std::string_view::npos;
}

std::optional<AuthorizerUsername> parse_authorizer_username(std::string_view username) {
    std::string_view rest = username;
    bool more = false;
    AuthorizerUsername parsed;
    parsed.device = next_part(rest, more);
    if (parsed.device.empty() || !more) return std::nullopt;
    bool name_seen = false;
    while (more) {
        const std::string_view field = next_part(rest, more);
        // A Base64 signature ends in '=': the key ends at the first one.
        const auto equals = field.find('=');
        if (equals == std::string_view::npos || equals == 0 || equals + 1 == field.size()) {
            return std::nullopt;
        }
        if (!assign_field(parsed, name_seen, field.substr(0, equals), field.substr(equals + 1))) {
            return std::nullopt;
        }
    }
    if (!name_seen) return std::nullopt;
    return parsed;
}

std::string redacted_username(std::string_view username) {
    if (!is_authorizer_form(username)) return std::string(username);
    std::string_view rest = username;
    bool more = false;
    std::string shown(next_part(rest, more));
    while (more) {
        const std::string_view field = next_part(rest, more);
        const auto equals = field.find('=');
        shown += kSeparator;
        // Only the authorizer's name is shown: any other value may be a credential, also under
        // a misspelt key or in a part that is no key=value at all.
        if (equals != std::string_view::npos && field.substr(0, equals) == kNameField) {
            shown.append(field);
        } else if (equals != std::string_view::npos) {
            shown.append(field.substr(0, equals + 1)).append(kRedacted);
        } else {
            shown.append(kRedacted);
        }
    }
    return shown;
}

}  // namespace mqauth::authorizers
