// SPDX-License-Identifier: Apache-2.0
// Fuzzes the config's timestamps (previous_secret_until): whatever parses is a time the same
// text names, so a UTC ("Z") text formats back to itself, and nothing else parses as a time
// before 1970.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "config/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = mqauth::config::parse_timestamp(text);
    if (!parsed) return 0;
    const std::time_t seconds = std::chrono::system_clock::to_time_t(*parsed);
    if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z') {
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char formatted[32];
        std::strftime(formatted, sizeof formatted, "%Y-%m-%dT%H:%M:%SZ", &utc);
        if (text != formatted) __builtin_trap();
    }
    return 0;
}
