// SPDX-License-Identifier: Apache-2.0
#pragma once
// The transport to authorizer functions off the broker's thread (Mosquitto 2.1, which lets a
// CONNECT's authentication finish later): calls are started on the broker's thread, run
// elsewhere, and their replies are collected back on the broker's thread. An interface so that
// the engine's tests can stand in a fake; the real one is HttpCalls.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "authorizers/authorizer_function.h"

namespace mqauth::authorizers {

using CallId = std::uint64_t;

struct FinishedCall {
    CallId id = 0;
    FunctionReply reply;
};

class FunctionCalls {
   public:
    virtual ~FunctionCalls() = default;

    // Starts a POST of `json_body` (which holds the client's password: the transport wipes it
    // once sent). Every started call finishes, within `timeout` and a little, and must not throw
    // for network failures.
    virtual void start(CallId id, const std::string& url, std::string json_body,
                       std::chrono::milliseconds timeout) = 0;

    // The calls that finished since the last time, in no particular order.
    virtual std::vector<FinishedCall> take_finished() = 0;
};

}  // namespace mqauth::authorizers
