// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a function's HTTP answer means. Only a 2xx answer whose body is the JSON object
// {"result": "allow"|"deny", "refresh_seconds": N} decides; anything else (no answer, another
// status, a body that is not that object) is a function error, which denies and is reported as
// broken rather than as a refusal.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "authorizers/authorizer_function.h"

namespace mqauth::authorizers {

enum class FunctionVerdict { Allow, Deny, Error };

// What kind of function error (for the metrics' result label).
enum class FunctionError {
    None,
    Unreachable,  // no answer: not reachable, refused, timed out
    HttpStatus,   // an answer that is not 2xx
    BadAnswer,    // a 2xx answer that is not the JSON asked for
};

struct FunctionOutcome {
    FunctionVerdict verdict = FunctionVerdict::Error;
    std::optional<std::uint64_t> refresh_seconds;  // as the function sent it (not yet clamped)
    std::string error;  // for the operator's log when verdict is Error; holds no answer text
    FunctionError error_kind = FunctionError::None;

    static FunctionOutcome failure(std::string why, FunctionError kind = FunctionError::BadAnswer) {
        return {FunctionVerdict::Error, std::nullopt, std::move(why), kind};
    }
};

// The body of a 2xx answer: a JSON object with "result" (the string "allow" or "deny") and an
// optional "refresh_seconds" (an integer >= 0). Other members are ignored (room for a function
// to say more); a member named twice is an error.
FunctionOutcome parse_answer(std::string_view body);

FunctionOutcome interpret_reply(const FunctionReply& reply);

}  // namespace mqauth::authorizers
