// SPDX-License-Identifier: Apache-2.0
// Fuzzes the parser of the YAML registry file earlier versions wrote, which `mqauth devices
// import` reads: whatever fails must yield nothing, and whatever parses must be what the import
// can store (canonical serials, one record per device, UTF-8 text).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "certs/legacy_registry_file.h"
#include "certs/serial_number.h"
#include "yaml/text_rules.h"

namespace {

bool canonical(const std::string& serial) {
    const auto again = mqauth::certs::canonical_serial(serial);
    return again && *again == serial;
}

bool storable(const mqauth::certs::LegacyRecord& record) {
    for (const std::string* text : {&record.ca_name, &record.common_name, &record.not_before,
                                    &record.not_after, &record.first_seen}) {
        if (!mqauth::yaml::is_valid_utf8(*text)) return false;
    }
    return canonical(record.device_sn) && canonical(record.ca_sn);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = mqauth::certs::parse_legacy_registry(text);
    if (!parsed.errors.empty()) {
        if (!parsed.records.empty()) __builtin_trap();  // a corrupt file yields nothing
        return 0;
    }
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& record : parsed.records) {
        if (!storable(record)) __builtin_trap();
        if (!keys.insert({record.device_sn, record.ca_sn}).second) __builtin_trap();
    }
    return 0;
}
