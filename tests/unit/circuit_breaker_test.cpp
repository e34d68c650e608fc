// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "authorizers/call_budget.h"
#include "authorizers/circuit_breaker.h"

using namespace mqauth::authorizers;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const CircuitBreaker::Clock::time_point kStart{seconds(1000)};

void fail(CircuitBreaker& breaker, int times, CircuitBreaker::Clock::time_point now) {
    for (int i = 0; i < times; ++i) {
        ASSERT_TRUE(breaker.allows_call(now));
        breaker.record_failure(now);
    }
}

}  // namespace

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
    CircuitBreaker breaker;
    fail(breaker, CircuitBreaker::kFailuresToOpen - 1, kStart);
    breaker.record_success();  // a success in between starts the count again
    fail(breaker, CircuitBreaker::kFailuresToOpen - 1, kStart);
    EXPECT_FALSE(breaker.open());
    ASSERT_TRUE(breaker.allows_call(kStart));
    EXPECT_TRUE(breaker.record_failure(kStart));  // the episode begins: one log line
    EXPECT_TRUE(breaker.open());
    EXPECT_FALSE(breaker.allows_call(kStart + CircuitBreaker::kCoolDown - seconds(1)));
}

TEST(CircuitBreaker, AfterTheCoolDownOneProbeDecides) {
    CircuitBreaker breaker;
    fail(breaker, CircuitBreaker::kFailuresToOpen, kStart);
    const auto later = kStart + CircuitBreaker::kCoolDown;
    EXPECT_TRUE(breaker.allows_call(later));      // the probe
    EXPECT_FALSE(breaker.allows_call(later));     // one at a time
    EXPECT_FALSE(breaker.record_failure(later));  // the same episode goes on
    EXPECT_FALSE(breaker.allows_call(later + seconds(1)));
    const auto again = later + CircuitBreaker::kCoolDown;
    EXPECT_TRUE(breaker.allows_call(again));
    breaker.record_success();
    EXPECT_FALSE(breaker.open());
    EXPECT_TRUE(breaker.allows_call(again));
}

TEST(CallBudget, ASlowCallStopsCallsUntilTheBrokerHadItsShareOfTime) {
    CallBudget budget;
    ASSERT_TRUE(budget.allows_call(kStart));
    budget.spend(seconds(2), kStart + seconds(2));  // a call that ran into a 2 s timeout
    EXPECT_FALSE(budget.allows_call(kStart + seconds(2)));
    EXPECT_TRUE(budget.take_new_episode());
    EXPECT_FALSE(budget.allows_call(kStart + milliseconds(3500)));
    EXPECT_FALSE(budget.take_new_episode());  // still the same episode
    // The call overdrew the 0.5 s burst by 1.5 s, which three quarters of every second pay back
    // in 2 s.
    EXPECT_TRUE(budget.allows_call(kStart + seconds(2) + seconds(2) + milliseconds(10)));
}

TEST(CallBudget, FastCallsNeverRunOutOfIt) {
    CallBudget budget;
    auto now = kStart;
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(budget.allows_call(now));
        budget.spend(milliseconds(2), now + milliseconds(2));
        now += milliseconds(10);  // 20% of the time in calls
    }
    EXPECT_FALSE(budget.take_new_episode());
}
