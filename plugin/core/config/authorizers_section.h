// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `authorizers:` list: Huawei IoTDA custom authenticators ("Update a Custom Authenticator"),
// with Huawei IoTDA's custom-authenticator field names, limits and defaults.
#include <string>

#include "authorizers/authorizer_table.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxAuthorizerNameChars = 128;  // IoTDA's limit
inline constexpr std::size_t kMaxSigningTokenChars = 128;    // IoTDA's limit

void read_authorizers(const yaml::YamlNode& list, const std::string& base_dir,
                      yaml::Diagnostics& diagnostics, authorizers::AuthorizerTable& table);

}  // namespace mqauth::config
