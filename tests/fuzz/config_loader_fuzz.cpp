// SPDX-License-Identifier: Apache-2.0
// Fuzzes the whole config path: YAML parsing, the tree builder, every section reader. Any input
// must end in a Policy or in positioned errors; never a crash, a hang or a leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const mqauth::config::LoadResult result =
        mqauth::config::load_text(text, "fuzz.yaml", "/nonexistent");
    if (result.ok() == !result.errors.empty()) __builtin_trap();  // exactly one of the two
    for (const auto& line : result.formatted_errors()) {
        if (line.rfind("fuzz.yaml:", 0) != 0) __builtin_trap();  // every error names the file
    }
    return 0;
}
