// SPDX-License-Identifier: Apache-2.0
#pragma once
// Validating an authorizer's func_urn at load: the function is an http:// or https:// URL.
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::authorizers {

inline constexpr std::size_t kMaxFunctionUrlBytes = 2048;

// Why `url` cannot be a func_urn, or nullopt when it can: it must parse (libcurl's own parser,
// the one that will use it), use http or https, and name a host.
std::optional<std::string> function_url_problem(std::string_view url);

}  // namespace mqauth::authorizers
