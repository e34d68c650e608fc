// SPDX-License-Identifier: Apache-2.0
#include "config/throttling_section.h"

#include <string>

#include "yaml/mapping_reader.h"

namespace mqauth::config {
namespace {

// An integer field within [low, high]; nullopt (reported) when present and out of range.
std::optional<long long> bounded(yaml::MappingReader& fields, const char* key, long long low,
                                 long long high) {
    const auto value = fields.integer(key, yaml::Presence::Optional);
    if (value && (*value < low || *value > high)) {
        fields.report(key, "InvalidParameter: must be between " + std::to_string(low) + " and " +
                               std::to_string(high));
        return std::nullopt;
    }
    return value;
}

}  // namespace

void read_throttling(const yaml::YamlNode& section, yaml::Diagnostics& diagnostics,
                     throttling::ThrottleSettings& settings) {
    yaml::MappingReader fields(section, "throttling", diagnostics);
    if (!fields.valid()) return;
    settings.enabled =
        fields.boolean("enabled", yaml::Presence::Optional).value_or(settings.enabled);
    if (auto failures = bounded(fields, "max_failures", 1, 1000)) {
        settings.max_failures = static_cast<int>(*failures);
    }
    if (auto failures = bounded(fields, "address_max_failures", 1, 100000)) {
        settings.address_max_failures = static_cast<int>(*failures);
    }
    if (auto window = bounded(fields, "window_seconds", 1, 86400)) {
        settings.window = std::chrono::seconds(*window);
    }
    if (auto backoff = bounded(fields, "backoff_seconds", 1, 86400)) {
        settings.backoff = std::chrono::seconds(*backoff);
    }
    if (auto tracked = bounded(fields, "max_tracked", 100, 10000000)) {
        settings.max_tracked = static_cast<std::size_t>(*tracked);
    }
    fields.finish();
}

}  // namespace mqauth::config
