// Fuzzes the device registry file parser, the one file mqauth both reads and writes: whatever
// parses must survive a write and a re-read unchanged, and whatever fails must say why.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "certs/registry_format.h"

namespace {

bool same_entries(const std::vector<mqauth::certs::RegistryEntry>& a,
                  const std::vector<mqauth::certs::RegistryEntry>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i].key == b[i].key) || a[i].ca_name != b[i].ca_name ||
            a[i].common_name != b[i].common_name || a[i].not_before != b[i].not_before ||
            a[i].not_after != b[i].not_after || a[i].first_seen != b[i].first_seen ||
            a[i].status != b[i].status) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = mqauth::certs::parse_registry(text);
    if (!parsed.errors.empty()) {
        if (!parsed.entries.empty()) __builtin_trap();  // a corrupt file yields nothing
        return 0;
    }
    std::vector<const mqauth::certs::RegistryEntry*> entries;
    for (const auto& entry : parsed.entries) entries.push_back(&entry);
    const auto again = mqauth::certs::parse_registry(mqauth::certs::format_registry(entries));
    if (!again.errors.empty() || !same_entries(parsed.entries, again.entries)) __builtin_trap();
    return 0;
}
