// SPDX-License-Identifier: Apache-2.0
#pragma once
// A CONNECT decided by the broker's own engine, with nothing of the broker around it: the
// engine of `mqauth explain`. It sees the device registry read-only (what_if_store.h) and calls
// an authorizer's function only when asked to.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "policy.h"

namespace mqauth::cli::explain {

struct ConnectQuestion {
    std::string client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::optional<sasl::Mechanism> scram;  // an MQTT 5 SCRAM-SHA-* login instead of a password
    std::optional<std::string> certificate_file;  // PEM: the client's certificate, then its chain
    std::optional<std::string> server_name;       // the TLS SNI the client sends
    std::string address = "127.0.0.1";
};

// The steps of the decision order as README's "How a CONNECT is decided" numbers them, the
// numbers an explanation gives. The engine's own order has no SCRAM step (enhanced
// authentication comes before it) and counts from 1.
enum DecisionStep : int {
    kCertificateStep = 0,
    kAuthorizerStep = 1,
    kScramStep = 2,
    kPasswordStep = 3,
    kAnonymousStep = 4,
};

struct ConnectAnswer {
    // The step that decided, numbered as README numbers it (DecisionStep).
    engine::Engine::DecidingStep step;
    engine::Decision decision;
    std::optional<std::string> username;            // the one the client has once admitted
    std::optional<std::string> ca_name;             // the CA a device certificate verified against
    std::optional<std::string> certificate_detail;  // OpenSSL's word for a chain that failed
    // The function an authorizer would ask, when this CONNECT needs a call that was not made.
    std::optional<std::string> uncalled_function;
    std::vector<std::string> notices;  // what the broker would log besides the decision
    bool would_register = false;       // a first-seen device the broker would register now
};

class LoginExplainer {
   public:
    // `call_functions`: whether an authorizer's function is really called (over HTTP).
    LoginExplainer(std::shared_ptr<const Policy> policy, bool call_functions);

    ConnectAnswer explain(const ConnectQuestion& question);

    // Topic decisions for the client explain() admitted.
    engine::Decision authorize(permissions::Access access, const std::string& topic,
                               const ConnectQuestion& question, const ConnectAnswer& answer);
    bool client_id_proven() const { return engine_.client_id_proven(kConnection); }

   private:
    static constexpr engine::ConnectionId kConnection = 1;

    ConnectAnswer log_in_with_scram(const ConnectQuestion& question);
    ConnectAnswer log_in(const ConnectQuestion& question);

    engine::Engine engine_;
    class WhatIfStore* registry_store_ = nullptr;  // owned by the engine's registry
    class UncalledFunction* uncalled_ = nullptr;   // owned by the engine, when not calling
};

}  // namespace mqauth::cli::explain
