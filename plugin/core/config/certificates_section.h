#pragma once
// The `ca_certificates:` list and the `device_certificates:` mapping: ApsaraMQ for MQTT device
// certificates (ActiveDeviceCertificate and its sibling APIs).
#include <string>

#include "certs/certificate_policy.h"
#include "config/diagnostic.h"
#include "config/yaml_tree.h"

namespace mqauth::config {

inline constexpr std::size_t kMaxCaNameChars = 128;

void read_ca_certificates(const YamlNode& list, const std::string& base_dir,
                          Diagnostics& diagnostics, certs::CertificatePolicy& policy);

// Needs the CAs read first (a registry is required once any CA is listed).
void read_device_certificates(const YamlNode* section, const std::string& base_dir,
                              SourcePosition ca_list_position, Diagnostics& diagnostics,
                              certs::CertificatePolicy& policy);

}  // namespace mqauth::config
