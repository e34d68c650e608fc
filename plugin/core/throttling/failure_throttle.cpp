// SPDX-License-Identifier: Apache-2.0
#include "throttling/failure_throttle.h"

#include <charconv>
#include <iterator>

namespace mqauth::throttling {
namespace {

void append_length_prefixed(std::string& key, std::string_view text) {
    char length[24];
    const auto [end, error] = std::to_chars(std::begin(length), std::end(length), text.size());
    (void)error;  // a size_t always fits in 24 digits
    key.append(length, end).append(1, ':').append(text);
}

}  // namespace

FailureThrottle::FailureThrottle(ThrottleSettings settings)
    : settings_(settings),
      devices_(settings.max_tracked),
      usernames_(settings.max_tracked),
      addresses_(settings.max_tracked),
      trusted_devices_(settings.max_tracked) {}

void FailureThrottle::configure(const ThrottleSettings& settings) {
    settings_ = settings;
    devices_.set_capacity(settings.max_tracked);
    usernames_.set_capacity(settings.max_tracked);
    addresses_.set_capacity(settings.max_tracked);
    trusted_devices_.set_capacity(settings.max_tracked);
}

// A device's own back-off stops it whatever else; a device that logged in recently is stopped by
// nothing else, so neither a password guesser nor a misbehaving neighbour behind the same address
// locks it out.
bool FailureThrottle::blocked(const Attempt& attempt, Clock::time_point now) {
    if (!settings_.enabled) return false;
    if (attempt.username) {
        const std::string_view device = device_key(attempt);
        if (counter_blocks(devices_, device, now)) return true;
        if (trusted(device, now)) return false;
    }
    if (counter_blocks(addresses_, attempt.address, now)) return true;
    return attempt.username && counter_blocks(usernames_, *attempt.username, now);
}

std::vector<Episode> FailureThrottle::record_failure(const Attempt& attempt,
                                                     Clock::time_point now) {
    std::vector<Episode> started;
    if (!settings_.enabled) return started;
    const auto keep = [&started](std::optional<Episode> episode) {
        if (episode) started.push_back(std::move(*episode));
    };
    if (attempt.username) {
        keep(count(devices_, Subject::Device, device_key(attempt), settings_.max_failures,
                   attempt.client_id, now));
        keep(count(usernames_, Subject::Username, *attempt.username, settings_.max_failures,
                   *attempt.username, now));
    }
    keep(count(addresses_, Subject::Address, attempt.address, settings_.address_max_failures,
               attempt.address, now));
    return started;
}

void FailureThrottle::record_success(const Attempt& attempt, Clock::time_point now) {
    if (!settings_.enabled || !attempt.username) return;
    trusted_devices_.touch(device_key(attempt)) = now;
}

bool FailureThrottle::counter_blocks(BoundedTable<Counter>& table, std::string_view key,
                                     Clock::time_point now) {
    const Counter* counter = table.find(key);
    return counter && counter->blocked_until > now;
}

// Failures count within a fixed window; reaching max_failures starts a back-off and a fresh
// count, so a persistent attacker gets at most max_failures tries per back-off period.
std::optional<Episode> FailureThrottle::count(BoundedTable<Counter>& table, Subject subject,
                                              std::string_view key, int max_failures,
                                              std::string_view who, Clock::time_point now) {
    Counter& counter = table.touch(key);
    if (counter.blocked_until > now) return std::nullopt;  // already in a back-off
    if (counter.failures == 0 || now - counter.window_start >= settings_.window) {
        counter.failures = 0;
        counter.window_start = now;
    }
    if (++counter.failures < max_failures) return std::nullopt;
    const int failures = counter.failures;
    counter.failures = 0;
    counter.blocked_until = now + settings_.backoff;
    return Episode{subject, std::string(who), settings_.backoff, failures};
}

bool FailureThrottle::trusted(std::string_view device, Clock::time_point now) {
    const Clock::time_point* last = trusted_devices_.find(device);
    return last && now - *last < settings_.trust;
}

// Length-prefixed, so no split of the three fields can collide with another.
std::string_view FailureThrottle::device_key(const Attempt& attempt) {
    device_key_.clear();
    append_length_prefixed(device_key_, attempt.username.value_or(""));
    append_length_prefixed(device_key_, attempt.client_id);
    device_key_.append(attempt.address);
    return device_key_;
}

}  // namespace mqauth::throttling
