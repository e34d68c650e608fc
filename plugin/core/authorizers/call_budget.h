// SPDX-License-Identifier: Apache-2.0
#pragma once
// A bound on the share of the broker's one thread that authorizer functions may take (Mosquitto
// 2.0 calls them synchronously): a token bucket of time. Each call's duration is paid from the
// bucket, which refills at kShare seconds per second up to kBurst; while it is empty (a slow
// call may leave it in debt) no function is called and CONNECTs that need one are refused at
// once. So however slow the functions, the broker spends at most about three quarters of its
// time in them and serves everyone else in the rest. (Not less: a local function answering in
// 0.3 ms takes 55% of the broker's time at 2,000 cache misses per second, measured with
// scripts/bench authorizer_miss_vs_signed_identity, and that load is no stall.)
#include <chrono>

namespace mqauth::authorizers {

class CallBudget {
   public:
    using Clock = std::chrono::steady_clock;

    static constexpr double kShare = 0.75;  // seconds of calls per second, in the long run
    static constexpr std::chrono::milliseconds kBurst{500};

    // Whether a call may start now; the first refusal after calls were allowed starts an
    // episode (take_new_episode).
    bool allows_call(Clock::time_point now);
    void spend(Clock::duration call, Clock::time_point now);

    // True once per episode of refusals (for one log line each).
    bool take_new_episode();

   private:
    void refill(Clock::time_point now);

    Clock::duration balance_ = kBurst;
    Clock::time_point last_refill_{};
    bool refusing_ = false;
    bool episode_to_report_ = false;
};

}  // namespace mqauth::authorizers
