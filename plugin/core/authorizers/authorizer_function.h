// SPDX-License-Identifier: Apache-2.0
#pragma once
// The transport to an authorizer's function: POST a JSON body, get an HTTP answer back. An
// interface so that the engine's tests can stand in a fake; the real one is HttpFunction.
#include <chrono>
#include <string>
#include <vector>

namespace mqauth::authorizers {

// Answers above this size are refused unread: a function's answer is a few dozen bytes.
inline constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

struct FunctionReply {
    bool delivered = false;  // an HTTP answer came back, whatever its status
    long status = 0;
    std::string body;
    std::string failure;  // when not delivered: why (timeout, connection refused, ...)
};

class AuthorizerFunction {
   public:
    virtual ~AuthorizerFunction() = default;

    // Must return within `timeout` and must not throw for network failures: the broker's one
    // thread is waiting.
    virtual FunctionReply post(const std::string& url, const std::string& json_body,
                               std::chrono::milliseconds timeout) = 0;

    // The URLs the current policy calls; whatever is kept open for any other may be closed.
    virtual void keep_only(const std::vector<std::string>& urls) = 0;
};

}  // namespace mqauth::authorizers
