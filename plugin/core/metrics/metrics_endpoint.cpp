// SPDX-License-Identifier: Apache-2.0
#include "metrics/metrics_endpoint.h"

#include <civetweb.h>

#include <chrono>
#include <string_view>
#include <thread>
#include <utility>

namespace mqauth::metrics {
namespace {

// civetweb reads a request's line and headers into one buffer of this size and refuses a
// request that does not fit (400): a client cannot make the broker's process hold more.
// Prometheus sends a few hundred bytes.
constexpr const char* kMaxRequestBytes = "16384";
// A request must be complete this long after its first byte (civetweb measures the whole
// request, not each read): a slow client (or a Slowloris) is cut off then.
constexpr const char* kRequestTimeoutMs = "5000";
// Scrapes are rare and cheap: a few threads serve them. Clients that hold them all starve the
// scrapes for at most the request timeout, never the broker: its thread takes no part here.
constexpr const char* kThreads = "4";
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";
// An unknown path is echoed in the 404's text up to this length.
constexpr std::size_t kEchoedPathLength = 100;

void send_text(mg_connection* connection, int status, const std::string& text,
               const char* allow = nullptr) {
    mg_response_header_start(connection, status);
    mg_response_header_add(connection, "Content-Type", "text/plain; charset=utf-8", -1);
    if (allow != nullptr) mg_response_header_add(connection, "Allow", allow, -1);
    const std::string length = std::to_string(text.size());
    mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
    mg_response_header_send(connection);
    mg_write(connection, text.data(), text.size());
}

std::string error_text(std::string_view reason) {
    return "mqauth metrics: " + std::string(reason) + "\n";
}

int serve_metrics(mg_connection* connection, const Registry& registry) {
    const std::string_view method = mg_get_request_info(connection)->request_method;
    if (method != "GET" && method != "HEAD") {
        send_text(connection, 405, error_text("only GET (and HEAD) /metrics is served"),
                  "GET, HEAD");
        return 405;
    }
    const std::string body = registry.text();
    mg_send_http_ok(connection, kContentType, static_cast<long long>(body.size()));
    if (method == "GET") mg_write(connection, body.data(), body.size());
    return 200;
}

// The one request handler, for every path.
int handle_request(mg_connection* connection, void* registry) {
    const char* uri = mg_get_request_info(connection)->local_uri;
    const std::string_view path = uri != nullptr ? uri : "";
    if (path == "/metrics") return serve_metrics(connection, *static_cast<Registry*>(registry));
    send_text(connection, 404,
              error_text("unknown path " + std::string(path.substr(0, kEchoedPathLength)) +
                         ": the metrics are at GET /metrics"));
    return 404;
}

// The errors civetweb finds itself, before any handler: the request was not HTTP, did not fit
// in kMaxRequestBytes, or was not complete within kRequestTimeoutMs.
int describe_error(mg_connection* connection, int status, const char* /*civetweb's text*/) {
    std::string reason;
    switch (status) {
        case 400:
            reason = "bad request: not HTTP, larger than " + std::string(kMaxRequestBytes) +
                     " bytes, or not complete within " + std::string(kRequestTimeoutMs) + " ms";
            break;
        case 405: reason = "only GET (and HEAD) /metrics is served"; break;
        case 413: reason = "the request is too large"; break;
        case 505: reason = "only HTTP/1.0 and HTTP/1.1 are served"; break;
        default: reason = "the request cannot be served"; break;
    }
    send_text(connection, status, error_text(reason));
    return 0;  // answered here
}

// civetweb's own log (a client that went away, ...) would go to stderr, the broker's log: its
// lines are of no use to an operator, whose scraper sees every error in its answer.
int discard_log_message(const mg_connection*, const char*) {
    return 1;
}

mg_context* start_server(const MetricsSettings& settings, const Registry& registry) {
    // civetweb's "IP:PORT" (Debian builds it without IPv6: the config section refuses an IPv6
    // address). Keep-alive stays off: a connection is one scrape.
    const std::string port = settings.host + ":" + std::to_string(settings.port);
    // clang-format off
    const char* options[] = {
        "listening_ports", port.c_str(),
        "num_threads", kThreads,
        "request_timeout_ms", kRequestTimeoutMs,
        "max_request_size", kMaxRequestBytes,
        "enable_keep_alive", "no",
        nullptr};  // no document_root: civetweb serves no file, whatever the path
    // clang-format on
    mg_callbacks callbacks{};
    callbacks.http_error = describe_error;
    callbacks.log_message = discard_log_message;
    mg_init_data init{};
    init.callbacks = &callbacks;  // copied by mg_start2
    init.configuration_options = options;
    // civetweb's reason for a failed start is "Failed to setup server ports": the caller's is
    // clearer.
    mg_context* server = mg_start2(&init, nullptr);
    if (server != nullptr) {
        // One handler for every path (a request in the microseconds before it is registered
        // gets civetweb's own 404).
        mg_set_request_handler(server, "**", handle_request, const_cast<Registry*>(&registry));
    }
    return server;
}

// civetweb's accept loop polls in quanta of 2 s (SOCKET_TIMEOUT_QUANTUM in 1.15) and closes its
// listening sockets when it sees the stop flag: a port being given up is free within one
// quantum, so a start on it is retried that long.
mg_context* start_when_port_is_free(const MetricsSettings& settings, const Registry& registry) {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    for (;;) {
        if (mg_context* server = start_server(settings, registry)) return server;
        if (std::chrono::steady_clock::now() >= deadline) return nullptr;
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(const Registry& registry) : registry_(registry) {
    mg_init_library(0);
}

MetricsEndpoint::~MetricsEndpoint() {
    stop();
    for (std::thread& thread : retiring_) thread.join();
    mg_exit_library();
}

std::string MetricsEndpoint::listen(const MetricsSettings& settings) {
    if (server_ && where_.same_listener(settings)) return {};
    mg_context* started = nullptr;
    if (server_ && where_.port == settings.port) {
        // The same port on another address (127.0.0.1 to 0.0.0.0): the running listener must
        // close first; and if the new one cannot bind then, there is none.
        stop();
        started = start_when_port_is_free(settings, registry_);
    } else {
        started = start_server(settings, registry_);
    }
    if (started == nullptr) {
        return "cannot listen on " + settings.host + ":" + std::to_string(settings.port) +
               " (is the address taken, or not this machine's?)";
    }
    stop();
    server_ = started;
    where_ = settings;
    return {};
}

void MetricsEndpoint::stop() {
    if (server_ != nullptr) retire(std::exchange(server_, nullptr));
}

// mg_stop returns once every worker has finished its request, which for a slow client is up to
// the request timeout: it runs on a thread of its own so that the broker's thread never waits.
void MetricsEndpoint::retire(mg_context* server) {
    retiring_.emplace_back([server] { mg_stop(server); });
}

}  // namespace mqauth::metrics
