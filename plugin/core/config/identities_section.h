// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `identities:` section: ApsaraMQ for MQTT custom-auth identities (AddCustomAuthIdentity).
#include <string>

#include "identities/identity_table.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxUsernameChars = 64;  // ApsaraMQ AddCustomAuthIdentity's limit

// A username with '|' is the custom-authorizer form (DEVICE|authorizer-name=...): every CONNECT
// with it goes to an authorizer, so an identity or SASL user of that name could never log in.
inline constexpr const char* kAuthorizerFormUsername =
    "InvalidParameter: a username may not contain '|' (that is the custom-authorizer form "
    "DEVICE|authorizer-name=NAME|..., which only an authorizer decides)";
inline constexpr std::size_t kMaxClientIdChars = 64;  // ApsaraMQ's client id limit

// Reads the section's list into `table`, reporting every bad entry (none is skipped silently).
void read_identities(const yaml::YamlNode& list, const std::string& base_dir,
                     yaml::Diagnostics& diagnostics, identities::IdentityTable& table);

}  // namespace mqauth::config
