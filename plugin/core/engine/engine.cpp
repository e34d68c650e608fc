// SPDX-License-Identifier: Apache-2.0
#include "engine/engine.h"

#include <algorithm>
#include <stdexcept>

#include "engine/admissions.h"
#include "engine/client_ids.h"
#include "engine/readmission.h"

namespace mqauth::engine {

namespace {

// The earliest end of an identity's previous secret or a SASL user's previous credentials.
std::optional<identities::WallTime> next_lapse_of(const Policy& policy, identities::WallTime now) {
    const auto identities = policy.identities.next_previous_secret_end(now);
    const auto sasl_users = policy.sasl_users.next_previous_end(now);
    if (!identities || !sasl_users) return identities ? identities : sasl_users;
    return std::min(*identities, *sasl_users);
}

}  // namespace

Engine::Engine(std::shared_ptr<const Policy> policy, sasl::ScramAuthenticator scram)
    : policy_(std::move(policy)), scram_(std::move(scram)) {
    if (!policy_) throw std::invalid_argument("Engine needs a policy");
    throttle_.configure(policy_->throttling);
    metrics_.policy_in_force(*policy_, policy_generation_);
    live_.count_into(metrics_.live_client_gauges());
    next_lapse_ = next_lapse_of(*policy_, std::chrono::system_clock::now());
}

void Engine::use_registry(std::unique_ptr<registry::DeviceRegistry> registry) {
    registry_ = std::move(registry);
}

void Engine::use_authorizer_function(std::unique_ptr<authorizers::AuthorizerFunction> function) {
    authorizers_.use_function(std::move(function));
}

void Engine::use_authorizer_calls(std::unique_ptr<authorizers::FunctionCalls> calls) {
    authorizers_.use_calls(std::move(calls));
}

void Engine::finish_authorizer_calls(const LoginDelivery& deliver) {
    authorizers_.finish_calls(*policy_, [&](const FinishedLogin& login) {
        metrics_.connect_decided(LoginKind::Authorizer, login.decision);
        deliver(login);
    });
}

void Engine::connected(ConnectionId connection) {
    if (Session* session = live_.find(connection)) session->awaiting_connect = false;
}

void Engine::notify(const std::string& line) {
    if (notify_) notify_(line);
}

// SCRAM logins come through begin_enhanced_auth instead.
Decision Engine::authenticate(const ConnectRequest& request) {
    if (auto answer = recheck_held_session(request)) return *answer;
    authorizers_.abandon(request.connection, request.client_id);
    const metrics::Stopwatch stopwatch;
    LoginMechanism& mechanism = *decision_order_[claimant(request)];
    const Decision decision = decide_connect(request, mechanism);
    if (decision.verdict != Verdict::Pending) {
        metrics_.connect_decided(mechanism.kind_of(request, *policy_), decision,
                                 stopwatch.elapsed());
    }
    if (decision.verdict == Verdict::NextPlugin) {
        next_plugin_clients_.remember(request.connection, std::string(request.client_id),
                                      std::string(request.username.value_or("")));
    } else {
        next_plugin_clients_.forget(request.connection);
    }
    return decision;
}

// After a reload Mosquitto runs BASIC_AUTH again for every session it holds (2.0.11:
// mosquitto_security_apply_default in security_default.c; 2.1 likewise), offline persistent
// sessions included, with the username the engine gave the client and whatever password it
// stored (none for SCRAM, certificate and offline clients). That is no login: the answer is the
// session's own. replace_policy decides separately whether the new policy still admits it.
// Refusing an offline session would corrupt the broker: Mosquitto "disconnects" the
// already-disconnected context and queues it for session expiry a second time, then touches
// it after freeing it (session_expiry__check). So an offline session is never refused here,
// not even one a reload withdrew (that one keeps no topic access instead).
// nullopt when this is a CONNECT, not a re-check. What tells an offline session's re-check from
// a new connection that got a freed session's address is the socket the adapter sees; only when
// it cannot see one either way, an open re-check sweep (the broker serves no CONNECT during it).
// The sweep alone is not trusted: a broker that never sends TICK (2.0.11 with
// per_listener_settings true) would leave it open for good.
std::optional<Decision> Engine::recheck_held_session(const ConnectRequest& request) {
    const bool offline =
        request.link == Link::Offline || (request.link == Link::Unknown && recheck_open_);
    Session* held = live_.find(request.connection);
    if (held && !held->online && !offline) {
        // A new connection on the address of a client struct the broker freed (an expired
        // session): whatever was known there is stale.
        live_.forget(request.connection);
        held = nullptr;
    }
    if (!held) {
        // A session this process never admitted (restored from Mosquitto's persistence file):
        // its client logs in afresh when it reconnects.
        if (request.link == Link::Offline) return Decision::allow();
        return std::nullopt;
    }
    held->rechecked_in_sweep = recheck_sweep_;
    if (const auto withdrawn = held->withdrawn(); withdrawn && held->online) {
        return Decision::deny(*withdrawn);
    }
    return Decision::allow();
}

// The session of a connection that is still open. An offline entry there is stale: enhanced
// authentication only ever runs on a connection.
const Session* Engine::online_session(ConnectionId connection) const {
    const Session* session = live_.find(connection);
    return session && session->online ? session : nullptr;
}

// A client id reserved to CLIENT identities is refused before any mechanism runs where it can be
// (no password checked, no device registered, no function called), and is not counted as a
// failed login then. The first mechanism in the decision order that claims the CONNECT decides
// it; an authorizer's refusals count as failed logins, its function's errors do not (not the
// client's doing), as count_outcome treats every Error.
std::size_t Engine::claimant(const ConnectRequest& request) const {
    for (std::size_t i = 0; i + 1 < decision_order_.size(); ++i) {
        if (decision_order_[i]->claims(request, *policy_)) return i;
    }
    return decision_order_.size() - 1;  // anonymous_ claims whatever the others leave
}

Engine::DecidingStep Engine::deciding_step(const ConnectRequest& request) const {
    const std::size_t index = claimant(request);
    return {static_cast<int>(index) + 1, decision_order_[index]->step_name()};
}

Decision Engine::decide_connect(const ConnectRequest& request, LoginMechanism& mechanism) {
    if (cannot_own_client_id(request.client_id, request.username, *policy_)) {
        return Decision::deny(Reason::ClientIdReserved);
    }
    if (!mechanism.throttled()) return mechanism.decide(request, policy_);
    const throttling::Attempt attempt{request.username, request.client_id, request.address};
    if (throttles(attempt)) return Decision::deny(Reason::Throttled);
    const Decision decision = mechanism.decide(request, policy_);
    count_outcome(decision, attempt);
    return decision;
}

namespace {

// A name in a notice, cut to the longest a config may hold (64 characters) so that the rest of
// the line survives Mosquitto's 1000-byte log lines whatever a client sends.
std::string shortened(const std::string& name) {
    constexpr std::size_t kLongest = 64;
    if (name.size() <= kLongest) return name;
    return name.substr(0, kLongest) + "...(" + std::to_string(name.size()) + " bytes)";
}

}  // namespace

bool Engine::throttles(const throttling::Attempt& attempt) {
    const bool blocked = throttle_.blocked(attempt, throttling::FailureThrottle::Clock::now());
    if (blocked) metrics_.throttle_refused();
    return blocked;
}

namespace {

std::string throttled_subject(const throttling::Episode& episode,
                              const throttling::Attempt& attempt) {
    switch (episode.subject) {
        case throttling::Subject::Address: return "address=" + shortened(episode.who);
        case throttling::Subject::Username: return "username=" + shortened(episode.who);
        case throttling::Subject::Device: break;
    }
    return "client_id=" + shortened(episode.who) +
           " username=" + shortened(std::string(attempt.username.value_or(""))) +
           " address=" + std::string(attempt.address);
}

}  // namespace

void Engine::count_outcome(const Decision& decision, const throttling::Attempt& attempt) {
    const auto now = throttling::FailureThrottle::Clock::now();
    if (decision.verdict == Verdict::Allow) {
        throttle_.record_success(attempt, now);
        metrics_.throttle_tracked(throttle_.tracked());
        return;
    }
    if (decision.verdict != Verdict::Deny) return;  // something broke: not the client's doing
    const std::vector<throttling::Episode> episodes = throttle_.record_failure(attempt, now);
    metrics_.throttle_backoffs_started(episodes.size());
    metrics_.throttle_tracked(throttle_.tracked());
    for (const throttling::Episode& episode : episodes) {
        if (!notify_) continue;
        notify_("throttling " + throttled_subject(episode, attempt) + " for " +
                std::to_string(episode.backoff.count()) + "s after " +
                std::to_string(episode.failures) + " failed logins");
    }
}

// Every login ends here, whatever admitted it.
Decision Engine::admit(ConnectionId connection, Session session) {
    if (takes_reserved_client_id(session, *policy_)) {
        return Decision::deny(Reason::ClientIdReserved);
    }
    session.client_id_proven = session.admitted_by->proves_client_id(*policy_);
    live_.admit(connection, std::move(session));
    return Decision::allow();
}

bool Engine::leaves_to_next_plugin(ConnectionId connection) const {
    return policy_->unknown_usernames == UnknownUsernames::NextPlugin && !live_.find(connection);
}

Decision Engine::authorize(const AccessRequest& request) {
    if (leaves_to_next_plugin(request.connection)) {
        metrics_.topic_left_to_next_plugin(request.access);
        return Decision::next_plugin(Reason::None);
    }
    Session* session = live_.find(request.connection);
    if (session && session->withdrawn()) {
        metrics_.topic_decided(request.access, false);
        return Decision::deny(Reason::TopicDenied);
    }
    // The cache belongs to the client the session admitted; anything else is checked afresh.
    const bool cacheable = session && session->client_id == request.client_id &&
                           (session->username ? std::string_view(*session->username)
                                              : std::string_view()) == request.username;
    std::optional<bool> allowed;
    if (cacheable) {
        allowed = session->recent_access.lookup(request.access, request.topic, policy_generation_);
        metrics_.access_cache_lookup(allowed.has_value());
    }
    if (!allowed) {
        allowed = permits(request, cacheable && session->client_id_proven);
        if (cacheable) {
            session->recent_access.store(request.access, request.topic, policy_generation_,
                                         *allowed);
        }
    }
    metrics_.topic_decided(request.access, *allowed);
    return *allowed ? Decision::allow() : Decision::deny(Reason::TopicDenied);
}

bool Engine::client_id_proven(ConnectionId connection) const {
    const Session* session = live_.find(connection);
    return session && session->client_id_proven;
}

bool Engine::permits(const AccessRequest& request, bool client_id_proven) const {
    const permissions::Subject subject{request.username, request.client_id, client_id_proven};
    return policy_->permissions.permits(request.access, request.topic, subject);
}

void Engine::disconnected(ConnectionId connection) {
    authorizers_.abandon(connection, std::nullopt);
    next_plugin_clients_.forget(connection);
    if (auto abandoned_by = scram_.drop(connection)) count_abandoned_exchanges({*abandoned_by});
    Session* session = live_.find(connection);
    if (!session) return;
    if (session->online) {
        live_.go_offline(*session);
    } else {
        live_.forget(connection);
    }
}

void Engine::session_ended(ConnectionId connection) {
    disconnected(connection);
    live_.forget(connection);
}

void Engine::forget(ConnectionId connection) {
    authorizers_.abandon(connection, std::nullopt);
    next_plugin_clients_.forget(connection);
    live_.forget(connection);
    scram_.drop(connection);
}

void Engine::begin_session_recheck() {
    if (recheck_open_) return;
    recheck_open_ = true;
    ++recheck_sweep_;
}

void Engine::end_session_recheck() {
    if (!recheck_open_) return;
    recheck_open_ = false;
    live_.drop_offline_if(
        [this](const Session& session) { return session.rechecked_in_sweep != recheck_sweep_; });
}

std::size_t Engine::live_client_count() const {
    std::size_t count = 0;
    for (const auto& [connection, session] : live_.sessions()) {
        if (session.online && !session.withdrawn()) ++count;
    }
    return count;
}

const std::optional<std::string>* Engine::admitted_username(ConnectionId connection) const {
    const Session* session = live_.find(connection);
    return session ? &session->username : authorizers_.pending_device(connection);
}

std::vector<Withdrawal> Engine::replace_policy(std::shared_ptr<const Policy> policy,
                                               std::unique_ptr<registry::DeviceRegistry> registry) {
    if (!policy) throw std::invalid_argument("replace_policy needs a policy");
    if (!policy->certificates.registry) {
        registry_.reset();
    } else if (registry) {
        registry_ = std::move(registry);
    } else if (registry_) {
        registry_->recheck_known();  // the operator may have deleted devices from the store
    }
    // A withdrawn session stays, as withdrawn, until the broker lets it go: an online one's
    // DISCONNECT follows from the adapter's kick, and Mosquitto may keep its session (or an
    // offline one's) for its session expiry, checking topic access for what it queues there.
    // Mosquitto 2.0 offers plugins no safe way to end an offline session: a kick "disconnects"
    // it a second time, with the same corruption as a refused re-check.
    std::vector<Withdrawal> withdrawn;
    for (auto& [connection, session] : live_.sessions()) {
        if (session.withdrawn()) continue;
        if (auto reason = withdrawal_reason(session, *policy, registry_.get())) {
            session.admitted_by = std::make_unique<WithdrawnAdmission>(*reason);
            withdrawn.push_back({session.client_id, *reason, session.online});
        }
    }
    for (Withdrawal& taken_back : next_plugin_clients_.withdraw_under(*policy)) {
        withdrawn.push_back(std::move(taken_back));
    }
    for (LoginMechanism* mechanism : decision_order_) mechanism->carry_over(*policy_, *policy);
    policy_ = std::move(policy);
    throttle_.configure(policy_->throttling);
    ++policy_generation_;
    metrics_.policy_in_force(*policy_, policy_generation_);
    next_lapse_ = next_lapse_of(*policy_, std::chrono::system_clock::now());
    return withdrawn;
}

std::vector<Withdrawal> Engine::withdraw_lapsed(identities::WallTime now) {
    std::vector<Withdrawal> withdrawn;
    if (!next_lapse_ || now < *next_lapse_) return withdrawn;
    for (auto& [connection, session] : live_.sessions()) {
        if (session.withdrawn()) continue;
        if (auto reason = session.admitted_by->lapsed(now)) {
            session.admitted_by = std::make_unique<WithdrawnAdmission>(*reason);
            withdrawn.push_back({session.client_id, *reason, session.online});
        }
    }
    next_lapse_ = next_lapse_of(*policy_, now);
    return withdrawn;
}

}  // namespace mqauth::engine
