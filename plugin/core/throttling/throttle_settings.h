// SPDX-License-Identifier: Apache-2.0
#pragma once
// Failed-login throttling (`throttling:` in the config; Mosquitto itself has none, its issue
// #2076). An mqauth extension: the ApsaraMQ and IoTDA APIs are silent.
#include <chrono>
#include <cstddef>

namespace mqauth::throttling {

struct ThrottleSettings {
    bool enabled = true;
    // Failures within `window` that start a back-off of one device (username, client id and
    // address) or of one username.
    int max_failures = 10;
    // ... of one address: higher, since an address may be a NAT in front of many devices.
    int address_max_failures = 100;
    std::chrono::seconds window{60};
    std::chrono::seconds backoff{60};  // how long further attempts are refused cheaply
    std::size_t max_tracked = 10000;   // per table: devices, usernames, addresses, trusted devices
    // A device that logged in recently is exempt from its username's and its address's
    // back-offs: only its own failures stop it.
    std::chrono::seconds trust{24 * 60 * 60};
};

}  // namespace mqauth::throttling
