#pragma once
// The `permissions:` section: ApsaraMQ custom-auth permissions (AddCustomAuthPermission).
#include "config/diagnostic.h"
#include "config/yaml_tree.h"
#include "permissions/permission_table.h"

namespace mqauth::config {

// Reads `no_match` and `rules` into `table`, reporting every bad rule.
void read_permissions(const YamlNode& section, Diagnostics& diagnostics,
                      permissions::PermissionTable& table);

}  // namespace mqauth::config
