// SPDX-License-Identifier: Apache-2.0
// Fuzzes `mqauth import dynamic-security` (cli/migration/dynsec_config.h and dynsec_import.h)
// on arbitrary text: it never crashes, every problem names the file, and when nothing is
// unreadable the printed config (users, and rules whose topics came from the JSON) loads as the
// broker would load it, with those users.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "migration/dynsec_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const cli::migration::Import import = cli::migration::import_dynamic_security(text, "ds");
    for (const auto& lines : {import.unreadable, import.not_mapped}) {
        for (const std::string& line : lines) {
            if (line.rfind("ds: ", 0) != 0) __builtin_trap();
        }
    }
    if (!import.unreadable.empty()) return 0;
    const config::LoadResult loaded =
        config::load_text(cli::migration::render_config(import), "out.yaml", ".");
    if (!loaded.ok() || loaded.policy->sasl_users.size() != import.users.size()) __builtin_trap();
    return 0;
}
