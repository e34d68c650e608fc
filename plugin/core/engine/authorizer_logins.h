// SPDX-License-Identifier: Apache-2.0
#pragma once
// The custom authorizers' part of the engine (SPEC "Who decides a CONNECT", step 2; Huawei IoTDA's
// custom authenticator): whether an authorizer takes a CONNECT, its token signature check, the
// decision cache, and the calls to its function, either on the broker's thread (Mosquitto 2.0,
// under a circuit breaker and a time budget for all functions) or off it (2.1, at most
// max_in_flight at once, the CONNECT waiting as Pending meanwhile).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "authorizers/authorizer.h"
#include "authorizers/authorizer_function.h"
#include "authorizers/call_budget.h"
#include "authorizers/certificate_info.h"
#include "authorizers/circuit_breaker.h"
#include "authorizers/decision_cache.h"
#include "authorizers/function_answer.h"
#include "authorizers/function_calls.h"
#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/live_clients.h"
#include "engine/login_mechanism.h"
#include "engine/pending_logins.h"
#include "policy.h"
#include "throttling/failure_throttle.h"

namespace mqauth::engine {

// A Pending CONNECT, decided. The client is known by its client id only: the broker may have
// freed it meanwhile.
struct FinishedLogin {
    std::string client_id;
    std::optional<std::string> username;  // the CONNECT's
    std::string address;
    Decision decision;
};
using LoginDelivery = std::function<void(const FinishedLogin&)>;

// What an authorizer username (or a default authorizer's SNI client) claims.
struct AuthorizerClaim {
    std::optional<std::string_view> device;  // the username the client will have
    std::optional<std::string_view> token;
    std::optional<std::string_view> signature;
};

class AuthorizerLogins final : public LoginMechanism {
   public:
    explicit AuthorizerLogins(LoginServices& services) : services_(services) {}

    void use_function(std::unique_ptr<authorizers::AuthorizerFunction> function);
    void use_calls(std::unique_ptr<authorizers::FunctionCalls> calls);

    std::string_view step_name() const override { return "a custom authorizer"; }
    LoginKind kind_of(const ConnectRequest&, const Policy&) const override {
        return LoginKind::Authorizer;
    }
    // A username that names an authorizer, or a TLS client that sent a server name while an
    // ACTIVE default authorizer exists.
    bool claims(const ConnectRequest& request, const Policy& policy) const override;
    Decision decide(const ConnectRequest& request,
                    const std::shared_ptr<const Policy>& policy) override;

    // Decides the Pending CONNECTs whose answers are in (or overdue) under `policy`, the current
    // one, and hands each to `deliver`.
    void finish_calls(const Policy& policy, const LoginDelivery& deliver);
    bool calls_pending() const { return !pending_.empty(); }
    // A sign that the client of a waiting login is gone (pending_logins.h).
    void abandon(ConnectionId connection, std::optional<std::string_view> client_id) {
        pending_.abandon(connection, client_id);
    }
    // The username a waiting login will have, or null.
    const std::optional<std::string>* pending_device(ConnectionId connection) const {
        return pending_.device_of(connection);
    }

    // A reload from `before` to `next`: drops what `next` makes stale.
    void carry_over(const Policy& before, const Policy& next) override;

   private:
    Decision ask(const ConnectRequest& request, const std::shared_ptr<const Policy>& policy,
                 const authorizers::Authorizer& authorizer, const AuthorizerClaim& claim);
    Decision call_now(const ConnectRequest& request, const authorizers::Authorizer& authorizer,
                      const AuthorizerClaim& claim, const authorizers::CertificateInfo* certificate,
                      const std::optional<std::string>& cache_key);
    Decision start_call(const ConnectRequest& request, const std::shared_ptr<const Policy>& policy,
                        const authorizers::Authorizer& authorizer, const AuthorizerClaim& claim,
                        const authorizers::CertificateInfo* certificate,
                        std::optional<std::string> cache_key);
    std::optional<authorizers::FunctionOutcome> call_function(
        const authorizers::Authorizer& authorizer, const std::string& body);
    void record_call_outcome(const authorizers::Authorizer& authorizer,
                             const authorizers::FunctionOutcome& outcome);
    std::optional<bool> accept_outcome(const authorizers::Authorizer& authorizer,
                                       const authorizers::FunctionOutcome& outcome,
                                       const std::optional<std::string>& cache_key);
    void finish_login(const Policy& policy, PendingLogin& login,
                      const authorizers::FunctionOutcome& outcome, const LoginDelivery& deliver);
    Decision decide_answer(const Policy& policy, const PendingLogin& login,
                           const authorizers::FunctionOutcome& outcome);
    Decision admit(ConnectionId connection, std::string_view client_id,
                   const authorizers::Authorizer& authorizer,
                   std::optional<std::string_view> device, bool allowed);

    LoginServices& services_;
    std::unique_ptr<authorizers::AuthorizerFunction> function_;  // on the broker's thread
    std::unique_ptr<authorizers::FunctionCalls> calls_;          // off it, when the broker can wait
    PendingLogins pending_;
    authorizers::DecisionCache decisions_;
    std::unordered_map<std::string, authorizers::CircuitBreaker> breakers_;  // by authorizer name
    authorizers::CallBudget call_budget_;
};

}  // namespace mqauth::engine
