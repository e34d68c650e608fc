// SPDX-License-Identifier: Apache-2.0
#pragma once
// One registered device certificate: a row of the registry.
#include <string>

#include "registry/device_key.h"

namespace mqauth::registry {

struct DeviceRecord {
    DeviceKey key;
    // SHA-256 of the certificate's DER, upper-case hex. Two certificates under one key are two
    // devices the issuer failed to tell apart; the fingerprint is how mqauth notices. Empty for
    // a record imported from the YAML registry, which did not keep it: the first certificate
    // that connects under the key fills it in.
    std::string fingerprint;
    std::string ca_sn;        // the listed CA the chain verified against (canonical hex)
    std::string ca_name;      // ... and its ca_name then
    std::string common_name;  // subject CN
    std::string not_before;   // validity, ISO 8601 UTC
    std::string not_after;
    std::string first_seen;  // when it was registered, ISO 8601 UTC
    DeviceStatus status = DeviceStatus::Active;
};

}  // namespace mqauth::registry
