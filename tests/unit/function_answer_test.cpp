// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "authorizers/function_answer.h"

using namespace mqauth::authorizers;

namespace {

FunctionReply http(long status, std::string body) {
    return {true, status, std::move(body), {}};
}

}  // namespace

TEST(FunctionAnswer, AllowAndDenyWithOrWithoutRefreshSeconds) {
    FunctionOutcome outcome = parse_answer(R"({"result": "allow", "refresh_seconds": 120})");
    EXPECT_EQ(outcome.verdict, FunctionVerdict::Allow);
    EXPECT_EQ(outcome.refresh_seconds, std::optional<std::uint64_t>(120));
    outcome = parse_answer(R"({"result":"deny"})");
    EXPECT_EQ(outcome.verdict, FunctionVerdict::Deny);
    EXPECT_FALSE(outcome.refresh_seconds);
}

TEST(FunctionAnswer, OtherMembersAreIgnored) {
    EXPECT_EQ(parse_answer(R"({"result":"allow","note":{"x":[1,2]},"refresh_seconds":0})").verdict,
              FunctionVerdict::Allow);
}

TEST(FunctionAnswer, AnythingElseIsAFunctionError) {
    for (const char* body : {
             "",
             "allow",
             "null",
             R"(["allow"])",
             R"({"result": "ALLOW"})",
             R"({"result": "maybe"})",
             R"({"result": true})",
             R"({"refresh_seconds": 10})",
             R"({"result": "allow", "refresh_seconds": -1})",
             R"({"result": "allow", "refresh_seconds": 1.5})",
             R"({"result": "allow", "refresh_seconds": "60"})",
             R"({"result": "allow", "refresh_seconds": null})",
             R"({"result": "allow", "refresh_seconds": 1e400})",
             R"({"result": "allow"} trailing)",
             R"({"result": "allow")",
             R"({"result": "deny", "result": "allow"})",
         }) {
        const FunctionOutcome outcome = parse_answer(body);
        EXPECT_EQ(outcome.verdict, FunctionVerdict::Error) << body;
        EXPECT_FALSE(outcome.error.empty()) << body;
    }
}

TEST(FunctionAnswer, ADuplicateKeyDeeperDownIsNoDuplicateAtTheTop) {
    EXPECT_EQ(parse_answer(R"({"result":"allow","x":{"result":"deny"}})").verdict,
              FunctionVerdict::Allow);
}

TEST(FunctionAnswer, OnlyA2xxAnswerDecides) {
    EXPECT_EQ(interpret_reply(http(200, R"({"result":"allow"})")).verdict, FunctionVerdict::Allow);
    EXPECT_EQ(interpret_reply(http(204, R"({"result":"deny"})")).verdict, FunctionVerdict::Deny);
    for (long status : {100L, 301L, 403L, 500L, 503L}) {
        const FunctionOutcome outcome = interpret_reply(http(status, R"({"result":"allow"})"));
        EXPECT_EQ(outcome.verdict, FunctionVerdict::Error) << status;
        EXPECT_EQ(outcome.error, "HTTP status " + std::to_string(status));
    }
}

TEST(FunctionAnswer, NoAnswerAtAllIsAFunctionErrorThatSaysWhy) {
    FunctionReply reply;
    reply.failure = "no answer within 2000 ms";
    const FunctionOutcome outcome = interpret_reply(reply);
    EXPECT_EQ(outcome.verdict, FunctionVerdict::Error);
    EXPECT_EQ(outcome.error, "no answer within 2000 ms");
}

TEST(FunctionAnswer, AnOversizedAnswerIsRefusedUnparsed) {
    std::string body = R"({"result":"allow","pad":")" + std::string(kMaxAnswerBytes, 'x') + "\"}";
    EXPECT_EQ(parse_answer(body).verdict, FunctionVerdict::Error);
}

TEST(FunctionAnswer, DeepNestingIsAnErrorNotACrash) {
    const std::string deep = std::string(20000, '[') + std::string(20000, ']');
    EXPECT_EQ(parse_answer(deep).verdict, FunctionVerdict::Error);
    const std::string nested = R"({"result":"deny","x":)" + deep + "}";
    EXPECT_EQ(parse_answer(nested).verdict, FunctionVerdict::Deny);
}
