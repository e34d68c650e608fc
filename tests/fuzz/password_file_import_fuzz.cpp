// SPDX-License-Identifier: Apache-2.0
// Fuzzes `mqauth import password-file`'s reader (cli/migration/password_file_import.h) on
// arbitrary text: every user it takes has a hash mqauth parses, every refusal says why, and when
// nothing is refused the printed config loads as the broker would load it, with those users.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "migration/password_file_import.h"
#include "sasl/mosquitto_hash.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const cli::migration::Import import = cli::migration::import_password_file(text, "pw");
    for (const std::string& line : import.unreadable) {
        if (line.rfind("pw:", 0) != 0) __builtin_trap();
    }
    std::string error;
    for (const auto& user : import.users) {
        if (!sasl::parse_mosquitto_hash(user.credentials, error)) __builtin_trap();
    }
    if (!import.unreadable.empty()) return 0;
    const config::LoadResult loaded =
        config::load_text(cli::migration::render_config(import), "out.yaml", ".");
    if (!loaded.ok() || loaded.policy->sasl_users.size() != import.users.size()) __builtin_trap();
    return 0;
}
