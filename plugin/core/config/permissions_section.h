// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `permissions:` section: ApsaraMQ custom-auth permissions (AddCustomAuthPermission).
#include <functional>
#include <string_view>
#include <vector>

#include "permissions/permission_table.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

// Which client ids some login of the policy can prove (CLIENT rules apply to no other).
using ClientIdProvable = std::function<bool(std::string_view client_id)>;

// Reads `no_match` and `rules` into `table`, reporting every bad rule, and warning about each
// CLIENT rule whose client id no login can prove (it never applies).
void read_permissions(const yaml::YamlNode& section, const ClientIdProvable& provable,
                      yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                      permissions::PermissionTable& table);

}  // namespace mqauth::config
