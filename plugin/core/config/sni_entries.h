// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `sni:` section's entries as read from the YAML, before any file is loaded or the domain
// map is built. sni_domains_section.cpp reads the domain entries, sni_section.cpp the rest.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.h"
#include "yaml/diagnostic.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {

// Where a value sits, for the errors found in it later.
struct Place {
    yaml::SourcePosition position;
    std::string path;
};

inline Place place_of(yaml::MappingReader& fields, std::string_view key) {
    const yaml::YamlNode* node = fields.find(key);
    return {node ? node->position : fields.position(), fields.path_of(key)};
}

// One domain -> certificate mapping, from a `domains` item or an entry of `sni_config`.
struct DomainEntry {
    std::string domain;
    std::string certificate_id;
    std::optional<crypto::Secret> password;  // sni_config only: the certificate's key password
    Place domain_place;
    Place id_place;
    std::string label;  // "entry N: " for sni_config entries (they share one place); else ""
    std::string where;  // "line N" or "sni_config entry N", to name the first of two duplicates
};

// From `domains` or `sni_config`; both at once is an error. Neither: an empty map, so every
// client gets the default certificate.
std::vector<DomainEntry> read_domain_entries(yaml::MappingReader& section,
                                             yaml::Diagnostics& diagnostics);

}  // namespace mqauth::config
