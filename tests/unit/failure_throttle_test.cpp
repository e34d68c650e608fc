#include <gtest/gtest.h>

#include <string>

#include "throttling/failure_throttle.h"

using namespace mqauth::throttling;
using std::chrono::seconds;

namespace {

ThrottleSettings three_in_a_minute() {
    ThrottleSettings settings;
    settings.max_failures = 3;
    settings.window = seconds(60);
    settings.backoff = seconds(30);
    settings.max_tracked = 100;
    return settings;
}

const FailureThrottle::Clock::time_point kStart{seconds(1000)};

}  // namespace

TEST(FailureThrottle, TheNthFailureFromAnAddressStartsOneBackOffEpisode) {
    FailureThrottle throttle(three_in_a_minute());
    EXPECT_TRUE(throttle.record_failure(std::nullopt, "10.0.0.1", kStart).empty());
    EXPECT_TRUE(throttle.record_failure(std::nullopt, "10.0.0.1", kStart).empty());
    EXPECT_FALSE(throttle.blocked(std::nullopt, "10.0.0.1", kStart));
    const auto episodes = throttle.record_failure(std::nullopt, "10.0.0.1", kStart);
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0].subject, Subject::Address);
    EXPECT_EQ(episodes[0].who, "10.0.0.1");
    EXPECT_EQ(episodes[0].failures, 3);
    EXPECT_TRUE(throttle.blocked("anyone", "10.0.0.1", kStart + seconds(29)));
    EXPECT_FALSE(throttle.blocked("anyone", "10.0.0.2", kStart));  // another address
    // More failures during the back-off neither extend it nor start another episode.
    EXPECT_TRUE(throttle.record_failure(std::nullopt, "10.0.0.1", kStart + seconds(5)).empty());
    EXPECT_FALSE(throttle.blocked("anyone", "10.0.0.1", kStart + seconds(30)));
}

TEST(FailureThrottle, FailuresOutsideTheWindowDoNotAddUp) {
    FailureThrottle throttle(three_in_a_minute());
    throttle.record_failure(std::nullopt, "10.0.0.1", kStart);
    throttle.record_failure(std::nullopt, "10.0.0.1", kStart + seconds(10));
    EXPECT_TRUE(throttle.record_failure(std::nullopt, "10.0.0.1", kStart + seconds(61)).empty());
    EXPECT_FALSE(throttle.blocked(std::nullopt, "10.0.0.1", kStart + seconds(61)));
}

TEST(FailureThrottle, AUsernameUnderAttackFromManyAddressesBacksOff) {
    FailureThrottle throttle(three_in_a_minute());
    throttle.record_failure("alice", "10.0.0.1", kStart);
    throttle.record_failure("alice", "10.0.0.2", kStart);
    const auto episodes = throttle.record_failure("alice", "10.0.0.3", kStart);
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0].subject, Subject::Username);
    EXPECT_EQ(episodes[0].who, "alice");
    EXPECT_TRUE(throttle.blocked("alice", "10.0.0.4", kStart + seconds(1)));
    EXPECT_FALSE(throttle.blocked("bob", "10.0.0.4", kStart + seconds(1)));
}

TEST(FailureThrottle, TheRealDeviceIsNotLockedOutByGuessesFromElsewhere) {
    FailureThrottle throttle(three_in_a_minute());
    throttle.record_success("alice", "192.168.1.7", kStart);
    for (int i = 0; i < 3; ++i) {
        throttle.record_failure("alice", "10.0.0." + std::to_string(i), kStart + seconds(1));
    }
    EXPECT_TRUE(throttle.blocked("alice", "10.0.0.9", kStart + seconds(2)));
    EXPECT_FALSE(throttle.blocked("alice", "192.168.1.7", kStart + seconds(2)));
}

TEST(FailureThrottle, AnAddressBackOffAppliesEvenToATrustedPair) {
    FailureThrottle throttle(three_in_a_minute());
    throttle.record_success("alice", "10.0.0.1", kStart);
    for (int i = 0; i < 3; ++i) throttle.record_failure("mallory", "10.0.0.1", kStart);
    EXPECT_TRUE(throttle.blocked("alice", "10.0.0.1", kStart + seconds(1)));
}

TEST(FailureThrottle, AFloodOfDistinctNamesUsesBoundedMemory) {
    ThrottleSettings settings = three_in_a_minute();
    settings.max_tracked = 100;
    FailureThrottle throttle(settings);
    for (int i = 0; i < 5000; ++i) {
        throttle.record_failure("user" + std::to_string(i), "10.0." + std::to_string(i), kStart);
        throttle.record_success("ok" + std::to_string(i), "10.1." + std::to_string(i), kStart);
    }
    EXPECT_LE(throttle.tracked(), 3u * 100u);
}

TEST(FailureThrottle, SwitchedOffItNeverBlocks) {
    ThrottleSettings settings = three_in_a_minute();
    settings.enabled = false;
    FailureThrottle throttle(settings);
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(throttle.record_failure("a", "10.0.0.1", kStart).empty());
    EXPECT_FALSE(throttle.blocked("a", "10.0.0.1", kStart));
}
