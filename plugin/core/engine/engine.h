#pragma once
// The policy engine: decides CONNECTs and topic access against the current Policy and tracks
// admitted clients so a reload can withdraw access. Single-threaded by design: Mosquitto runs every
// plugin callback on its one event loop.
#include <memory>
#include <string>
#include <vector>

#include "engine/access_request.h"
#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/live_clients.h"
#include "policy.h"

namespace mqauth::engine {

// A client that a new policy no longer admits, to be disconnected by the adapter.
struct Withdrawal {
    std::string client_id;
    Reason reason;
};

class Engine {
   public:
    explicit Engine(std::shared_ptr<const Policy> policy);

    Decision authenticate(const ConnectRequest& request);

    // Topic permissions, consulted on every PUBLISH, SUBSCRIBE and delivery: no allocation.
    Decision authorize(const AccessRequest& request) const;

    // The connection is gone (the broker's DISCONNECT event, which also fires for refused ones).
    void forget(ConnectionId connection);

    // Swaps in a new, already validated policy. Returns the live clients it no longer admits;
    // they are dropped from the live index at once.
    std::vector<Withdrawal> replace_policy(std::shared_ptr<const Policy> policy);

    const Policy& policy() const { return *policy_; }
    std::size_t live_client_count() const { return live_.size(); }

   private:
    Decision authenticate_anonymous(const ConnectRequest& request);
    Decision authenticate_identity(const ConnectRequest& request);
    std::optional<Reason> withdrawal_reason(Session& session, const Policy& next) const;

    std::shared_ptr<const Policy> policy_;
    LiveClients live_;
};

}  // namespace mqauth::engine
