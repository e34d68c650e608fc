// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `ca_certificates:` list and the `device_certificates:` mapping: ApsaraMQ for MQTT device
// certificates (ActiveDeviceCertificate and its sibling APIs).
#include <string>

#include "certs/certificate_policy.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxCaNameChars = 128;

void read_ca_certificates(const yaml::YamlNode& list, const std::string& base_dir,
                          yaml::Diagnostics& diagnostics, certs::CertificatePolicy& policy);

// Needs the CAs read first (a registry is required once any CA is listed).
void read_device_certificates(const yaml::YamlNode* section, const std::string& base_dir,
                              yaml::SourcePosition ca_list_position, yaml::Diagnostics& diagnostics,
                              certs::CertificatePolicy& policy);

}  // namespace mqauth::config
