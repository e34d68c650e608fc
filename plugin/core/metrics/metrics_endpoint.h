#pragma once
// The Prometheus endpoint (README "Metrics"): GET /metrics answers the registry's text on threads
// of its own (cpp-httplib's), so a scrape, a slow client or a flood of bad requests never
// reaches the broker's thread. Everything else gets a plain HTTP error.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics_settings.h"
#include "metrics/registry.h"

namespace httplib {
class Server;
}

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
    // client: the retired server is shut down on a thread of its own, joined at destruction.
    void stop();
    bool listening() const { return server_ != nullptr; }

   private:
    struct Running;
    void retire(std::unique_ptr<Running> running);

    const Registry& registry_;
    std::unique_ptr<Running> server_;
    MetricsSettings where_;
    std::vector<std::thread> retiring_;
};

}  // namespace mqauth::metrics
