// SPDX-License-Identifier: Apache-2.0
#pragma once
// The policy engine: decides CONNECTs (through its login mechanisms, login_mechanism.h),
// enhanced-authentication steps and topic access against the current Policy, and tracks admitted
// clients so a reload can withdraw access. Single-threaded by design: Mosquitto runs every plugin
// callback on its one event loop.
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "registry/device_registry.h"

#include "engine/access_request.h"
#include "engine/anonymous_logins.h"
#include "engine/auth_request.h"
#include "engine/authorizer_logins.h"
#include "engine/certificate_logins.h"
#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/engine_metrics.h"
#include "engine/live_clients.h"
#include "engine/login_mechanism.h"
#include "engine/next_plugin_clients.h"
#include "engine/password_logins.h"
#include "engine/withdrawal.h"
#include "policy.h"
#include "sasl/scram_authenticator.h"
#include "throttling/failure_throttle.h"

namespace mqauth::engine {

class Engine final : private LoginServices {
   public:
    explicit Engine(std::shared_ptr<const Policy> policy,
                    sasl::ScramAuthenticator scram = sasl::ScramAuthenticator());
    // Its mechanisms keep a reference to it (LoginServices): it stays where it was built.
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // The device registry of the policy's `registry` (null when no CA is listed). Replaced
    // together with the policy on reload.
    void use_registry(std::unique_ptr<registry::DeviceRegistry> registry);

    // Where the engine reports what operators should hear about that is not a refusal (a device
    // registered, a registry it cannot write), for the broker log. Never given a secret.
    using Notices = std::function<void(const std::string&)>;
    void send_notices_to(Notices notices) { notify_ = std::move(notices); }

    // How the engine reaches authorizer functions on the broker's thread (the adapter gives it
    // HTTP; tests a fake). Without one, a CONNECT that needs a call is refused
    // (authorizer_unavailable).
    void use_authorizer_function(std::unique_ptr<authorizers::AuthorizerFunction> function);
    // Calls off the broker's thread, for a broker that can finish a CONNECT later (Mosquitto
    // 2.1): a CONNECT that needs a call is then Pending, bounded by each authorizer's
    // max_in_flight, and finish_authorizer_calls decides it once the answer is in. A cached
    // decision still decides at once.
    void use_authorizer_calls(std::unique_ptr<authorizers::FunctionCalls> calls);

    using FinishedLogin = engine::FinishedLogin;
    using LoginDelivery = engine::LoginDelivery;
    // On the broker's thread: decides the Pending CONNECTs whose answers are in (or overdue) and
    // hands each to `deliver`, which tells the broker. An admitted client is kept only if the
    // broker confirms it (connected()) during `deliver`: otherwise it was gone.
    void finish_authorizer_calls(const LoginDelivery& deliver);
    bool authorizer_calls_pending() const { return authorizers_.calls_pending(); }
    // The broker admitted a client (Mosquitto 2.1's CONNECT event).
    void connected(ConnectionId connection);

    // A CONNECT: with a client certificate, for a custom authorizer, with a username and
    // password, or with none of these.
    Decision authenticate(const ConnectRequest& request);

    // The step of the decision order that takes `request` (1 a device certificate ... 4
    // anonymous access), for `mqauth explain`. No side effects.
    struct DecidingStep {
        int number = 0;
        std::string_view name;
    };
    DecidingStep deciding_step(const ConnectRequest& request) const;

    // A CONNECT with an authentication method (or an AUTH 0x19 re-authentication), and the AUTH
    // packets that follow it.
    AuthStep begin_enhanced_auth(const AuthRequest& request);
    AuthStep continue_enhanced_auth(const AuthRequest& request);

    // Topic permissions, consulted on every PUBLISH, SUBSCRIBE and delivery: a per-client cache
    // of recent decisions, then the rule trees; no allocation once a client's cache is warm.
    // A client mqauth did not admit is left to the next plugin (NextPlugin) while
    // `unknown_usernames: next_plugin` is in force.
    Decision authorize(const AccessRequest& request);
    bool leaves_to_next_plugin(ConnectionId connection) const;

    // The broker's DISCONNECT event: the connection is gone, which also fires for refused ones.
    // The session stays, offline, for as long as the broker may hold it (a persistent session);
    // a second DISCONNECT of an offline session (a new connection took its client id over) ends
    // it.
    void disconnected(ConnectionId connection);

    // Mosquitto 2.1's DISCONNECT event: the connection is gone and its session with it (2.1
    // reports a session that stays as CLIENT_OFFLINE, which the adapter passes to
    // disconnected()).
    void session_ended(ConnectionId connection);

    // Drops whatever the engine admitted on a connection, at once (the adapter could not finish
    // an admission).
    void forget(ConnectionId connection);

    // After a reload, before it serves any client again, Mosquitto re-checks every session it
    // holds, offline ones included: the adapter opens the sweep at the RELOAD event and closes it
    // at the next TICK. Offline sessions the sweep did not visit no longer exist in the broker
    // and are dropped then.
    void begin_session_recheck();
    void end_session_recheck();

    // Swaps in a new, already validated policy. Returns the live clients it no longer admits;
    // they are dropped from the live index at once. `registry` is the one the policy's
    // `registry` names, newly opened; null keeps the open one, with the devices it has learnt
    // (the loader left it alone: the policy names it again), unless the policy names none.
    std::vector<Withdrawal> replace_policy(
        std::shared_ptr<const Policy> policy,
        std::unique_ptr<registry::DeviceRegistry> registry = nullptr);

    // Withdraws the sessions admitted with an identity's previous secret once its
    // previous_secret_until has come (the adapter disconnects them, as after a reload). On the
    // broker's thread, at every TICK: nothing to do until the next such time.
    std::vector<Withdrawal> withdraw_lapsed(identities::WallTime now);
    std::optional<identities::WallTime> next_lapse() const { return next_lapse_; }

    const Policy& policy() const { return *policy_; }
    std::shared_ptr<const Policy> shared_policy() const { return policy_; }
    const registry::DeviceRegistry* registry() const { return registry_.get(); }
    // The username the engine admitted a connection under (a device certificate's CN when the
    // CONNECT had none), or will admit it under once its authorizer answers, so the adapter can
    // tell the broker. Null when it admitted none there.
    const std::optional<std::string>* admitted_username(ConnectionId connection) const;
    // Whether the login that admitted a connection proved its client id, so that the CLIENT
    // rules apply (README "Client ids"). False when it admitted none there.
    bool client_id_proven(ConnectionId connection) const;
    // What the engine has counted (README "Metrics"), for the metrics endpoint and $SYS topics.
    EngineMetrics& metrics() override { return metrics_; }
    const metrics::Registry& metric_registry() const { return metric_registry_; }
    // Connected clients that keep their access (a count over every session: not for hot paths).
    std::size_t live_client_count() const;

   private:
    std::optional<Decision> recheck_held_session(const ConnectRequest& request);
    const Session* online_session(ConnectionId connection) const;
    // LoginServices, for the mechanisms (login_mechanism.h).
    Decision admit(ConnectionId connection, Session session) override;
    void count_outcome(const Decision& decision, const throttling::Attempt& attempt) override;
    void notify(const std::string& line) override;
    LiveClients& live() override { return live_; }
    registry::DeviceRegistry* device_registry() override { return registry_.get(); }

    // The index in decision_order_ of the mechanism that takes `request`.
    std::size_t claimant(const ConnectRequest& request) const;
    Decision decide_connect(const ConnectRequest& request, LoginMechanism& mechanism);
    // Failed-login throttling around a fresh login (not a re-check of a live connection).
    bool throttles(const throttling::Attempt& attempt);

    AuthStep begin_scram(const AuthRequest& request, bool fresh_login);
    AuthStep finish_enhanced_auth(const AuthRequest& request, sasl::ScramStep step);
    void count_scram_decision(const Decision& decision, std::chrono::nanoseconds took);
    void count_enhanced_outcome(const AuthStep& step, const AuthRequest& request);
    void count_abandoned_exchanges(const std::vector<std::string>& addresses);

    bool permits(const AccessRequest& request, bool client_id_proven) const;

    // First, so that everything below may count on it; the endpoint's thread reads it.
    metrics::Registry metric_registry_;
    EngineMetrics metrics_{metric_registry_};
    std::shared_ptr<const Policy> policy_;
    std::uint64_t policy_generation_ = 1;  // AccessCache entries hold for one generation
    // The next previous_secret_until of the policy, when withdraw_lapsed has work to do.
    std::optional<identities::WallTime> next_lapse_;
    std::uint64_t recheck_sweep_ = 0;  // the sweep in progress or last finished
    bool recheck_open_ = false;
    LiveClients live_;
    NextPluginClients next_plugin_clients_;
    sasl::ScramAuthenticator scram_;
    std::unique_ptr<registry::DeviceRegistry> registry_;
    throttling::FailureThrottle throttle_;
    Notices notify_;
    // The login mechanisms, and their registration in SPEC's decision order: a client certificate
    // decides first, whatever else the CONNECT carries; then a custom authorizer (named in the
    // username, or the default one for SNI clients); then the username and password; else
    // anonymous access. A new mechanism is a LoginMechanism (and its Admission) plus a line here.
    CertificateLogins certificates_{*this};
    AuthorizerLogins authorizers_{*this};
    PasswordLogins passwords_{*this};
    AnonymousLogins anonymous_{*this};
    const std::array<LoginMechanism*, 4> decision_order_{&certificates_, &authorizers_, &passwords_,
                                                         &anonymous_};
};

}  // namespace mqauth::engine
