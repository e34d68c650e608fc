#pragma once
// Refuses logins cheaply for a back-off period after too many failures from one client address
// or for one username. An attacker cannot lock a user out for good: a back-off ends by itself,
// and a (username, address) pair that logged in successfully recently is exempt from that
// username's back-off, so guessing a password from elsewhere does not stop the real device.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "throttling/bounded_table.h"
#include "throttling/throttle_settings.h"

namespace mqauth::throttling {

enum class Subject { Username, Address };

// A back-off that has just begun: logged once per episode.
struct Episode {
    Subject subject;
    std::string who;  // the username or the address
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
    bool blocked(std::optional<std::string_view> username, std::string_view address,
                 Clock::time_point now);

    // Counts a refused login; returns the back-offs it starts.
    std::vector<Episode> record_failure(std::optional<std::string_view> username,
                                        std::string_view address, Clock::time_point now);

    void record_success(std::string_view username, std::string_view address, Clock::time_point now);

    // Keys held across all tables (bounded by 3 * max_tracked).
    std::size_t tracked() const {
        return usernames_.size() + addresses_.size() + trusted_pairs_.size();
    }

   private:
    struct Counter {
        int failures = 0;
        Clock::time_point window_start{};
        Clock::time_point blocked_until{};
    };

    bool counter_blocks(BoundedTable<Counter>& table, std::string_view key, Clock::time_point now);
    std::optional<Episode> count(BoundedTable<Counter>& table, Subject subject,
                                 std::string_view key, Clock::time_point now);
    bool trusted(std::string_view username, std::string_view address, Clock::time_point now);
    // The trusted_pairs_ key of a (username, address), built in pair_key_ (no allocation once
    // it has grown to the longest pair seen); valid until the next call.
    std::string_view pair_key(std::string_view username, std::string_view address);

    ThrottleSettings settings_;
    BoundedTable<Counter> usernames_;
    BoundedTable<Counter> addresses_;
    BoundedTable<Clock::time_point> trusted_pairs_;  // last successful login of the pair
    std::string pair_key_;
};

}  // namespace mqauth::throttling
