#pragma once
// The `identities:` section: ApsaraMQ for MQTT custom-auth identities (AddCustomAuthIdentity).
#include <string>

#include "config/diagnostic.h"
#include "config/yaml_tree.h"
#include "identities/identity_table.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxUsernameChars = 64;  // the seed API's limit
inline constexpr std::size_t kMaxClientIdChars = 64;  // ApsaraMQ's client id limit

// Reads the section's list into `table`, reporting every bad entry (none is skipped silently).
void read_identities(const YamlNode& list, const std::string& base_dir, Diagnostics& diagnostics,
                     identities::IdentityTable& table);

}  // namespace mqauth::config
