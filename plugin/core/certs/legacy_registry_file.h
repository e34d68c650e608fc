// SPDX-License-Identifier: Apache-2.0
#pragma once
// The YAML registry file of earlier mqauth versions (`device_certificates.registry_file`), read
// once by `mqauth devices import` to move its devices into the SQLite or PostgreSQL registry.
// Parsing is strict: anything unexpected is corruption, reported with its line, never skipped.
#include <string>
#include <string_view>
#include <vector>

#include "certs/device_states.h"
#include "yaml/diagnostic.h"

namespace mqauth::certs {

// A device as that file recorded it: by its serial and its anchoring CA's serial (it kept
// neither the issuer nor the fingerprint).
struct LegacyRecord {
    std::string device_sn;  // canonical
    std::string ca_sn;      // canonical
    std::string ca_name;
    std::string common_name;
    std::string not_before;
    std::string not_after;
    std::string first_seen;
    DeviceStatus status = DeviceStatus::Active;
};

struct LegacyRegistry {
    std::vector<LegacyRecord> records;  // in file order
    std::vector<yaml::Diagnostic> errors;
};

LegacyRegistry parse_legacy_registry(std::string_view text);

}  // namespace mqauth::certs
