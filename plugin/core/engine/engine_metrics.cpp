// SPDX-License-Identifier: Apache-2.0
#include "engine/engine_metrics.h"

namespace mqauth::engine {
namespace {

using metrics::Shown;

constexpr const char* kResults[] = {"allow", "deny", "error", "next_plugin"};
constexpr const char* kCallResults[] = {"allow", "deny", "error_unreachable", "error_status",
                                        "error_answer"};

std::size_t call_result_of(const authorizers::FunctionOutcome& outcome) {
    using authorizers::FunctionError;
    using authorizers::FunctionVerdict;
    if (outcome.verdict == FunctionVerdict::Allow) return 0;
    if (outcome.verdict == FunctionVerdict::Deny) return 1;
    switch (outcome.error_kind) {
        case FunctionError::Unreachable: return 2;
        case FunctionError::HttpStatus: return 3;
        default: return 4;
    }
}
constexpr const char* kAccesses[] = {"publish", "subscribe", "deliver"};
constexpr const char* kTopicResults[] = {"allow", "deny", "next_plugin"};

std::size_t result_of(Verdict verdict) {
    switch (verdict) {
        case Verdict::Allow: return 0;
        case Verdict::Deny: return 1;
        case Verdict::NextPlugin: return 3;
        default: return 2;
    }
}

}  // namespace

std::string_view login_kind_name(LoginKind kind) {
    switch (kind) {
        case LoginKind::IdentityOrigin: return "identity_origin";
        case LoginKind::IdentitySigned: return "identity_signed";
        case LoginKind::SaslPlain: return "sasl_plain";
        case LoginKind::SaslScram: return "sasl_scram";
        case LoginKind::Certificate: return "certificate";
        case LoginKind::Authorizer: return "authorizer";
        case LoginKind::Anonymous: return "anonymous";
        case LoginKind::Unknown: break;
    }
    return "unknown";
}

EngineMetrics::EngineMetrics(metrics::Registry& registry) : registry_(registry) {
    make_connect_series();
    connect_seconds_ = &registry.with(registry.histogram(
        "mqauth_connect_decision_seconds",
        "Time the engine took to decide a CONNECT (on Mosquitto 2.1 an authorizer's call runs "
        "off the broker's thread and is not in it)"));
    make_topic_series();
    make_authorizer_families();
    make_device_series();
    auto& live =
        registry.gauge("mqauth_live_clients",
                       "Connected clients mqauth admitted, by login mechanism", {"mechanism"});
    for (std::size_t kind = 0; kind + 1 < kLoginKinds; ++kind) {  // not Unknown: none logs in so
        live_clients_[kind] =
            &registry.with(live, {std::string(login_kind_name(static_cast<LoginKind>(kind)))});
    }
    throttle_backoffs_ = &registry.with(registry.counter(
        "mqauth_throttle_backoffs_total",
        "Back-offs started by failed-login throttling (of a device, a username or an address)"));
    throttle_refused_ = &registry.with(registry.counter(
        "mqauth_throttle_refused_total", "CONNECTs refused unchecked during a back-off"));
    throttle_tracked_ = &registry.with(
        registry.gauge("mqauth_throttle_tracked_entries",
                       "Devices, usernames and addresses failed-login throttling tracks now"));
    policy_generation_ = &registry.with(registry.gauge(
        "mqauth_policy_generation", "The policy in force: 1 at start-up, +1 per applied reload"));
    policy_entries_ = &registry.gauge("mqauth_policy_entries",
                                      "Entries of the policy in force, by kind", {"kind"});
    auto& reloads = registry.counter("mqauth_reloads_total",
                                     "Reloads of the config (SIGHUP), by result", {"result"});
    reloads_applied_ = &registry.with(reloads, {"applied"});
    reloads_rejected_ = &registry.with(reloads, {"rejected"});
    last_reload_ = &registry.with(registry.gauge(
        "mqauth_last_reload_timestamp_seconds",
        "When the last reload was applied, in seconds since the Unix epoch (0: none yet)"));
}

void EngineMetrics::reload_applied(std::chrono::system_clock::time_point when) {
    reloads_applied_->add();
    last_reload_->set(
        std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count());
}

// Every (mechanism, result, reason) a CONNECT can end with: an allow has no reason (and never
// comes from a username nobody has), a refusal or an error always has one. Allows always show (a
// rate query wants its zero), the rest once they happened.
void EngineMetrics::make_connect_series() {
    auto& family = registry_.counter("mqauth_connect_decisions_total",
                                     "CONNECTs decided, by login mechanism, result and reason code",
                                     {"mechanism", "result", "reason"});
    for (std::size_t kind = 0; kind < kLoginKinds; ++kind) {
        const std::string mechanism(login_kind_name(static_cast<LoginKind>(kind)));
        for (std::size_t reason = 0; reason < kReasons; ++reason) {
            const std::string code(reason_code(static_cast<Reason>(reason)));
            for (std::size_t result = 0; result < std::size(kResults); ++result) {
                if ((result == 0) != (reason == 0)) continue;
                if (result == 0 && kind == static_cast<std::size_t>(LoginKind::Unknown)) continue;
                connects_[kind][reason][result] =
                    &registry_.with(family, {mechanism, kResults[result], code},
                                    result == 0 ? Shown::Always : Shown::WhenNonZero);
            }
        }
    }
}

void EngineMetrics::make_topic_series() {
    auto& decisions = registry_.counter(
        "mqauth_topic_decisions_total",
        "PUBLISH, SUBSCRIBE and delivery checks, by action and result", {"action", "result"});
    for (std::size_t access = 0; access < 3; ++access) {
        for (std::size_t result = 0; result < std::size(kTopicResults); ++result) {
            topic_decisions_[access][result] =
                &registry_.with(decisions, {kAccesses[access], kTopicResults[result]},
                                result < 2 ? Shown::Always : Shown::WhenNonZero);
        }
    }
    auto& lookups = registry_.counter("mqauth_topic_cache_lookups_total",
                                      "Topic checks looked up in the per-client decision cache, "
                                      "by result",
                                      {"result"});
    cache_hits_ = &registry_.with(lookups, {"hit"});
    cache_misses_ = &registry_.with(lookups, {"miss"});
}

void EngineMetrics::make_authorizer_families() {
    authorizer_calls_ = &registry_.counter(
        "mqauth_authorizer_calls_total",
        "Calls of custom authorizers' functions, by authorizer and result (allow, deny, "
        "error_unreachable, error_status, error_answer)",
        {"authorizer", "result"});
    authorizer_seconds_ = &registry_.histogram(
        "mqauth_authorizer_call_seconds",
        "Time from a function call's start to its answer, by authorizer", {"authorizer"});
    authorizer_cache_ = &registry_.counter(
        "mqauth_authorizer_cache_lookups_total",
        "CONNECTs of cache_enable authorizers looked up in the decision cache, by result",
        {"authorizer", "result"});
    authorizer_in_flight_ = &registry_.gauge(
        "mqauth_authorizer_calls_in_flight",
        "Function calls under way now, by authorizer (Mosquitto 2.1 makes them off its thread)",
        {"authorizer"});
    authorizer_cache_entries_ = &registry_.with(registry_.gauge(
        "mqauth_authorizer_cache_entries", "Decisions in the authorizers' decision cache"));
}

EngineMetrics::AuthorizerSeries& EngineMetrics::authorizer(const std::string& name) {
    if (const auto found = authorizers_.find(name); found != authorizers_.end()) {
        return found->second;
    }
    AuthorizerSeries series;
    for (std::size_t result = 0; result < series.calls.size(); ++result) {
        series.calls[result] = &registry_.with(*authorizer_calls_, {name, kCallResults[result]});
    }
    series.call_seconds = &registry_.with(*authorizer_seconds_, {name});
    series.cache_hits = &registry_.with(*authorizer_cache_, {name, "hit"});
    series.cache_misses = &registry_.with(*authorizer_cache_, {name, "miss"});
    series.in_flight = &registry_.with(*authorizer_in_flight_, {name});
    return authorizers_.emplace(name, series).first->second;
}

void EngineMetrics::authorizer_called(const std::string& name,
                                      const authorizers::FunctionOutcome& outcome,
                                      std::chrono::nanoseconds took) {
    AuthorizerSeries& series = authorizer(name);
    series.calls[call_result_of(outcome)]->add();
    series.call_seconds->observe(took);
}

void EngineMetrics::authorizer_cache_lookup(const std::string& name, bool hit) {
    AuthorizerSeries& series = authorizer(name);
    (hit ? series.cache_hits : series.cache_misses)->add();
}

void EngineMetrics::authorizer_in_flight(const std::string& name, std::size_t calls) {
    authorizer(name).in_flight->set(static_cast<std::int64_t>(calls));
}

void EngineMetrics::make_device_series() {
    auto& refusals =
        registry_.counter("mqauth_device_refusals_total",
                          "CONNECTs with a device certificate refused, by reason", {"reason"});
    for (std::size_t reason = 1; reason < kReasons; ++reason) {
        device_refusals_[reason] = &registry_.with(
            refusals, {std::string(reason_code(static_cast<Reason>(reason)))}, Shown::WhenNonZero);
    }
    device_registrations_ = &registry_.with(
        registry_.counter("mqauth_device_registrations_total",
                          "Device certificates registered on their first valid connect"));
    devices_known_ = &registry_.with(registry_.gauge(
        "mqauth_device_registry_known",
        "Devices the broker has looked up in the registry or registered since it started"));
}

void EngineMetrics::connect_decided(LoginKind kind, const Decision& decision,
                                    std::chrono::nanoseconds took) {
    const auto reason = static_cast<std::size_t>(decision.reason);
    const std::size_t result = result_of(decision.verdict);
    if (reason < kReasons) {
        if (metrics::Counter* counter = connects_[static_cast<std::size_t>(kind)][reason][result]) {
            counter->add();
        }
        if (kind == LoginKind::Certificate && result != 0 && device_refusals_[reason]) {
            device_refusals_[reason]->add();
        }
    }
    if (took.count() > 0) connect_seconds_->observe(took);
}

void EngineMetrics::policy_in_force(const Policy& policy, std::uint64_t generation) {
    policy_generation_->set(static_cast<std::int64_t>(generation));
    const std::pair<const char*, std::size_t> sizes[] = {
        {"identities", policy.identities.size()},
        {"rules", policy.permissions.rule_count()},
        {"sasl_users", policy.sasl_users.size()},
        {"cas", policy.certificates.authorities.size()},
        {"authorizers", policy.authorizers.size()},
        {"sni_certificates", policy.sni ? policy.sni->certificate_count() : 0},
    };
    for (const auto& [kind, size] : sizes) {
        registry_.with(*policy_entries_, {kind}).set(static_cast<std::int64_t>(size));
    }
}

}  // namespace mqauth::engine
