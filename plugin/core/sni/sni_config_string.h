// SPDX-License-Identifier: Apache-2.0
#pragma once
// The string form of the domain map of ApsaraMQ for MQTT's SetSniConfig (`SniConfig`), accepted as
// `sni.sni_config` instead of a `domains` list:
//   "*.mqtt.example.com#main;mqtt-test.example.com#test#password"
// Entries are separated by ';', and each is DOMAIN#CERTIFICATE_ID or
// DOMAIN#CERTIFICATE_ID#PASSWORD. The password runs to the end of its entry, so it may hold '#' but
// not ';'. Nothing is trimmed and no part may be empty (a trailing ';' is an empty entry). Only the
// split happens here; the domain's syntax and the certificate id are checked where the map is
// built.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqauth::sni {

struct SniConfigEntry {
    std::string_view domain;
    std::string_view certificate_id;
    std::optional<std::string_view> password;  // the key password of that certificate
};

struct SniConfigParse {
    std::vector<SniConfigEntry> entries;  // views into the parsed text
    std::string error;                    // empty on success; never quotes a password
    std::size_t error_entry = 0;          // 1-based entry the error is about; 0: the whole text
};

SniConfigParse parse_sni_config(std::string_view text);

}  // namespace mqauth::sni
