#include "throttling/failure_throttle.h"

#include <charconv>
#include <iterator>

namespace mqauth::throttling {

FailureThrottle::FailureThrottle(ThrottleSettings settings)
    : settings_(settings),
      usernames_(settings.max_tracked),
      addresses_(settings.max_tracked),
      trusted_pairs_(settings.max_tracked) {}

void FailureThrottle::configure(const ThrottleSettings& settings) {
    settings_ = settings;
    usernames_.set_capacity(settings.max_tracked);
    addresses_.set_capacity(settings.max_tracked);
    trusted_pairs_.set_capacity(settings.max_tracked);
}

bool FailureThrottle::blocked(std::optional<std::string_view> username, std::string_view address,
                              Clock::time_point now) {
    if (!settings_.enabled) return false;
    if (counter_blocks(addresses_, address, now)) return true;
    return username && counter_blocks(usernames_, *username, now) &&
           !trusted(*username, address, now);
}

std::vector<Episode> FailureThrottle::record_failure(std::optional<std::string_view> username,
                                                     std::string_view address,
                                                     Clock::time_point now) {
    std::vector<Episode> started;
    if (!settings_.enabled) return started;
    if (auto episode = count(addresses_, Subject::Address, address, now)) {
        started.push_back(std::move(*episode));
    }
    if (username) {
        if (auto episode = count(usernames_, Subject::Username, *username, now)) {
            started.push_back(std::move(*episode));
        }
    }
    return started;
}

void FailureThrottle::record_success(std::string_view username, std::string_view address,
                                     Clock::time_point now) {
    if (!settings_.enabled) return;
    trusted_pairs_.touch(pair_key(username, address)) = now;
}

bool FailureThrottle::counter_blocks(BoundedTable<Counter>& table, std::string_view key,
                                     Clock::time_point now) {
    const Counter* counter = table.find(key);
    return counter && counter->blocked_until > now;
}

// Failures count within a fixed window; reaching max_failures starts a back-off and a fresh
// count, so a persistent attacker gets at most max_failures tries per back-off period.
std::optional<Episode> FailureThrottle::count(BoundedTable<Counter>& table, Subject subject,
                                              std::string_view key, Clock::time_point now) {
    Counter& counter = table.touch(key);
    if (counter.blocked_until > now) return std::nullopt;  // already in a back-off
    if (counter.failures == 0 || now - counter.window_start >= settings_.window) {
        counter.failures = 0;
        counter.window_start = now;
    }
    if (++counter.failures < settings_.max_failures) return std::nullopt;
    const int failures = counter.failures;
    counter.failures = 0;
    counter.blocked_until = now + settings_.backoff;
    return Episode{subject, std::string(key), settings_.backoff, failures};
}

bool FailureThrottle::trusted(std::string_view username, std::string_view address,
                              Clock::time_point now) {
    const Clock::time_point* last = trusted_pairs_.find(pair_key(username, address));
    return last && now - *last < settings_.trust;
}

// Length-prefixed, so no username/address split can collide with another.
std::string_view FailureThrottle::pair_key(std::string_view username, std::string_view address) {
    char length[24];
    const auto [end, error] = std::to_chars(std::begin(length), std::end(length), username.size());
    (void)error;  // a size_t always fits in 24 digits
    pair_key_.assign(length, end);
    pair_key_.append(1, ':').append(username).append(address);
    return pair_key_;
}

}  // namespace mqauth::throttling
