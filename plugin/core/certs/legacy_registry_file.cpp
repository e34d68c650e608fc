// SPDX-License-Identifier: Apache-2.0
#include "certs/legacy_registry_file.h"

#include <unordered_set>

#include "certs/serial_number.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"
#include "yaml/yaml_tree.h"

namespace mqauth::certs {
namespace {

using yaml::MappingReader;
using yaml::Presence;

constexpr long long kRegistryVersion = 1;

std::optional<std::string> read_serial(MappingReader& fields, const char* key) {
    const auto text = fields.string(key, Presence::Required);
    if (!text) return std::nullopt;
    auto serial = canonical_serial(*text);
    if (!serial) fields.report(key, "InvalidParameter: not a hex serial number");
    return serial;
}

// Every value must be well-formed UTF-8: that is all mqauth writes, and all it can write back.
std::optional<std::string> read_text(MappingReader& fields, const char* key) {
    auto text = fields.string(key, Presence::Required);
    if (text && !yaml::is_valid_utf8(*text)) {
        fields.report(key, "InvalidParameter: not UTF-8 text");
        return std::nullopt;
    }
    return text;
}

std::optional<LegacyRecord> read_entry(const yaml::YamlNode& node, const std::string& path,
                                       yaml::Diagnostics& diagnostics) {
    MappingReader fields(node, path, diagnostics);
    if (!fields.valid()) return std::nullopt;
    LegacyRecord entry;
    auto device_sn = read_serial(fields, "device_sn");
    auto ca_sn = read_serial(fields, "ca_sn");
    auto ca_name = read_text(fields, "ca_name");
    auto common_name = read_text(fields, "common_name");
    auto not_before = read_text(fields, "not_before");
    auto not_after = read_text(fields, "not_after");
    auto first_seen = read_text(fields, "first_seen");
    auto status = fields.enumeration<DeviceStatus>("status",
                                                   {{"ACTIVE", DeviceStatus::Active},
                                                    {"INACTIVE", DeviceStatus::Inactive},
                                                    {"REVOKED", DeviceStatus::Revoked}},
                                                   Presence::Required);
    fields.finish();
    if (!device_sn || !ca_sn || !ca_name || !common_name || !not_before || !not_after ||
        !first_seen || !status) {
        return std::nullopt;
    }
    return LegacyRecord{*device_sn,  *ca_sn,     *ca_name,    *common_name,
                        *not_before, *not_after, *first_seen, *status};
}

void read_devices(const yaml::YamlNode& list, yaml::Diagnostics& diagnostics,
                  LegacyRegistry& result) {
    std::unordered_set<DeviceKey, registry::DeviceKeyHash> seen;  // (device_sn, ca_sn)
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        const std::string path = "devices[" + std::to_string(i) + "]";
        auto entry = read_entry(list.items[i], path, diagnostics);
        if (!entry) continue;  // reported; the whole file is refused below
        if (!seen.insert({entry->device_sn, entry->ca_sn}).second) {
            diagnostics.error(list.items[i].position, path,
                              "InvalidParameter: device_sn and ca_sn registered twice");
            continue;
        }
        result.records.push_back(std::move(*entry));
    }
}

}  // namespace

LegacyRegistry parse_legacy_registry(std::string_view text) {
    LegacyRegistry result;
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) {
        result.errors.push_back(*parsed.error);
        return result;
    }
    yaml::Diagnostics diagnostics;
    if (parsed.root->is_null()) {
        diagnostics.error({1, 1}, "", "the registry file is empty (mqauth never writes one)");
    } else {
        MappingReader top(*parsed.root, "", diagnostics);
        const auto version = top.integer("version", Presence::Required);
        if (version && *version != kRegistryVersion) {
            top.report("version", "InvalidParameter: unsupported registry version");
        }
        if (const yaml::YamlNode* list = top.sequence("devices", Presence::Required)) {
            read_devices(*list, diagnostics, result);
        }
        top.finish();
    }
    result.errors = diagnostics.take();
    if (!result.errors.empty()) result.records.clear();
    return result;
}

}  // namespace mqauth::certs
