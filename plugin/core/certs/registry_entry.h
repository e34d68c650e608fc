#pragma once
// One auto-registered device certificate, as the registry file records it.
#include <string>

#include "certs/device_states.h"

namespace mqauth::certs {

struct RegistryEntry {
    DeviceKey key;            // device_sn, ca_sn (canonical)
    std::string ca_name;      // the ca_name it verified against when first seen
    std::string common_name;  // subject CN
    std::string not_before;   // validity, ISO 8601 UTC
    std::string not_after;
    std::string first_seen;  // when it was registered, ISO 8601 UTC
    DeviceStatus status = DeviceStatus::Active;
};

}  // namespace mqauth::certs
