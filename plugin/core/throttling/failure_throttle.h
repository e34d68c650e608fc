// SPDX-License-Identifier: Apache-2.0
#pragma once
// Refuses logins cheaply for a back-off period after too many failures of one device (its
// username, client id and address), of one username, or from one address. An attacker cannot
// lock a user out for good: a back-off ends by itself, and a device that logged in successfully
// recently is exempt from its username's and its address's back-offs, so guessing a password
// from elsewhere, or a neighbour behind the same NAT with a stale password, does not stop it.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throttling/bounded_table.h"
#include "throttling/throttle_settings.h"

namespace mqauth::throttling {

enum class Subject { Device, Username, Address };

// Who tried to log in. Views: valid for the call only.
struct Attempt {
    std::optional<std::string_view> username;
    std::string_view client_id;
    std::string_view address;
};

// A back-off that has just begun: logged once per episode.
struct Episode {
    Subject subject;
    std::string who;  // the username, the address, or for a device its client id
    std::chrono::seconds backoff;
    int failures;
};

class FailureThrottle {
   public:
    using Clock = std::chrono::steady_clock;

    explicit FailureThrottle(ThrottleSettings settings = {});

    // A reload: new limits apply from now on; counters and back-offs in progress are kept.
    void configure(const ThrottleSettings& settings);

    // Whether an attempt is to be refused without checking its credentials.
    bool blocked(const Attempt& attempt, Clock::time_point now);

    // Counts a refused login; returns the back-offs it starts.
    std::vector<Episode> record_failure(const Attempt& attempt, Clock::time_point now);

    void record_success(const Attempt& attempt, Clock::time_point now);

    // Keys held across all tables (bounded by 4 * max_tracked).
    std::size_t tracked() const {
        return devices_.size() + usernames_.size() + addresses_.size() + trusted_devices_.size();
    }

   private:
    struct Counter {
        int failures = 0;
        Clock::time_point window_start{};
        Clock::time_point blocked_until{};
    };

    bool counter_blocks(BoundedTable<Counter>& table, std::string_view key, Clock::time_point now);
    std::optional<Episode> count(BoundedTable<Counter>& table, Subject subject,
                                 std::string_view key, int max_failures, std::string_view who,
                                 Clock::time_point now);
    bool trusted(std::string_view device, Clock::time_point now);
    // The devices_ and trusted_devices_ key of an attempt with a username, built in device_key_
    // (no allocation once it has grown to the longest key seen); valid until the next call.
    std::string_view device_key(const Attempt& attempt);

    ThrottleSettings settings_;
    BoundedTable<Counter> devices_;
    BoundedTable<Counter> usernames_;
    BoundedTable<Counter> addresses_;
    BoundedTable<Clock::time_point> trusted_devices_;  // last successful login of the device
    std::string device_key_;
};

}  // namespace mqauth::throttling
