// SPDX-License-Identifier: Apache-2.0
#pragma once
// A way of logging in with a CONNECT (SPEC "Who decides a CONNECT"): a device certificate, a
// custom authorizer, a username and password, or none of these. The engine asks its mechanisms
// in the decision order (Engine's constructor registers them); the first that claims a CONNECT
// decides it, and records what admitted the session as its own kind of Admission (admission.h),
// which answers for the session at every reload. SCRAM logins come through MQTT 5 enhanced
// authentication instead (enhanced_auth.cpp).
#include <memory>
#include <string>
#include <string_view>

#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/engine_metrics.h"
#include "engine/live_clients.h"
#include "engine/login_kind.h"
#include "policy.h"
#include "registry/device_registry.h"
#include "throttling/failure_throttle.h"

namespace mqauth::engine {

// What the engine lends its mechanisms.
class LoginServices {
   public:
    // Every login ends here: the client-id rules, then the live index.
    virtual Decision admit(ConnectionId connection, Session session) = 0;
    // A login decided later (an authorizer's answer), for failed-login throttling.
    virtual void count_outcome(const Decision& decision, const throttling::Attempt& attempt) = 0;
    // A line for the operator's log; never a secret.
    virtual void notify(const std::string& line) = 0;
    virtual LiveClients& live() = 0;
    // The device registry of the current policy (null when it lists no CA).
    virtual registry::DeviceRegistry* device_registry() = 0;
    // Where a mechanism counts what only it sees (README "Metrics").
    virtual EngineMetrics& metrics() = 0;

   protected:
    ~LoginServices() = default;
};

class LoginMechanism {
   public:
    virtual ~LoginMechanism() = default;

    // What SPEC's decision order calls this step ("a device certificate", ...), for explanations.
    virtual std::string_view step_name() const = 0;

    // How a CONNECT it claims logs in, for the metrics' mechanism label.
    virtual LoginKind kind_of(const ConnectRequest& /*request*/,
                              const Policy& /*policy*/) const = 0;

    // Whether this mechanism decides `request` under `policy`. No side effects: the engine asks
    // before it applies failed-login throttling.
    virtual bool claims(const ConnectRequest& request, const Policy& policy) const = 0;

    // Whether its refusals count as failed logins and a back-off refuses its CONNECTs before
    // they are decided: every mechanism but device certificates, which prove a private key.
    virtual bool throttled() const { return true; }

    // Decides a CONNECT it claimed; on Allow the session is admitted (LoginServices::admit).
    virtual Decision decide(const ConnectRequest& request,
                            const std::shared_ptr<const Policy>& policy) = 0;

    // A reload from `before` to `next`: drop what `next` makes stale.
    virtual void carry_over(const Policy& /*before*/, const Policy& /*next*/) {}
};

}  // namespace mqauth::engine
