// SPDX-License-Identifier: Apache-2.0
#pragma once
// The Prometheus endpoint (README "Metrics"): GET /metrics answers the registry's text on threads
// of its own (civetweb's), so a scrape, a slow client or a flood of bad requests never reaches
// the broker's thread. Everything else gets a plain HTTP error.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics_settings.h"
#include "metrics/registry.h"

struct mg_context;

namespace mqauth::metrics {

class MetricsEndpoint {
   public:
    explicit MetricsEndpoint(const Registry& registry);
    ~MetricsEndpoint();
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    // Listens where `settings` say, leaving a listener already there alone; an empty string on
    // success, else why not (the address is taken, ...), the old listener kept then.
    std::string listen(const MetricsSettings& settings);
    // Stops listening (the section was removed). Never waits on the caller's thread for a
    // client: the retired server is stopped on a thread of its own, joined at destruction.
    void stop();
    bool listening() const { return server_ != nullptr; }

   private:
    void retire(mg_context* server);

    const Registry& registry_;
    mg_context* server_ = nullptr;
    MetricsSettings where_;
    std::vector<std::thread> retiring_;
};

}  // namespace mqauth::metrics
