// SPDX-License-Identifier: Apache-2.0
#pragma once
// The JSON document POSTed to an authorizer's function (README "Custom authorizers"):
// {"authorizer_name", "username", "client_id", "password", "signing_token",
//  "signature_verified", "server_name", "client_address", "certificate"}, absent values as null.
#include <optional>
#include <string>
#include <string_view>

#include "authorizers/certificate_info.h"

namespace mqauth::authorizers {

struct FunctionRequest {
    std::string_view authorizer_name;
    std::optional<std::string_view> username;  // the DEVICE part, or an SNI client's username
    std::string_view client_id;
    std::optional<std::string_view> password;
    std::optional<std::string_view> signing_token;
    bool signature_verified = false;  // signing is enabled and the token's signature verified
    std::optional<std::string_view> server_name;  // the TLS SNI host name
    std::string_view client_address;
    const CertificateInfo* certificate = nullptr;
};

// The body, or nullopt when a field is not UTF-8 (JSON text cannot carry it; replacing bytes
// would let two passwords look alike to the function).
std::optional<std::string> request_json(const FunctionRequest& request);

}  // namespace mqauth::authorizers
