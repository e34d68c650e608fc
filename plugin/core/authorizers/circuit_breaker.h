// SPDX-License-Identifier: Apache-2.0
#pragma once
// Stops calling an authorizer function that keeps failing. Mosquitto 2.0 runs every plugin
// callback on its one thread, so each call to a dead or slow function stalls every client of
// the broker for up to timeout_ms: after a few consecutive errors or timeouts the circuit opens
// and CONNECTs for that authorizer are refused at once; after a cool-down one probe call goes
// through, and its outcome closes the circuit or opens it again.
#include <chrono>

namespace mqauth::authorizers {

class CircuitBreaker {
   public:
    using Clock = std::chrono::steady_clock;

    static constexpr int kFailuresToOpen = 3;
    static constexpr std::chrono::seconds kCoolDown{10};

    // Whether a call may be made now. While open, false until the cool-down ends; then true once
    // (the probe) until its outcome is recorded.
    bool allows_call(Clock::time_point now);

    // The outcome of a call allows_call let through. True when this failure opened the circuit
    // (a new episode, for the log).
    bool record_failure(Clock::time_point now);
    void record_success();

    bool open() const { return state_ != State::Closed; }

   private:
    enum class State { Closed, Open, Probing };
    State state_ = State::Closed;
    int consecutive_failures_ = 0;
    Clock::time_point open_until_{};
};

}  // namespace mqauth::authorizers
