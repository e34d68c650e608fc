// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `sasl_users:` section: Kafka-style SASL users (ApsaraMQ for Kafka CreateSaslUser).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identities/identity_table.h"
#include "sasl/sasl_user_table.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

// Why `username` cannot be a SASL user's (the message the loader reports), or nullopt: it has
// 1 to 64 characters and is not the custom-authorizer form. Whether it is also a USER identity
// depends on the rest of the file.
std::optional<std::string> sasl_username_problem(std::string_view username);

// Reads the list into `table`. A username that is also a USER identity is an error (which of
// the two would decide its CONNECT?). A plaintext `password:` is accepted with a warning.
void read_sasl_users(const yaml::YamlNode& list, const identities::IdentityTable& identities,
                     yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                     sasl::SaslUserTable& table);

}  // namespace mqauth::config
