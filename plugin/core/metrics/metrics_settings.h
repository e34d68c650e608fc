// SPDX-License-Identifier: Apache-2.0
#pragma once
// The config's `metrics:` section (README "Metrics"): where the Prometheus endpoint listens, and
// how often the $SYS topics are published. Absent: neither.
#include <chrono>
#include <cstdint>
#include <string>

namespace mqauth::metrics {

struct MetricsSettings {
    std::string host;  // an IP address, 127.0.0.1 unless the file says otherwise
    std::uint16_t port = 0;
    // Every sys_interval the broker publishes the $SYS topics (as Mosquitto's own sys_interval);
    // zero: never.
    std::chrono::seconds sys_interval{10};

    bool same_listener(const MetricsSettings& other) const {
        return host == other.host && port == other.port;
    }
};

}  // namespace mqauth::metrics
