// SPDX-License-Identifier: Apache-2.0
#pragma once
// CONNECTs waiting for an authorizer function's answer, where the broker lets authentication
// finish later (Mosquitto 2.1's delayed basic auth). Each waits under the id of its call.
//
// The broker tells plugins nothing when a waiting client goes away, so a login is abandoned
// when the engine sees a sign that its client is gone: any authentication on the same
// connection (the broker reused the client struct), or a new CONNECT with the same client id
// (the broker refuses a second CONNECT for a client id whose authentication is delayed, so the
// first one is gone). An abandoned login's answer still feeds the circuit breaker and the cache;
// its client is never told anything, so the answer cannot reach a client it was not asked for.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "authorizers/authorizer.h"
#include "authorizers/function_calls.h"
#include "engine/connect_request.h"
#include "policy.h"

namespace mqauth::engine {

// How long past its function's timeout_ms a call may go unanswered before the engine gives up on
// it (a transport that lost a reply): the client is refused, not left waiting.
inline constexpr std::chrono::seconds kOverdueGrace{5};

struct PendingLogin {
    using Clock = std::chrono::steady_clock;

    ConnectionId connection = 0;
    std::string client_id;
    std::optional<std::string> username;  // the CONNECT's, for throttling and the log
    std::optional<std::string> device;    // the username the client will have if admitted
    std::string address;
    // The policy the authorizer came from: at the answer, the current policy must still have
    // an authorizer of that name with the same settings, ACTIVE.
    std::shared_ptr<const Policy> policy;
    const authorizers::Authorizer* authorizer = nullptr;  // in `policy`
    std::optional<std::string> cache_key;
    Clock::time_point started{};  // when its call started, for the call's duration
    Clock::time_point overdue_at{};
    bool abandoned = false;
};

class PendingLogins {
   public:
    // Records a login; returns the id to start its call under.
    authorizers::CallId add(PendingLogin login);
    // Removes and returns the login waiting for call `id` (nullopt: not waiting, or expired).
    std::optional<PendingLogin> take(authorizers::CallId id);
    // Removes and returns the logins whose answer is overdue at `now`.
    std::vector<PendingLogin> take_overdue(PendingLogin::Clock::time_point now);

    // A new authentication on `connection`, and, for a fresh CONNECT, its client id: the logins
    // waiting there belong to clients that are gone.
    void abandon(ConnectionId connection, std::optional<std::string_view> client_id);

    // Calls under way to the named authorizer's function, abandoned ones included.
    std::size_t in_flight(std::string_view authorizer) const;
    // An authorizer refused a CONNECT for having max_in_flight calls under way: true when this
    // begins an episode (one log line for it), which ends once its calls have all finished.
    bool start_busy_episode(const std::string& authorizer);

    // The username a waiting login will have (the broker is told it before the answer).
    const std::optional<std::string>* device_of(ConnectionId connection) const;

    bool empty() const { return logins_.empty(); }

   private:
    void unindex(authorizers::CallId id, const PendingLogin& login);
    void count_finished(const PendingLogin& login);

    authorizers::CallId next_id_ = 1;
    std::unordered_map<authorizers::CallId, PendingLogin> logins_;
    // The logins not abandoned, by connection and by client id (one each at most).
    std::unordered_map<ConnectionId, authorizers::CallId> by_connection_;
    std::unordered_map<std::string, authorizers::CallId> by_client_id_;
    std::unordered_map<std::string, std::size_t> in_flight_;  // by authorizer name
    std::unordered_set<std::string> busy_;                    // authorizers in a busy episode
};

}  // namespace mqauth::engine
