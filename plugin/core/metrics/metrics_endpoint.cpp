#include "metrics/metrics_endpoint.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>

namespace mqauth::metrics {
namespace {

// A slow client (or a Slowloris) is cut off after this; Prometheus asks and reads at once.
constexpr int kReadTimeoutSeconds = 5;
constexpr int kWriteTimeoutSeconds = 5;
// Scrapes are rare and cheap: a few threads serve them. Clients that hold them all (sending a
// byte now and then) starve the scrapes, never the broker: its thread takes no part here.
constexpr std::size_t kThreads = 4;
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// cpp-httplib's default sets SO_REUSEPORT, with which a second process of the same user (another
// broker, an old one still running) binds the same port too and the kernel hands it half the
// scrapes. SO_REUSEADDR alone: a restart still binds past connections in TIME_WAIT, and a port
// anybody listens on is refused.
void listener_options(socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

// Any other method on /metrics: 405 with the methods served (httplib itself would answer 404,
// "unknown path /metrics").
void method_not_allowed(const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
}

void describe_error(const httplib::Request& request, httplib::Response& response) {
    std::string reason;
    switch (response.status) {
        case 404:
            reason = "unknown path " + request.path + ": the metrics are at GET /metrics";
            break;
        case 405: reason = "only GET (and HEAD) /metrics is served"; break;
        case 414: reason = "the request line is too long"; break;
        case 431: reason = "the request headers are too large"; break;
        default: reason = "bad request"; break;
    }
    response.set_content("mqauth metrics: " + reason + "\n", "text/plain; charset=utf-8");
}

}  // namespace

struct MetricsEndpoint::Running {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> finished{false};  // listen_after_bind returned
};

MetricsEndpoint::MetricsEndpoint(const Registry& registry) : registry_(registry) {}

MetricsEndpoint::~MetricsEndpoint() {
    stop();
    for (std::thread& thread : retiring_) thread.join();
}

std::string MetricsEndpoint::listen(const MetricsSettings& settings) {
    if (server_ && where_.same_listener(settings)) return {};
    // The same port on another address (127.0.0.1 to 0.0.0.0): without SO_REUSEPORT the running
    // listener must close first, and if the new one cannot bind then, there is none.
    if (server_ && where_.port == settings.port) stop();
    auto running = std::make_unique<Running>();
    httplib::Server& server = running->server;
    server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    server.set_read_timeout(kReadTimeoutSeconds, 0);
    server.set_write_timeout(kWriteTimeoutSeconds, 0);
    server.set_payload_max_length(64 * 1024);
    server.set_socket_options(listener_options);
    const Registry& registry = registry_;
    server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
        response.set_content(registry.text(), kContentType);
    });
    server.Post("/metrics", method_not_allowed);
    server.Put("/metrics", method_not_allowed);
    server.Patch("/metrics", method_not_allowed);
    server.Delete("/metrics", method_not_allowed);
    server.Options("/metrics", method_not_allowed);
    server.set_error_handler(describe_error);
    if (!server.bind_to_port(settings.host, settings.port)) {
        return "cannot listen on " + settings.host + ":" + std::to_string(settings.port) +
               " (is the address taken, or not this machine's?)";
    }
    Running& started = *running;
    running->thread = std::thread([&started] {
        started.server.listen_after_bind();
        started.finished = true;
    });
    // httplib's stop() does nothing before the listening thread has marked the server running:
    // a stop (a reload) right after this would leave it listening, and its join waiting for good.
    while (!server.is_running() && !started.finished) std::this_thread::yield();
    stop();
    server_ = std::move(running);
    where_ = settings;
    return {};
}

void MetricsEndpoint::stop() {
    if (server_) retire(std::move(server_));
}

// httplib's stop() closes the listening socket at once (so its port is free when this returns);
// its listening thread then joins the worker threads, which may be reading from a slow client for
// up to the read timeout: joined on a thread of its own so that the broker's thread never waits.
void MetricsEndpoint::retire(std::unique_ptr<Running> running) {
    running->server.stop();
    retiring_.emplace_back([running = std::move(running)] {
        if (running->thread.joinable()) running->thread.join();
    });
}

}  // namespace mqauth::metrics
