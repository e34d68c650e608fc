// SPDX-License-Identifier: Apache-2.0
// Fuzzes the parser of an authorizer function's answer: the body of an HTTP answer, from a
// function that may be broken or hostile. Any input must give exactly one outcome; allow or
// deny only for a JSON object whose "result" is "allow" or "deny", and every error must say why.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authorizers/function_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqauth::authorizers;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const FunctionOutcome outcome = parse_answer(body);
    if (outcome.verdict == FunctionVerdict::Error) {
        if (outcome.error.empty() || outcome.refresh_seconds) __builtin_trap();
        return 0;
    }
    const bool names_a_result = body.find("\"allow\"") != std::string_view::npos ||
                                body.find("\"deny\"") != std::string_view::npos ||
                                body.find("\\u") != std::string_view::npos;
    if (!names_a_result || body.find('{') == std::string_view::npos) __builtin_trap();
    return 0;
}
