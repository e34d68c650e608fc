// SPDX-License-Identifier: Apache-2.0
#pragma once
// The metrics as the broker shows them (README "Metrics"): the Prometheus endpoint, started,
// moved or stopped as the policy's `metrics:` section says, and the $SYS/broker/mqauth/...
// topics, published from the broker's thread every sys_interval, like Mosquitto's own $SYS.
#include <chrono>
#include <optional>

#include "engine/engine.h"
#include "metrics/metrics_endpoint.h"

namespace mqauth::adapter {

class MetricsPublishing {
   public:
    using Clock = std::chrono::steady_clock;

    explicit MetricsPublishing(const engine::Engine& engine);

    // At start-up and after every applied reload: the section in force. An endpoint that cannot
    // listen is logged and left out (metrics never stop the broker); a running one stays.
    void apply(const std::optional<metrics::MetricsSettings>& settings);

    // At each TICK: publishes the $SYS topics when they are due. Returns how long until they are
    // due next (nothing when they are off), for Mosquitto 2.1's next TICK.
    std::optional<Clock::duration> publish_when_due(Clock::time_point now);

   private:
    const engine::Engine& engine_;
    metrics::MetricsEndpoint endpoint_;
    std::optional<metrics::MetricsSettings> settings_;
    Clock::time_point next_sys_{};
};

}  // namespace mqauth::adapter
