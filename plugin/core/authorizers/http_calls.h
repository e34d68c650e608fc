// SPDX-License-Identifier: Apache-2.0
#pragma once
// The real transport for calls off the broker's thread: one worker thread drives every call at
// once through libcurl's multi interface (one connection pool for all of them, so connections
// to a function are reused across calls). The broker's thread only queues a call and collects
// finished ones, under a mutex it holds for a vector swap.
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "authorizers/function_calls.h"

namespace mqauth::authorizers {

class HttpCalls final : public FunctionCalls {
   public:
    HttpCalls();
    // Abandons the calls under way (their replies are never collected) and joins the worker.
    ~HttpCalls() override;
    HttpCalls(const HttpCalls&) = delete;
    HttpCalls& operator=(const HttpCalls&) = delete;

    void start(CallId id, const std::string& url, std::string json_body,
               std::chrono::milliseconds timeout) override;
    std::vector<FinishedCall> take_finished() override;

   private:
    struct Queued {
        CallId id;
        std::string url;
        std::string body;
        std::chrono::milliseconds timeout;
    };
    class Worker;  // the libcurl side, touched by the worker thread only

    void run();

    std::unique_ptr<Worker> worker_;
    std::mutex mutex_;
    std::vector<Queued> queued_;          // under mutex_
    std::vector<FinishedCall> finished_;  // under mutex_
    bool stopping_ = false;               // under mutex_
    std::thread thread_;                  // last: starts once the rest is built
};

}  // namespace mqauth::authorizers
