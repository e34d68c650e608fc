// SPDX-License-Identifier: Apache-2.0
#include "authorizers/function_answer.h"

#include <set>

#include <nlohmann/json.hpp>

namespace mqauth::authorizers {
namespace {

using nlohmann::json;

// Parses `body`; `duplicate` tells whether the top-level object names a member twice (nlohmann
// keeps the last of two equal keys; an answer saying "allow" and "deny" at once is refused).
json parse_watching_keys(std::string_view body, bool& duplicate) {
    std::set<std::string> seen;
    const json::parser_callback_t watch = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
            duplicate = !seen.insert(parsed.get<std::string>()).second || duplicate;
        }
        return true;
    };
    return json::parse(body, watch, false);
}

std::optional<FunctionVerdict> result_of(const json& answer) {
    const auto result = answer.find("result");
    if (result == answer.end() || !result->is_string()) return std::nullopt;
    const auto& text = result->get_ref<const std::string&>();
    if (text == "allow") return FunctionVerdict::Allow;
    if (text == "deny") return FunctionVerdict::Deny;
    return std::nullopt;
}

}  // namespace

FunctionOutcome parse_answer(std::string_view body) {
    if (body.size() > kMaxAnswerBytes) return FunctionOutcome::failure("the answer is too large");
    bool duplicate = false;
    const json answer = parse_watching_keys(body, duplicate);
    if (answer.is_discarded() || !answer.is_object()) {
        return FunctionOutcome::failure("the answer is not a JSON object");
    }
    if (duplicate) {
        return FunctionOutcome::failure("the answer names a member twice");
    }
    const std::optional<FunctionVerdict> verdict = result_of(answer);
    if (!verdict) {
        return FunctionOutcome::failure(R"(the answer has no "result" of "allow" or "deny")");
    }
    FunctionOutcome outcome{*verdict, std::nullopt, {}};
    if (const auto refresh = answer.find("refresh_seconds"); refresh != answer.end()) {
        // Integers only: is_number_unsigned() is false for negatives and for 1.5.
        if (!refresh->is_number_unsigned()) {
            return FunctionOutcome::failure(R"("refresh_seconds" is not an integer >= 0)");
        }
        outcome.refresh_seconds = refresh->get<std::uint64_t>();
    }
    return outcome;
}

FunctionOutcome interpret_reply(const FunctionReply& reply) {
    if (!reply.delivered)
        return FunctionOutcome::failure(reply.failure, FunctionError::Unreachable);
    if (reply.status < 200 || reply.status > 299) {
        return FunctionOutcome::failure("HTTP status " + std::to_string(reply.status),
                                        FunctionError::HttpStatus);
    }
    return parse_answer(reply.body);
}

}  // namespace mqauth::authorizers
