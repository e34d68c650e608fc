// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "throttling/failure_throttle.h"

using namespace mqauth::throttling;
using std::chrono::seconds;

namespace {

ThrottleSettings three_per_device_six_per_address() {
    ThrottleSettings settings;
    settings.max_failures = 3;
    settings.address_max_failures = 6;
    settings.window = seconds(60);
    settings.backoff = seconds(30);
    settings.max_tracked = 100;
    return settings;
}

const FailureThrottle::Clock::time_point kStart{seconds(1000)};

Attempt device(std::string_view username, std::string_view client_id, std::string_view address) {
    return Attempt{username, client_id, address};
}

Attempt anonymous(std::string_view address) {
    return Attempt{std::nullopt, "anon", address};
}

}  // namespace

TEST(FailureThrottle, AnAddressBacksOffAfterItsOwnHigherThreshold) {
    FailureThrottle throttle(three_per_device_six_per_address());
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(throttle.record_failure(anonymous("10.0.0.1"), kStart).empty());
    }
    EXPECT_FALSE(throttle.blocked(anonymous("10.0.0.1"), kStart));
    const auto episodes = throttle.record_failure(anonymous("10.0.0.1"), kStart);
    ASSERT_EQ(episodes.size(), 1u);
    EXPECT_EQ(episodes[0].subject, Subject::Address);
    EXPECT_EQ(episodes[0].who, "10.0.0.1");
    EXPECT_EQ(episodes[0].failures, 6);
    EXPECT_TRUE(throttle.blocked(device("anyone", "c", "10.0.0.1"), kStart + seconds(29)));
    EXPECT_FALSE(throttle.blocked(device("anyone", "c", "10.0.0.2"), kStart));
    // Failures during the back-off do not extend it nor start another episode.
    EXPECT_TRUE(throttle.record_failure(anonymous("10.0.0.1"), kStart + seconds(5)).empty());
    EXPECT_FALSE(throttle.blocked(anonymous("10.0.0.1"), kStart + seconds(30)));
}

TEST(FailureThrottle, FailuresCountWithinAWindow) {
    FailureThrottle throttle(three_per_device_six_per_address());
    const Attempt stale = device("fleet", "dev-1", "10.0.0.1");
    throttle.record_failure(stale, kStart);
    throttle.record_failure(stale, kStart + seconds(10));
    EXPECT_TRUE(throttle.record_failure(stale, kStart + seconds(61)).empty());
    EXPECT_FALSE(throttle.blocked(stale, kStart + seconds(61)));
}

TEST(FailureThrottle, ADevicesOwnFailuresBackItOffAlone) {
    FailureThrottle throttle(three_per_device_six_per_address());
    const Attempt stale = device("sensor-7", "dev-7", "203.0.113.9");
    throttle.record_failure(stale, kStart);
    throttle.record_failure(stale, kStart);
    const auto episodes = throttle.record_failure(stale, kStart);
    ASSERT_EQ(episodes.size(), 2u);  // the device, and its username (nobody else uses it)
    EXPECT_EQ(episodes[0].subject, Subject::Device);
    EXPECT_EQ(episodes[0].who, "dev-7");
    EXPECT_TRUE(throttle.blocked(stale, kStart + seconds(1)));
    EXPECT_FALSE(throttle.blocked(device("sensor-8", "dev-8", "203.0.113.9"), kStart + seconds(1)));
}

// Issue 14: one device with a stale password retrying every 5 s behind a NAT must not back off
// the known-good devices behind the same address, nor a new one with its own username.
TEST(FailureThrottle, AMisbehavingDeviceDoesNotLockOutItsNeighboursBehindANat) {
    FailureThrottle throttle{ThrottleSettings{}};  // the defaults: 10 per device, 100 per address
    const std::string nat = "198.51.100.1";
    throttle.record_success(device("fleet", "dev-good", nat), kStart);
    const Attempt stale = device("fleet", "dev-stale", nat);
    for (int i = 0; i < 12; ++i) {
        const auto at = kStart + seconds(5 * i);
        if (!throttle.blocked(stale, at)) throttle.record_failure(stale, at);
    }
    const auto after = kStart + seconds(60);
    EXPECT_TRUE(throttle.blocked(stale, after));
    EXPECT_FALSE(throttle.blocked(device("fleet", "dev-good", nat), after));
    EXPECT_FALSE(throttle.blocked(device("meter", "dev-new", nat), after));
}

TEST(FailureThrottle, AGuessingRunFromOneAddressIsStillSlowed) {
    FailureThrottle throttle(three_per_device_six_per_address());
    // One username, a new client id for every guess: the username backs off.
    for (int i = 0; i < 3; ++i) {
        throttle.record_failure(device("alice", "g" + std::to_string(i), "10.0.0.5"), kStart);
    }
    EXPECT_TRUE(throttle.blocked(device("alice", "g9", "10.0.0.6"), kStart + seconds(1)));
    // A new username and client id for every guess: the address backs off.
    for (int i = 0; i < 6; ++i) {
        throttle.record_failure(
            device("u" + std::to_string(i), "h" + std::to_string(i), "10.0.0.7"), kStart);
    }
    EXPECT_TRUE(throttle.blocked(device("bob", "h9", "10.0.0.7"), kStart + seconds(1)));
}

TEST(FailureThrottle, TheRealDeviceIsNotLockedOutByGuessesFromElsewhere) {
    FailureThrottle throttle(three_per_device_six_per_address());
    throttle.record_success(device("alice", "phone", "192.168.1.7"), kStart);
    for (int i = 0; i < 3; ++i) {
        throttle.record_failure(device("alice", "phone", "10.0.0." + std::to_string(i)),
                                kStart + seconds(1));
    }
    EXPECT_TRUE(throttle.blocked(device("alice", "phone", "10.0.0.9"), kStart + seconds(2)));
    EXPECT_FALSE(throttle.blocked(device("alice", "phone", "192.168.1.7"), kStart + seconds(2)));
}

TEST(FailureThrottle, ATrustedDeviceIsExemptFromItsAddressBackOffButNotFromItsOwn) {
    FailureThrottle throttle(three_per_device_six_per_address());
    const Attempt alice = device("alice", "dev-1", "10.0.0.1");
    throttle.record_success(alice, kStart);
    for (int i = 0; i < 6; ++i) {
        throttle.record_failure(device("mallory", "m" + std::to_string(i), "10.0.0.1"), kStart);
    }
    EXPECT_TRUE(throttle.blocked(device("carol", "dev-2", "10.0.0.1"), kStart + seconds(1)));
    EXPECT_FALSE(throttle.blocked(alice, kStart + seconds(1)));
    for (int i = 0; i < 3; ++i) throttle.record_failure(alice, kStart + seconds(2));
    EXPECT_TRUE(throttle.blocked(alice, kStart + seconds(3)));
}

TEST(FailureThrottle, AFloodOfDistinctNamesUsesBoundedMemory) {
    FailureThrottle throttle(three_per_device_six_per_address());
    for (int i = 0; i < 5000; ++i) {
        const std::string n = std::to_string(i);
        throttle.record_failure(device("user" + n, "c" + n, "10.0." + n), kStart);
        throttle.record_success(device("ok" + n, "c" + n, "10.1." + n), kStart);
    }
    EXPECT_LE(throttle.tracked(), 4u * 100u);
}

TEST(FailureThrottle, SwitchedOffItNeverBlocks) {
    ThrottleSettings settings = three_per_device_six_per_address();
    settings.enabled = false;
    FailureThrottle throttle(settings);
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(throttle.record_failure(device("a", "c", "10.0.0.1"), kStart).empty());
    }
    EXPECT_FALSE(throttle.blocked(device("a", "c", "10.0.0.1"), kStart));
}
