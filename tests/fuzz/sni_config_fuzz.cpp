// SPDX-License-Identifier: Apache-2.0
// Fuzzes the sni_config string form and what is built from it: whatever parses must format back
// to the same text (nothing is trimmed, no part may be empty), every refusal must say why without
// quoting a password (it names the entry instead), and each exact domain that maps must then select
// its own certificate.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sni/certificate_set.h"
#include "sni/sni_config_string.h"

namespace {

using mqauth::sni::CertificateSet;

// The text the entries were parsed from, rebuilt: "domain#certId[#password]" joined by ';'.
std::string formatted(const std::vector<mqauth::sni::SniConfigEntry>& entries) {
    std::string text;
    for (const auto& entry : entries) {
        if (!text.empty()) text += ';';
        text.append(entry.domain).append(1, '#').append(entry.certificate_id);
        if (entry.password) text.append(1, '#').append(*entry.password);
    }
    return text;
}

void check_selection(const mqauth::sni::SniConfigParse& parsed) {
    CertificateSet set;
    std::unordered_set<std::string> ids;
    for (const auto& entry : parsed.entries) {
        if (ids.insert(std::string(entry.certificate_id)).second) {
            mqauth::sni::ServerCertificate certificate;
            certificate.id = std::string(entry.certificate_id);
            set.add_certificate(std::move(certificate));
        }
    }
    set.set_default(parsed.entries.front().certificate_id);
    for (const auto& entry : parsed.entries) {
        std::string why;
        const auto pattern = mqauth::sni::parse_domain_pattern(entry.domain, why);
        if (!pattern) {
            if (why.empty()) __builtin_trap();
            continue;
        }
        const bool added =
            set.add_domain(*pattern, entry.certificate_id) == CertificateSet::Mapping::Added;
        const auto* selected = set.select(entry.domain);
        if (!selected) __builtin_trap();
        if (added && !pattern->wildcard && selected->id != entry.certificate_id) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = mqauth::sni::parse_sni_config(text);
    if (parsed.error.empty()) {
        if (parsed.entries.empty()) __builtin_trap();
        if (formatted(parsed.entries) != text) __builtin_trap();
        check_selection(parsed);
    } else {
        if (!parsed.entries.empty()) __builtin_trap();
        // Every refusal of a non-empty text names the entry it is about.
        if (!text.empty() && parsed.error.rfind("entry ", 0) != 0) __builtin_trap();
    }
    return 0;
}
