// SPDX-License-Identifier: Apache-2.0
// The domain map of the `sni:` section: a `domains` list, or ApsaraMQ SetSniConfig's `sni_config`
// string.
#include "config/sni_entries.h"
#include "sni/sni_config_string.h"

namespace mqauth::config {
namespace {

std::vector<DomainEntry> read_domain_list(const yaml::YamlNode& list, const std::string& path,
                                          yaml::Diagnostics& diagnostics) {
    std::vector<DomainEntry> entries;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        yaml::MappingReader fields(list.items[i], path + "[" + std::to_string(i) + "]",
                                   diagnostics);
        if (!fields.valid()) continue;
        auto domain = fields.string("domain", yaml::Presence::Required);
        auto certificate_id = fields.string("certificate_id", yaml::Presence::Required);
        DomainEntry entry{"",
                          "",
                          std::nullopt,
                          place_of(fields, "domain"),
                          place_of(fields, "certificate_id"),
                          "",
                          "line " + std::to_string(fields.position().line)};
        fields.finish();
        if (!domain || !certificate_id) continue;
        entry.domain = std::move(*domain);
        entry.certificate_id = std::move(*certificate_id);
        entries.push_back(std::move(entry));
    }
    return entries;
}

// Each entry's errors are reported at the string's place, the message naming the entry.
std::vector<DomainEntry> read_sni_config(yaml::MappingReader& section,
                                         yaml::Diagnostics& diagnostics) {
    const auto text = section.string("sni_config", yaml::Presence::Required);
    if (!text) return {};
    const Place place = place_of(section, "sni_config");
    const sni::SniConfigParse parsed = sni::parse_sni_config(*text);
    if (!parsed.error.empty()) {
        diagnostics.error(place.position, place.path, "InvalidParameter: " + parsed.error);
        return {};
    }
    std::vector<DomainEntry> entries;
    for (std::size_t i = 0; i < parsed.entries.size(); ++i) {
        const sni::SniConfigEntry& parsed_entry = parsed.entries[i];
        const std::string number = std::to_string(i + 1);
        std::optional<crypto::Secret> password;
        if (parsed_entry.password) password.emplace(std::string(*parsed_entry.password));
        entries.push_back({std::string(parsed_entry.domain),
                           std::string(parsed_entry.certificate_id), std::move(password), place,
                           place, "entry " + number + ": ", "sni_config entry " + number});
    }
    return entries;
}

}  // namespace

std::vector<DomainEntry> read_domain_entries(yaml::MappingReader& section,
                                             yaml::Diagnostics& diagnostics) {
    const bool has_list = section.has("domains");
    const bool has_string = section.has("sni_config");
    if (has_list && has_string) {
        section.report_here(
            "InvalidParameter: give either domains or sni_config (the same map as one string), "
            "not both");
        return {};
    }
    if (has_string) return read_sni_config(section, diagnostics);
    if (const yaml::YamlNode* list = section.sequence("domains", yaml::Presence::Optional)) {
        return read_domain_list(*list, section.path_of("domains"), diagnostics);
    }
    return {};
}

}  // namespace mqauth::config
