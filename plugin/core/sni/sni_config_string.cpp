// SPDX-License-Identifier: Apache-2.0
#include "sni/sni_config_string.h"

namespace mqauth::sni {
namespace {

constexpr char kEntrySeparator = ';';
constexpr char kPartSeparator = '#';

// Splits one entry, or says what is wrong with it (without quoting anything after the id).
std::optional<SniConfigEntry> parse_entry(std::string_view entry, std::string& why) {
    if (entry.empty()) {
        why = "is empty (two ';' in a row, or a ';' at the start or end)";
        return std::nullopt;
    }
    const std::size_t first = entry.find(kPartSeparator);
    if (first == std::string_view::npos) {
        why = "has no certificate id (expected DOMAIN#CERTIFICATE_ID[#PASSWORD])";
        return std::nullopt;
    }
    SniConfigEntry parsed;
    parsed.domain = entry.substr(0, first);
    const std::string_view rest = entry.substr(first + 1);
    const std::size_t second = rest.find(kPartSeparator);
    parsed.certificate_id = rest.substr(0, second);
    if (second != std::string_view::npos) parsed.password = rest.substr(second + 1);

    if (parsed.domain.empty()) {
        why = "has an empty domain";
    } else if (parsed.certificate_id.empty()) {
        why = "has an empty certificate id";
    } else if (parsed.password && parsed.password->empty()) {
        why = "has an empty password after the second '#' (leave out the '#' for none)";
    } else {
        return parsed;
    }
    return std::nullopt;
}

}  // namespace

SniConfigParse parse_sni_config(std::string_view text) {
    SniConfigParse result;
    if (text.empty()) {
        result.error = "is empty (expected DOMAIN#CERTIFICATE_ID[#PASSWORD];...)";
        return result;
    }
    std::size_t start = 0;
    for (std::size_t number = 1;; ++number) {
        const std::size_t end = text.find(kEntrySeparator, start);
        const std::string_view entry = text.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        std::string why;
        auto parsed = parse_entry(entry, why);
        if (!parsed) {
            result.entries.clear();
            result.error = "entry " + std::to_string(number) + " " + why;
            result.error_entry = number;
            return result;
        }
        result.entries.push_back(*parsed);
        if (end == std::string_view::npos) return result;
        start = end + 1;
    }
}

}  // namespace mqauth::sni
