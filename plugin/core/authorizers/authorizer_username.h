// SPDX-License-Identifier: Apache-2.0
#pragma once
// The username by which a device names a custom authorizer (Huawei IoTDA's format):
//   DEVICE|authorizer-name=NAME|authorizer-signature=SIG|signing-token=TOKEN
// DEVICE comes first; the fields after it may come in any order. authorizer-name is required;
// authorizer-signature and signing-token are optional here (the authorizer's signing setting
// decides whether they must be there). Anything else is malformed: an empty DEVICE or value, an
// empty part (`||`, a trailing `|`), a field without `=`, an unknown or repeated field. A
// username without `|` is an ordinary username and never reaches this parser.
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::authorizers {

struct AuthorizerUsername {
    std::string_view device;  // the views point into the parsed username
    std::string_view authorizer_name;
    std::optional<std::string_view> signature;  // Base64, as the device sent it
    std::optional<std::string_view> token;
};

// True when `username` is meant as the authorizer form: it holds a `|`.
bool is_authorizer_form(std::string_view username);

// nullopt when the username is not well-formed (see above).
std::optional<AuthorizerUsername> parse_authorizer_username(std::string_view username);

// The username as a log line may show it: DEVICE and the authorizer-name field; every other
// value (the signature and token are credentials) replaced by "(redacted)". A username without
// `|` comes back unchanged.
std::string redacted_username(std::string_view username);

}  // namespace mqauth::authorizers
