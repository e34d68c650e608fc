// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "authorizers/http_calls.h"
#include "authorizers/http_function.h"

using namespace mqauth::authorizers;
using namespace std::chrono_literals;

namespace {

// A tiny HTTP/1.1 server on 127.0.0.1 in a thread: reads each request (headers and a
// Content-Length body), records it, waits `delay`, answers `body` with keep-alive.
class TestServer {
   public:
    explicit TestServer(std::string body, std::chrono::milliseconds delay = 0ms)
        : body_(std::move(body)), delay_(delay) {
        listener_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            listen(listener_, 8) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("test server");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~TestServer() {
        stop_ = true;
        thread_.join();
        close(listener_);
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/auth"; }
    int connections() const { return connections_; }
    std::vector<std::string> requests() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

   private:
    bool readable(int fd) const {
        pollfd poll_fd{fd, POLLIN, 0};
        return poll(&poll_fd, 1, 50) > 0;
    }

    void serve() {
        while (!stop_) {
            if (!readable(listener_)) continue;
            const int connection = accept(listener_, nullptr, nullptr);
            if (connection < 0) continue;
            ++connections_;
            while (!stop_ && answer_one(connection)) {
            }
            close(connection);
        }
    }

    // One request on `connection`; false when the peer closed it.
    bool answer_one(int connection) {
        std::string request;
        std::size_t header_end = std::string::npos;
        while (!stop_ && (header_end == std::string::npos || !complete(request, header_end))) {
            if (!readable(connection)) continue;
            char buffer[4096];
            const ssize_t got = recv(connection, buffer, sizeof buffer, 0);
            if (got <= 0) return false;
            request.append(buffer, static_cast<std::size_t>(got));
            header_end = request.find("\r\n\r\n");
        }
        if (stop_) return false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(request);
        }
        std::this_thread::sleep_for(delay_);
        const std::string response =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body_.size()) + "\r\n\r\n" + body_;
        return send(connection, response.data(), response.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(response.size());
    }

    static bool complete(const std::string& request, std::size_t header_end) {
        const auto at = request.find("Content-Length: ");
        if (at == std::string::npos || at > header_end) return true;
        const std::size_t length = std::stoul(request.substr(at + 16));
        return request.size() >= header_end + 4 + length;
    }

    std::string body_;
    std::chrono::milliseconds delay_;
    int listener_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

// A port nothing listens on: bound, then closed.
int closed_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd, reinterpret_cast<sockaddr*>(&address), length);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

TEST(HttpFunction, PostsTheJsonBodyAndReturnsTheAnswer) {
    TestServer server(R"({"result":"allow"})");
    HttpFunction function;
    const std::string body = R"({"password":")" + std::string(2048, 'p') + "\"}";
    const FunctionReply reply = function.post(server.url(), body, 2000ms);
    ASSERT_TRUE(reply.delivered) << reply.failure;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, R"({"result":"allow"})");
    ASSERT_EQ(server.requests().size(), 1u);
    const std::string request = server.requests()[0];
    EXPECT_EQ(request.rfind("POST /auth HTTP/1.1\r\n", 0), 0u);
    EXPECT_NE(request.find("Content-Type: application/json\r\n"), std::string::npos);
    // A body over 1 KiB must not wait for "100 Continue".
    EXPECT_EQ(request.find("Expect:"), std::string::npos);
    EXPECT_NE(request.find(body), std::string::npos);
}

TEST(HttpFunction, KeepsTheConnectionOpenAcrossCalls) {
    TestServer server(R"({"result":"deny"})");
    HttpFunction function;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(function.post(server.url(), "{}", 2000ms).delivered);
    }
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpFunction, ASlowFunctionIsCutOffAtTheTimeout) {
    TestServer server(R"({"result":"allow"})", 1500ms);
    HttpFunction function;
    const auto start = std::chrono::steady_clock::now();
    const FunctionReply reply = function.post(server.url(), "{}", 200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(reply.delivered);
    EXPECT_EQ(reply.failure, "no answer within 200 ms");
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 1000ms);
}

TEST(HttpFunction, AFunctionThatIsDownIsAFailureThatSaysSo) {
    HttpFunction function;
    const FunctionReply reply =
        function.post("http://127.0.0.1:" + std::to_string(closed_port()) + "/auth", "{}", 2000ms);
    EXPECT_FALSE(reply.delivered);
    EXPECT_NE(reply.failure.find("Couldn't connect"), std::string::npos) << reply.failure;
}

TEST(HttpFunction, AnAnswerOver64KiBIsRefused) {
    TestServer server(std::string(kMaxAnswerBytes + 1, ' '));
    HttpFunction function;
    const FunctionReply reply = function.post(server.url(), "{}", 2000ms);
    EXPECT_FALSE(reply.delivered);
    EXPECT_EQ(reply.failure, "the answer is larger than 64 KiB");
}

TEST(HttpFunction, KeepOnlyClosesTheConnectionsOfOtherUrls) {
    TestServer first(R"({"result":"allow"})");
    TestServer second(R"({"result":"allow"})");
    HttpFunction function;
    function.post(first.url(), "{}", 2000ms);
    function.post(second.url(), "{}", 2000ms);
    EXPECT_EQ(function.open_handles(), 2u);
    function.keep_only({second.url()});
    EXPECT_EQ(function.open_handles(), 1u);
}

// HttpCalls: the same transport off the broker's thread. Replies are collected by polling, as the
// plugin's TICK does.
namespace {

std::vector<FinishedCall> collect(HttpCalls& calls, std::size_t count,
                                  std::chrono::milliseconds within = 5000ms) {
    std::vector<FinishedCall> finished;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (finished.size() < count && std::chrono::steady_clock::now() < deadline) {
        for (FinishedCall& call : calls.take_finished()) finished.push_back(std::move(call));
        std::this_thread::sleep_for(5ms);
    }
    return finished;
}

}  // namespace

TEST(HttpCalls, RunsEachCallAndReturnsItsAnswerUnderItsId) {
    TestServer server(R"({"result":"allow"})");
    HttpCalls calls;
    // One after the other: TestServer serves one connection at a time (the integration tests'
    // function serves many, for calls at once).
    std::vector<FinishedCall> finished;
    for (CallId id : {7, 8, 9}) {
        calls.start(id, server.url(), R"({"n":1})", 2000ms);
        for (FinishedCall& call : collect(calls, 1)) finished.push_back(std::move(call));
    }
    ASSERT_EQ(finished.size(), 3u);
    std::vector<CallId> ids;
    for (const FinishedCall& call : finished) {
        ids.push_back(call.id);
        EXPECT_TRUE(call.reply.delivered);
        EXPECT_EQ(call.reply.status, 200);
        EXPECT_EQ(call.reply.body, R"({"result":"allow"})");
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<CallId>{7, 8, 9}));
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_NE(server.requests()[0].find(R"({"n":1})"), std::string::npos);
    EXPECT_EQ(server.connections(), 1);  // the multi handle's pool reuses the connection
}

TEST(HttpCalls, ASlowFunctionIsCutOffAtTheTimeout) {
    TestServer server(R"({"result":"allow"})", 1500ms);
    HttpCalls calls;
    calls.start(1, server.url(), "{}", 200ms);
    const std::vector<FinishedCall> finished = collect(calls, 1);
    ASSERT_EQ(finished.size(), 1u);
    EXPECT_FALSE(finished[0].reply.delivered);
    EXPECT_EQ(finished[0].reply.failure, "no answer within 200 ms");
}

TEST(HttpCalls, AFunctionThatIsDownIsAFailureThatSaysSo) {
    HttpCalls calls;
    calls.start(1, "http://127.0.0.1:" + std::to_string(closed_port()) + "/auth", "{}", 2000ms);
    const std::vector<FinishedCall> finished = collect(calls, 1);
    ASSERT_EQ(finished.size(), 1u);
    EXPECT_FALSE(finished[0].reply.delivered);
    EXPECT_NE(finished[0].reply.failure.find("Couldn't connect"), std::string::npos);
}

TEST(HttpCalls, StoppingWithCallsUnderWayDoesNotWaitForThem) {
    TestServer server(R"({"result":"allow"})", 3000ms);
    const auto started = std::chrono::steady_clock::now();
    {
        HttpCalls calls;
        calls.start(1, server.url(), "{}", 5000ms);
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
}
