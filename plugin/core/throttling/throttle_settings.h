#pragma once
// Failed-login throttling (`throttling:` in the config; Mosquitto itself has none, its issue
// #2076). An mqauth extension: the seed APIs are silent.
#include <chrono>
#include <cstddef>

namespace mqauth::throttling {

struct ThrottleSettings {
    bool enabled = true;
    int max_failures = 10;  // failures within `window` that start a back-off
    std::chrono::seconds window{60};
    std::chrono::seconds backoff{60};          // how long further attempts are refused cheaply
    std::size_t max_tracked = 10000;           // per table: usernames, addresses, trusted pairs
    std::chrono::seconds trust{24 * 60 * 60};  // a (username, address) that logged in recently
                                               // is exempt from that username's back-off
};

}  // namespace mqauth::throttling
