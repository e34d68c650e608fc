#pragma once
// The policy engine: decides CONNECTs, enhanced-authentication steps and topic access against the
// current Policy, and tracks admitted clients so a reload can withdraw access. Single-threaded
// by design: Mosquitto runs every plugin callback on its one event loop.
#include <memory>
#include <string>
#include <vector>

#include "engine/access_request.h"
#include "engine/auth_request.h"
#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/live_clients.h"
#include "policy.h"
#include "sasl/plain_login_cache.h"
#include "sasl/scram_authenticator.h"

namespace mqauth::engine {

// A client that a new policy no longer admits, to be disconnected by the adapter.
struct Withdrawal {
    std::string client_id;
    Reason reason;
};

class Engine {
   public:
    explicit Engine(std::shared_ptr<const Policy> policy,
                    sasl::ScramAuthenticator scram = sasl::ScramAuthenticator());

    // A CONNECT with a username and password, or with neither.
    Decision authenticate(const ConnectRequest& request);

    // A CONNECT with an authentication method (or an AUTH 0x19 re-authentication), and the AUTH
    // packets that follow it.
    AuthStep begin_enhanced_auth(const AuthRequest& request);
    AuthStep continue_enhanced_auth(const AuthRequest& request);

    // Topic permissions, consulted on every PUBLISH, SUBSCRIBE and delivery: a per-client cache
    // of recent decisions, then the rule trees; no allocation once a client's cache is warm.
    Decision authorize(const AccessRequest& request);

    // The connection is gone (the broker's DISCONNECT event, which also fires for refused ones).
    void forget(ConnectionId connection);

    // Swaps in a new, already validated policy. Returns the live clients it no longer admits;
    // they are dropped from the live index at once.
    std::vector<Withdrawal> replace_policy(std::shared_ptr<const Policy> policy);

    const Policy& policy() const { return *policy_; }
    std::size_t live_client_count() const { return live_.size(); }
    // What the engine knows of an admitted connection (null when it admitted none there).
    const Session* session(ConnectionId connection) const { return live_.find(connection); }

   private:
    bool is_recheck_of_scram_session(const ConnectRequest& request) const;
    void remember_server_name(const ConnectRequest& request);
    Decision authenticate_anonymous(const ConnectRequest& request);
    Decision authenticate_password(const ConnectRequest& request);
    Decision authenticate_identity(const ConnectRequest& request, const identities::Identity&);
    Decision authenticate_plain_sasl(const ConnectRequest& request, const sasl::SaslUser& user);
    AuthStep finish_enhanced_auth(const AuthRequest& request, sasl::ScramStep step);

    bool permits(const AccessRequest& request) const;

    std::shared_ptr<const Policy> policy_;
    std::uint64_t policy_generation_ = 1;  // AccessCache entries hold for one generation
    LiveClients live_;
    sasl::ScramAuthenticator scram_;
    sasl::PlainLoginCache plain_logins_;
};

}  // namespace mqauth::engine
