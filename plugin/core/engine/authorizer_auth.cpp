// CONNECTs decided by a custom authorizer (SPEC "Who decides a CONNECT", step 2): a username that
// names one, or a TLS client that sent SNI while an ACTIVE default authorizer exists. The token
// signature is checked before any call; the function's decision may come from the cache.
#include <openssl/crypto.h>

#include <stdexcept>

#include "authorizers/authorizer_username.h"
#include "authorizers/function_request.h"
#include "authorizers/token_signature.h"
#include "engine/engine.h"

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

}  // namespace

void Engine::use_authorizer_function(std::unique_ptr<authorizers::AuthorizerFunction> function) {
    if (!function) throw std::invalid_argument("use_authorizer_function needs a function");
    function_ = std::move(function);
}

std::optional<Decision> Engine::authenticate_by_authorizer(const ConnectRequest& request) {
    if (request.username && authorizers::is_authorizer_form(*request.username)) {
        const auto parsed = authorizers::parse_authorizer_username(*request.username);
        if (!parsed) return Decision::deny(Reason::AuthorizerUsernameMalformed);
        const Authorizer* named = policy_->authorizers.find(parsed->authorizer_name);
        if (!named) return Decision::deny(Reason::AuthorizerUnknown);
        if (!named->active()) return Decision::deny(Reason::AuthorizerInactive);
        return ask_authorizer(request, *named, {parsed->device, parsed->token, parsed->signature});
    }
    const Authorizer* fallback = policy_->authorizers.default_authorizer();
    if (request.server_name && fallback && fallback->active()) {
        return ask_authorizer(request, *fallback, {request.username, std::nullopt, std::nullopt});
    }
    return std::nullopt;
}

// A cache hit skips the signature check too: an entry exists only for exactly this username
// (signature and token included) after its check passed, and a reload that changes the
// authorizer's signing settings drops its entries.
Decision Engine::ask_authorizer(const ConnectRequest& request, const Authorizer& authorizer,
                                const AuthorizerClaim& claim) {
    std::optional<authorizers::CertificateInfo> certificate;
    if (request.peer_certificate) {
        certificate = authorizers::certificate_info(request.peer_certificate);
    }
    std::optional<std::string> cache_key;
    if (authorizer.cache_enable) {
        cache_key = authorizer_decisions_.key_for(
            {authorizer.name, authorizer.func_urn, request.username, request.client_id,
             request.password, certificate ? certificate->fingerprint_sha256 : "", request.address,
             request.server_name});
        if (auto cached = authorizer_decisions_.lookup(*cache_key, authorizers::Clock::now())) {
            return admit_by_authorizer(request, authorizer, claim, *cached);
        }
    }
    if (authorizer.signing_enable) {
        const SignatureCheck check =
            authorizers::check_token_signature(authorizer, claim.token, claim.signature);
        if (check != SignatureCheck::Valid) return Decision::deny(reason_for(check));
    }
    std::optional<std::string> body =
        function_request_body(request, authorizer, claim, certificate ? &*certificate : nullptr);
    if (!body) return Decision::deny(Reason::AuthorizerNotUtf8);
    std::optional<FunctionOutcome> outcome = call_function(authorizer, *body);
    OPENSSL_cleanse(body->data(), body->size());  // it held the password
    if (!outcome) return Decision{Verdict::Error, Reason::AuthorizerUnavailable};
    if (outcome->verdict == FunctionVerdict::Error) {
        if (notify_)
            notify_("authorizer " + authorizer.name + ": function error: " + outcome->error);
        return Decision{Verdict::Error, Reason::AuthorizerError};  // never cached
    }
    const bool allowed = outcome->verdict == FunctionVerdict::Allow;
    if (cache_key) {
        authorizer_decisions_.store(*cache_key, authorizer.name, allowed, outcome->refresh_seconds,
                                    authorizers::Clock::now());
    }
    return admit_by_authorizer(request, authorizer, claim, allowed);
}

// The function's outcome; nullopt when no call was made: the authorizer's circuit is open (its
// function kept failing) or the broker's time budget for function calls is spent. Either way
// the refusal is not the client's doing, and is logged once per episode, not per client.
std::optional<FunctionOutcome> Engine::call_function(const Authorizer& authorizer,
                                                     const std::string& body) {
    const auto now = authorizers::Clock::now();
    if (!call_budget_.allows_call(now)) {
        if (call_budget_.take_new_episode() && notify_) {
            notify_(
                "authorizer functions took three quarters of the broker's time: CONNECTs that need a "
                "call are refused (authorizer_unavailable) until it recovers");
        }
        return std::nullopt;
    }
    authorizers::CircuitBreaker& breaker = breakers_[authorizer.name];
    if (!breaker.allows_call(now)) return std::nullopt;
    FunctionOutcome outcome = authorizers::interpret_reply(
        function_->post(authorizer.func_urn, body, authorizer.timeout));
    const auto done = authorizers::Clock::now();
    call_budget_.spend(done - now, done);
    if (outcome.verdict != FunctionVerdict::Error) {
        breaker.record_success();
    } else if (breaker.record_failure(done) && notify_) {
        notify_("authorizer " + authorizer.name + ": function failed " +
                std::to_string(authorizers::CircuitBreaker::kFailuresToOpen) +
                " times in a row: not called for " +
                std::to_string(authorizers::CircuitBreaker::kCoolDown.count()) +
                "s, its CONNECTs are refused (authorizer_unavailable) until a probe call works");
    }
    return outcome;
}

// nullopt when a field cannot be sent as JSON text (the call is not made).
std::optional<std::string> Engine::function_request_body(
    const ConnectRequest& request, const Authorizer& authorizer, const AuthorizerClaim& claim,
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

Decision Engine::admit_by_authorizer(const ConnectRequest& request, const Authorizer& authorizer,
                                     const AuthorizerClaim& claim, bool allowed) {
    if (!allowed) return Decision::deny(Reason::AuthorizerDenied);
    // The client is known by its DEVICE part from now on (permissions, %u, the broker's log),
    // not by a username that carries a signature and a token.
    std::optional<std::string> username;
    if (claim.device) username = std::string(*claim.device);
    return admit(request.connection, Session{std::string(request.client_id), std::move(username),
                                             AuthorizerAdmission{authorizer.name}});
}

// A reload drops the cached decisions of every authorizer it removes or changes in any way, and
// the connections kept open to functions the new policy no longer calls.
void Engine::carry_authorizers_over(const Policy& next) {
    std::vector<std::string> urls;
    for (const Authorizer& after : next.authorizers.all()) urls.push_back(after.func_urn);
    for (const Authorizer& before : policy_->authorizers.all()) {
        const Authorizer* after = next.authorizers.find(before.name);
        if (!after || !authorizers::same_settings(before, *after)) {
            authorizer_decisions_.drop_authorizer(before.name);
            breakers_.erase(before.name);  // a changed function gets a fresh chance
        }
    }
    function_->keep_only(urls);
}

}  // namespace mqauth::engine
