// SPDX-License-Identifier: Apache-2.0
#pragma once
// How a client logged in (or tried to): the `mechanism` label of the metrics.
#include <cstddef>
#include <string_view>

namespace mqauth::engine {

enum class LoginKind {
    IdentityOrigin,
    IdentitySigned,
    SaslPlain,
    SaslScram,
    Certificate,
    Authorizer,
    Anonymous,
    Unknown,  // a username and password that name no identity and no SASL user
};
inline constexpr std::size_t kLoginKinds = static_cast<std::size_t>(LoginKind::Unknown) + 1;

std::string_view login_kind_name(LoginKind kind);  // "identity_origin", ...

}  // namespace mqauth::engine
