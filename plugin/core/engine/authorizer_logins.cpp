// SPDX-License-Identifier: Apache-2.0
#include "engine/authorizer_logins.h"

#include <openssl/crypto.h>

#include <stdexcept>

#include "authorizers/authorizer_username.h"
#include "authorizers/function_request.h"
#include "authorizers/token_signature.h"
#include "engine/admissions.h"

namespace mqauth::engine {
namespace {

using authorizers::Authorizer;
using authorizers::FunctionOutcome;
using authorizers::FunctionVerdict;
using authorizers::SignatureCheck;

Reason reason_for(SignatureCheck check) {
    switch (check) {
        case SignatureCheck::Missing: return Reason::AuthorizerSignatureMissing;
        case SignatureCheck::TokenMismatch: return Reason::AuthorizerTokenMismatch;
        case SignatureCheck::BadSignature:
        case SignatureCheck::Valid: break;
    }
    return Reason::AuthorizerBadSignature;
}

// The JSON the function is sent; nullopt when a field cannot be sent as JSON text (the call is
// not made).
std::optional<std::string> request_body(const ConnectRequest& request, const Authorizer& authorizer,
                                        const AuthorizerClaim& claim,
                                        const authorizers::CertificateInfo* certificate) {
    authorizers::FunctionRequest call;
    call.authorizer_name = authorizer.name;
    call.username = claim.device;
    call.client_id = request.client_id;
    call.password = request.password;
    call.signing_token = claim.token;
    call.signature_verified = authorizer.signing_enable;  // only reached once it verified
    call.server_name = request.server_name;
    call.client_address = request.address;
    call.certificate = certificate;
    return authorizers::request_json(call);
}

}  // namespace

void AuthorizerLogins::use_function(std::unique_ptr<authorizers::AuthorizerFunction> function) {
    if (!function) throw std::invalid_argument("use_authorizer_function needs a function");
    function_ = std::move(function);
}

void AuthorizerLogins::use_calls(std::unique_ptr<authorizers::FunctionCalls> calls) {
    if (!calls) throw std::invalid_argument("use_authorizer_calls needs a transport");
    calls_ = std::move(calls);
}

bool AuthorizerLogins::claims(const ConnectRequest& request, const Policy& policy) const {
    if (request.username && authorizers::is_authorizer_form(*request.username)) return true;
    const Authorizer* fallback = policy.authorizers.default_authorizer();
    return request.server_name && fallback && fallback->active();
}

Decision AuthorizerLogins::decide(const ConnectRequest& request,
                                  const std::shared_ptr<const Policy>& policy) {
    if (request.username && authorizers::is_authorizer_form(*request.username)) {
        const auto parsed = authorizers::parse_authorizer_username(*request.username);
        if (!parsed) return Decision::deny(Reason::AuthorizerUsernameMalformed);
        const Authorizer* named = policy->authorizers.find(parsed->authorizer_name);
        if (!named) return Decision::deny(Reason::AuthorizerUnknown);
        if (!named->active()) return Decision::deny(Reason::AuthorizerInactive);
        return ask(request, policy, *named, {parsed->device, parsed->token, parsed->signature});
    }
    return ask(request, policy, *policy->authorizers.default_authorizer(),
               {request.username, std::nullopt, std::nullopt});
}

// A cache hit skips the signature check too: an entry exists only for exactly this username
// (signature and token included) after its check passed, and a reload that changes the
// authorizer's signing settings drops its entries.
Decision AuthorizerLogins::ask(const ConnectRequest& request,
                               const std::shared_ptr<const Policy>& policy,
                               const Authorizer& authorizer, const AuthorizerClaim& claim) {
    std::optional<authorizers::CertificateInfo> certificate;
    if (request.peer_certificate) {
        certificate = authorizers::certificate_info(request.peer_certificate);
    }
    const authorizers::CertificateInfo* presented = certificate ? &*certificate : nullptr;
    std::optional<std::string> cache_key;
    if (authorizer.cache_enable) {
        cache_key = decisions_.key_for({authorizer.name, authorizer.func_urn, request.username,
                                        request.client_id, request.password,
                                        presented ? presented->fingerprint_sha256 : "",
                                        request.address, request.server_name});
        const auto cached = decisions_.lookup(*cache_key, authorizers::Clock::now());
        services_.metrics().authorizer_cache_lookup(authorizer.name, cached.has_value());
        if (cached) {
            return admit(request.connection, request.client_id, authorizer, claim.device, *cached);
        }
    }
    if (authorizer.signing_enable) {
        const SignatureCheck check =
            authorizers::check_token_signature(authorizer, claim.token, claim.signature);
        if (check != SignatureCheck::Valid) return Decision::deny(reason_for(check));
    }
    if (calls_) {
        return start_call(request, policy, authorizer, claim, presented, std::move(cache_key));
    }
    return call_now(request, authorizer, claim, presented, cache_key);
}

// On the broker's thread (Mosquitto 2.0): the CONNECT is decided when the call returns.
Decision AuthorizerLogins::call_now(const ConnectRequest& request, const Authorizer& authorizer,
                                    const AuthorizerClaim& claim,
                                    const authorizers::CertificateInfo* certificate,
                                    const std::optional<std::string>& cache_key) {
    std::optional<std::string> body = request_body(request, authorizer, claim, certificate);
    if (!body) return Decision::deny(Reason::AuthorizerNotUtf8);
    std::optional<FunctionOutcome> outcome = call_function(authorizer, *body);
    OPENSSL_cleanse(body->data(), body->size());  // it held the password
    if (!outcome) return Decision{Verdict::Error, Reason::AuthorizerUnavailable};
    const std::optional<bool> allowed = accept_outcome(authorizer, *outcome, cache_key);
    if (!allowed) return Decision{Verdict::Error, Reason::AuthorizerError};
    return admit(request.connection, request.client_id, authorizer, claim.device, *allowed);
}

// The function's outcome; nullopt when no call was made: there is no transport, the
// authorizer's circuit is open (its function kept failing) or the broker's time budget for
// function calls is spent. Either way the refusal is not the client's doing, and is logged once
// per episode, not per client.
std::optional<FunctionOutcome> AuthorizerLogins::call_function(const Authorizer& authorizer,
                                                               const std::string& body) {
    if (!function_) return std::nullopt;
    const auto now = authorizers::Clock::now();
    if (!call_budget_.allows_call(now)) {
        if (call_budget_.take_new_episode()) {
            services_.notify(
                "authorizer functions took three quarters of the broker's time: CONNECTs that "
                "need a call are refused (authorizer_unavailable) until it recovers");
        }
        return std::nullopt;
    }
    if (!breakers_[authorizer.name].allows_call(now)) return std::nullopt;
    FunctionOutcome outcome = authorizers::interpret_reply(
        function_->post(authorizer.func_urn, body, authorizer.timeout));
    const auto done = authorizers::Clock::now();
    call_budget_.spend(done - now, done);
    services_.metrics().authorizer_called(authorizer.name, outcome, done - now);
    record_call_outcome(authorizer, outcome);
    return outcome;
}

void AuthorizerLogins::record_call_outcome(const Authorizer& authorizer,
                                           const FunctionOutcome& outcome) {
    authorizers::CircuitBreaker& breaker = breakers_[authorizer.name];
    if (outcome.verdict != FunctionVerdict::Error) {
        breaker.record_success();
    } else if (breaker.record_failure(authorizers::Clock::now())) {
        services_.notify(
            "authorizer " + authorizer.name + ": function failed " +
            std::to_string(authorizers::CircuitBreaker::kFailuresToOpen) +
            " times in a row: not called for " +
            std::to_string(authorizers::CircuitBreaker::kCoolDown.count()) +
            "s, its CONNECTs are refused (authorizer_unavailable) until a probe call works");
    }
}

// What an answer decides (true: allow); nullopt for a function error, which is reported and never
// cached.
std::optional<bool> AuthorizerLogins::accept_outcome(const Authorizer& authorizer,
                                                     const FunctionOutcome& outcome,
                                                     const std::optional<std::string>& cache_key) {
    if (outcome.verdict == FunctionVerdict::Error) {
        services_.notify("authorizer " + authorizer.name + ": function error: " + outcome.error);
        return std::nullopt;
    }
    const bool allowed = outcome.verdict == FunctionVerdict::Allow;
    if (cache_key) {
        decisions_.store(*cache_key, authorizer.name, allowed, outcome.refresh_seconds,
                         authorizers::Clock::now());
        services_.metrics().authorizer_cache_entries(decisions_.size());
    }
    return allowed;
}

// Off the broker's thread (Mosquitto 2.1): the CONNECT waits for finish_authorizer_calls. Neither
// the broker's time budget nor a stall is at stake here, but the function's capacity is: at most
// max_in_flight calls to it at once, and none while its circuit is open.
Decision AuthorizerLogins::start_call(const ConnectRequest& request,
                                      const std::shared_ptr<const Policy>& policy,
                                      const Authorizer& authorizer, const AuthorizerClaim& claim,
                                      const authorizers::CertificateInfo* certificate,
                                      std::optional<std::string> cache_key) {
    if (pending_.in_flight(authorizer.name) >= authorizer.max_in_flight) {
        if (pending_.start_busy_episode(authorizer.name)) {
            services_.notify(
                "authorizer " + authorizer.name + ": " + std::to_string(authorizer.max_in_flight) +
                " calls (max_in_flight) under way: its CONNECTs are refused (authorizer_busy) "
                "until they have finished");
        }
        return Decision{Verdict::Error, Reason::AuthorizerBusy};
    }
    std::optional<std::string> body = request_body(request, authorizer, claim, certificate);
    if (!body) return Decision::deny(Reason::AuthorizerNotUtf8);
    if (!breakers_[authorizer.name].allows_call(authorizers::Clock::now())) {
        OPENSSL_cleanse(body->data(), body->size());
        return Decision{Verdict::Error, Reason::AuthorizerUnavailable};
    }
    PendingLogin login;
    login.connection = request.connection;
    login.client_id = std::string(request.client_id);
    if (request.username) login.username.emplace(*request.username);
    if (claim.device) login.device.emplace(*claim.device);
    login.address = std::string(request.address);
    login.policy = policy;  // keeps `authorizer` alive across reloads
    login.authorizer = &authorizer;
    login.cache_key = std::move(cache_key);
    login.started = PendingLogin::Clock::now();
    login.overdue_at = login.started + authorizer.timeout + kOverdueGrace;
    const authorizers::CallId id = pending_.add(std::move(login));
    calls_->start(id, authorizer.func_urn, std::move(*body), authorizer.timeout);
    services_.metrics().authorizer_in_flight(authorizer.name, pending_.in_flight(authorizer.name));
    return Decision::pending();
}

void AuthorizerLogins::finish_calls(const Policy& policy, const LoginDelivery& deliver) {
    if (!calls_) return;
    for (authorizers::FinishedCall& call : calls_->take_finished()) {
        if (std::optional<PendingLogin> login = pending_.take(call.id)) {
            finish_login(policy, *login, authorizers::interpret_reply(call.reply), deliver);
        }
    }
    for (PendingLogin& login : pending_.take_overdue(PendingLogin::Clock::now())) {
        finish_login(policy, login,
                     FunctionOutcome::failure("no answer in time (the call was lost)",
                                              authorizers::FunctionError::Unreachable),
                     deliver);
    }
}

// An answer counts only for the authorizer it was asked for: a reload that changed or removed
// that authorizer, or made it INACTIVE, meanwhile refuses the CONNECT (authorizer_changed); the
// client may log in again under the new settings. An abandoned login's answer still feeds the
// breaker, the cache and throttling, but admits nobody.
Decision AuthorizerLogins::decide_answer(const Policy& policy, const PendingLogin& login,
                                         const FunctionOutcome& outcome) {
    const Authorizer* current = policy.authorizers.find(login.authorizer->name);
    if (!current || !authorizers::same_settings(*login.authorizer, *current)) {
        return Decision{Verdict::Error, Reason::AuthorizerChanged};
    }
    record_call_outcome(*current, outcome);
    const std::optional<bool> allowed = accept_outcome(*current, outcome, login.cache_key);
    if (!allowed) return Decision{Verdict::Error, Reason::AuthorizerError};
    if (login.abandoned) {
        return *allowed ? Decision::allow() : Decision::deny(Reason::AuthorizerDenied);
    }
    const Decision decision =
        admit(login.connection, login.client_id, *current, login.device, *allowed);
    if (decision.verdict == Verdict::Allow) {
        services_.live().find(login.connection)->awaiting_connect = true;
    }
    return decision;
}

void AuthorizerLogins::finish_login(const Policy& policy, PendingLogin& login,
                                    const FunctionOutcome& outcome, const LoginDelivery& deliver) {
    const std::string& name = login.authorizer->name;
    services_.metrics().authorizer_called(name, outcome,
                                          PendingLogin::Clock::now() - login.started);
    services_.metrics().authorizer_in_flight(name, pending_.in_flight(name));
    const Decision decision = decide_answer(policy, login, outcome);
    services_.count_outcome(decision, {login.username, login.client_id, login.address});
    if (login.abandoned) return;
    deliver({login.client_id, login.username, login.address, decision});
    // Still unconfirmed: the broker no longer had the client, and the connection id may be
    // reused by another.
    LiveClients& live = services_.live();
    const Session* admitted = live.find(login.connection);
    if (admitted && admitted->awaiting_connect) live.forget(login.connection);
}

Decision AuthorizerLogins::admit(ConnectionId connection, std::string_view client_id,
                                 const Authorizer& authorizer,
                                 std::optional<std::string_view> device, bool allowed) {
    if (!allowed) return Decision::deny(Reason::AuthorizerDenied);
    // The client is known by its DEVICE part from now on (permissions, %u, the broker's log),
    // not by a username that carries a signature and a token.
    std::optional<std::string> username;
    if (device) username = std::string(*device);
    return services_.admit(connection,
                           Session{std::string(client_id), std::move(username),
                                   std::make_unique<AuthorizerAdmission>(authorizer.name)});
}

// A reload drops the cached decisions of every authorizer it removes or changes in any way, and
// the connections kept open to functions the new policy no longer calls.
void AuthorizerLogins::carry_over(const Policy& before_reload, const Policy& next) {
    std::vector<std::string> urls;
    for (const Authorizer& after : next.authorizers.all()) urls.push_back(after.func_urn);
    for (const Authorizer& before : before_reload.authorizers.all()) {
        const Authorizer* after = next.authorizers.find(before.name);
        if (!after || !authorizers::same_settings(before, *after)) {
            decisions_.drop_authorizer(before.name);
            breakers_.erase(before.name);  // a changed function gets a fresh chance
        }
    }
    if (function_) function_->keep_only(urls);
}

}  // namespace mqauth::engine
