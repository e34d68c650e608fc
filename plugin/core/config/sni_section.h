// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `sni:` section (ApsaraMQ for MQTT SetSniConfig): the certificates the broker's TLS
// listeners serve, by the server name each client asks for.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sni/certificate_set.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxCertificateIdChars = 64;

// Reads the mapping and loads every certificate and key it names now, so that an unreadable
// file, a wrong password or a key that does not match its certificate is a config error with its
// line rather than a failed handshake later. `out` is set only when the whole section is valid.
void read_sni(const yaml::YamlNode& section, const std::string& base_dir,
              yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
              std::optional<sni::CertificateSet>& out);

}  // namespace mqauth::config
