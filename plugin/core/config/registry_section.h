// SPDX-License-Identifier: Apache-2.0
#pragma once
// `device_certificates.registry`: where first-seen device certificates are registered.
//   registry:
//     sqlite: /var/lib/mosquitto/mqauth-devices.db      # the embedded default
//   registry:
//     postgresql: "host=db.example.com dbname=mqauth user=mqauth"   # a fleet's shared one
//     password_file: /etc/mosquitto/mqauth-registry.pass            # or password_env
//     timeout_ms: 500
#include <optional>
#include <string>

#include "registry/registry_source.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

// `node` is the value of `registry`, `path` its key path.
std::optional<registry::RegistrySource> read_registry(const yaml::YamlNode& node,
                                                      const std::string& path,
                                                      const std::string& base_dir,
                                                      yaml::Diagnostics& diagnostics);

}  // namespace mqauth::config
