// SPDX-License-Identifier: Apache-2.0
// Fuzzes the SCRAM server through its public door: the first input line is a client-first, the
// rest a client-final, run through a real ScramAuthenticator with one SCRAM-SHA-256 user. Any
// input must end in a Continue, a Success or a Failure; a Success without the right proof would
// be a breach, so it traps.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sasl/scram_authenticator.h"

namespace {

const mqauth::sasl::SaslUserTable& users() {
    static const mqauth::sasl::SaslUserTable table = [] {
        mqauth::sasl::SaslUserTable t;
        t.add(
            {"user", mqauth::sasl::SaslType::Scram,
             mqauth::sasl::derive_credentials(mqauth::sasl::Mechanism::ScramSha256, "pencil", 4096),
             std::nullopt});
        return t;
    }();
    return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth::sasl;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t newline = input.find('\n');
    const std::string_view first = input.substr(0, newline);
    const std::string_view final_message =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    static ScramAuthenticator scram;
    const ScramStep begun = scram.begin(1, "127.0.0.1", "SCRAM-SHA-256", first, users());
    if (begun.kind != ScramStep::Kind::Continue) return 0;
    // The server nonce is random, so a fuzzer cannot forge a valid proof: success is a bug.
    if (scram.finish(1, final_message, users()).kind == ScramStep::Kind::Success) __builtin_trap();
    return 0;
}
