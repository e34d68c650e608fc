// SPDX-License-Identifier: Apache-2.0
// Engine: MQTT 5 enhanced authentication with SCRAM (RFC 5802 / RFC 7677). The exchange itself
// lives in sasl::ScramAuthenticator; here its outcome becomes a Decision and, on success, a
// session like any other login's.
#include "engine/admissions.h"
#include "engine/client_ids.h"
#include "engine/engine.h"

namespace mqauth::engine {
namespace {

Reason reason_of(sasl::ScramFailure failure) {
    using sasl::ScramFailure;
    switch (failure) {
        case ScramFailure::UnsupportedMethod: return Reason::UnsupportedAuthMethod;
        case ScramFailure::ChannelBindingUnsupported: return Reason::ChannelBindingUnsupported;
        case ScramFailure::UnknownUser: return Reason::UnknownUsername;
        case ScramFailure::MechanismMismatch: return Reason::MechanismMismatch;
        case ScramFailure::BadProof: return Reason::BadPassword;
        case ScramFailure::Stalled: return Reason::ExchangeStalled;
        case ScramFailure::CredentialsChanged: return Reason::CredentialsChanged;
        case ScramFailure::TooManyExchanges: return Reason::TooManyExchanges;
        case ScramFailure::TooManyExchangesFromAddress: return Reason::TooManyExchangesFromAddress;
        case ScramFailure::UnexpectedStep: return Reason::UnexpectedAuthStep;
        case ScramFailure::Malformed:
        case ScramFailure::None: return Reason::ScramMalformed;
    }
    return Reason::ScramMalformed;
}

AuthStep refused(Reason reason, std::string claimed_username = {}) {
    return AuthStep{Decision::deny(reason), {}, std::move(claimed_username)};
}

}  // namespace

// Throttling covers fresh logins; a re-authentication (AUTH 0x19) runs on a live connection.
// An address back-off applies from the CONNECT, a username back-off as soon as the client-first
// names the user: before any proof is checked, as for every other login.
AuthStep Engine::begin_enhanced_auth(const AuthRequest& request) {
    const metrics::Stopwatch stopwatch;
    const bool fresh_login = !online_session(request.connection);
    AuthStep answer = begin_scram(request, fresh_login);
    if (fresh_login) count_scram_decision(answer.decision, stopwatch.elapsed());
    return answer;
}

AuthStep Engine::begin_scram(const AuthRequest& request, bool fresh_login) {
    // A fresh CONNECT for a client id whose login waits for an authorizer: the broker would have
    // refused it while that client waited, so that one is gone.
    authorizers_.abandon(
        request.connection,
        fresh_login ? std::optional<std::string_view>(request.client_id) : std::nullopt);
    if (fresh_login && throttles({std::nullopt, request.client_id, request.address})) {
        return refused(Reason::Throttled);
    }
    // No SCRAM user is a CLIENT identity (a username is one or the other).
    if (cannot_own_client_id(request.client_id, std::nullopt, *policy_)) {
        return refused(Reason::ClientIdReserved);
    }
    sasl::ScramStep step = scram_.begin(request.connection, request.address, request.method,
                                        request.data, policy_->sasl_users);
    count_abandoned_exchanges(scram_.take_expired());
    if (step.kind == sasl::ScramStep::Kind::Failure) {
        AuthStep answer = refused(reason_of(step.failure), std::move(step.username));
        if (fresh_login) count_enhanced_outcome(answer, request);
        return answer;
    }
    if (fresh_login && throttles({step.username, request.client_id, request.address})) {
        scram_.drop(request.connection);  // refused here: not abandoned by the client
        return refused(Reason::Throttled, std::move(step.username));
    }
    return AuthStep{Decision::proceed(), std::move(step.data), {}};
}

AuthStep Engine::continue_enhanced_auth(const AuthRequest& request) {
    const metrics::Stopwatch stopwatch;
    const bool fresh_login = !online_session(request.connection);
    authorizers_.abandon(request.connection, std::nullopt);  // see begin_enhanced_auth
    AuthStep answer = finish_enhanced_auth(
        request, scram_.finish(request.connection, request.data, policy_->sasl_users));
    if (fresh_login) {
        count_enhanced_outcome(answer, request);
        count_scram_decision(answer.decision, stopwatch.elapsed());
    }
    return answer;
}

// A SCRAM login counts as a CONNECT decision once it ends (not at its server-first), timed by
// the step that ended it: the exchange's other step waited for the client, not for mqauth.
void Engine::count_scram_decision(const Decision& decision, std::chrono::nanoseconds took) {
    if (decision.verdict != Verdict::Continue)
        metrics_.connect_decided(LoginKind::SaslScram, decision, took);
}

// Every failed exchange counts, except a refusal the client did not cause: the table of
// exchanges was full (others filled it). One refused for its own address's share counts against
// the address alone.
void Engine::count_enhanced_outcome(const AuthStep& step, const AuthRequest& request) {
    if (step.decision.reason == Reason::TooManyExchanges) return;
    std::optional<std::string_view> username;
    if (!step.username.empty() && step.decision.reason != Reason::TooManyExchangesFromAddress) {
        username = step.username;
    }
    count_outcome(step.decision, {username, request.client_id, request.address});
}

// A client-first that is never followed by its client-final (the connection went, or the
// exchange timed out) is a failed login of its address: otherwise half-open exchanges would be
// free to open by the thousand.
void Engine::count_abandoned_exchanges(const std::vector<std::string>& addresses) {
    for (const std::string& address : addresses) {
        count_outcome(Decision::deny(Reason::ExchangeStalled), {std::nullopt, {}, address});
    }
}

AuthStep Engine::finish_enhanced_auth(const AuthRequest& request, sasl::ScramStep step) {
    if (step.kind == sasl::ScramStep::Kind::Failure) {
        return refused(reason_of(step.failure), std::move(step.username));
    }
    const sasl::SaslUser* user = policy_->sasl_users.find(step.username);
    if (!user) return refused(Reason::UnknownUsername);  // finish() checked it against this policy
    // Re-authentication (AUTH 0x19) on a live connection must prove the same user again.
    if (const Session* current = online_session(request.connection);
        current && current->username != step.username) {
        return refused(Reason::ReauthUserChanged, std::move(step.username));
    }
    const Decision admitted = admit(
        request.connection, Session{std::string(request.client_id), user->username,
                                    std::make_unique<SaslAdmission>(
                                        *user, step.by_previous ? sasl::CredentialsUsed::Previous
                                                                : sasl::CredentialsUsed::Current)});
    if (admitted.verdict != Verdict::Allow) return refused(admitted.reason, user->username);
    return AuthStep{admitted, std::move(step.data), std::move(step.username)};
}

}  // namespace mqauth::engine
