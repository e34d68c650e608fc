// SPDX-License-Identifier: Apache-2.0
#pragma once
// mqauth's metrics (README "Metrics"): what the engine decides, counted as it decides, on the
// instruments of one registry (metrics/registry.h) that the metrics endpoint and the $SYS topics
// read. Every series of the CONNECT and topic paths is made here, up front: a decision costs one
// relaxed atomic increment per counter, no lock, no lookup. An authorizer's series are made at
// its first use (the registry's lock, once) and found by its name after that.
#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "authorizers/function_answer.h"

#include "engine/decision.h"
#include "engine/login_kind.h"
#include "metrics/registry.h"
#include "permissions/permission_table.h"
#include "policy.h"

namespace mqauth::engine {

inline constexpr std::size_t kReasons = static_cast<std::size_t>(Reason::InternalError) + 1;

class EngineMetrics {
   public:
    explicit EngineMetrics(metrics::Registry& registry);

    // A CONNECT decided (Allow, Deny or Error; not Pending), and how long the engine took.
    void connect_decided(LoginKind kind, const Decision& decision,
                         std::chrono::nanoseconds took = {});
    void topic_decided(permissions::Access access, bool allowed) {
        topic_decisions_[static_cast<std::size_t>(access)][allowed ? 0 : 1]->add();
    }
    // A check of a client mqauth did not admit, left to the next plugin.
    void topic_left_to_next_plugin(permissions::Access access) {
        topic_decisions_[static_cast<std::size_t>(access)][2]->add();
    }
    void access_cache_lookup(bool hit) { (hit ? cache_hits_ : cache_misses_)->add(); }

    void throttle_backoffs_started(std::size_t count) { throttle_backoffs_->add(count); }
    void throttle_refused() { throttle_refused_->add(); }
    void throttle_tracked(std::size_t entries) {
        throttle_tracked_->set(static_cast<std::int64_t>(entries));
    }

    // The policy in force now (at start-up and after each applied reload).
    void policy_in_force(const Policy& policy, std::uint64_t generation);
    // Reloads, as the adapter applies or rejects them (the engine sees only the applied ones).
    void reload_applied(std::chrono::system_clock::time_point when);
    void reload_rejected() { reloads_rejected_->add(); }

    // Custom authorizers, by name; on the broker's thread (a 2.1 call's answer is counted when
    // the broker's thread takes it in).
    void authorizer_called(const std::string& name, const authorizers::FunctionOutcome& outcome,
                           std::chrono::nanoseconds took);
    void authorizer_cache_lookup(const std::string& name, bool hit);
    void authorizer_cache_entries(std::size_t entries) {
        authorizer_cache_entries_->set(static_cast<std::int64_t>(entries));
    }
    void authorizer_in_flight(const std::string& name, std::size_t calls);

    // Device certificates: one registered on its first valid connect, and how many the broker
    // knows (has looked up or registered since it started).
    void device_registered() { device_registrations_->add(); }
    void devices_known(std::size_t count) { devices_known_->set(static_cast<std::int64_t>(count)); }

    // One gauge per login kind: the online clients mqauth admitted that way (LiveClients keeps
    // them).
    const std::array<metrics::Gauge*, kLoginKinds>& live_client_gauges() const {
        return live_clients_;
    }

    metrics::Registry& registry() { return registry_; }

   private:
    // The series of one authorizer, made at its first use.
    struct AuthorizerSeries {
        std::array<metrics::Counter*, 5> calls{};  // allow, deny and the three error kinds
        metrics::Histogram* call_seconds = nullptr;
        metrics::Counter* cache_hits = nullptr;
        metrics::Counter* cache_misses = nullptr;
        metrics::Gauge* in_flight = nullptr;
    };
    AuthorizerSeries& authorizer(const std::string& name);

    void make_connect_series();
    void make_topic_series();
    void make_authorizer_families();
    void make_device_series();

    metrics::Registry& registry_;
    // [kind][reason][result]: result 0 allow, 1 deny, 2 error, 3 next_plugin; null where the
    // pair cannot occur.
    std::array<std::array<std::array<metrics::Counter*, 4>, kReasons>, kLoginKinds> connects_{};
    metrics::Histogram* connect_seconds_ = nullptr;
    // [access][0 allow, 1 deny, 2 next_plugin]
    std::array<std::array<metrics::Counter*, 3>, 3> topic_decisions_{};
    metrics::Counter* cache_hits_ = nullptr;
    metrics::Counter* cache_misses_ = nullptr;
    metrics::Counter* throttle_backoffs_ = nullptr;
    metrics::Counter* throttle_refused_ = nullptr;
    metrics::Gauge* throttle_tracked_ = nullptr;
    metrics::Gauge* policy_generation_ = nullptr;
    metrics::Counter* reloads_applied_ = nullptr;
    metrics::Counter* reloads_rejected_ = nullptr;
    metrics::Gauge* last_reload_ = nullptr;
    metrics::Family<metrics::Gauge>* policy_entries_ = nullptr;
    // [reason]: CONNECTs with a device certificate refused, by reason.
    std::array<metrics::Counter*, kReasons> device_refusals_{};
    metrics::Counter* device_registrations_ = nullptr;
    std::array<metrics::Gauge*, kLoginKinds> live_clients_{};
    metrics::Gauge* devices_known_ = nullptr;
    metrics::Family<metrics::Counter>* authorizer_calls_ = nullptr;
    metrics::Family<metrics::Histogram>* authorizer_seconds_ = nullptr;
    metrics::Family<metrics::Counter>* authorizer_cache_ = nullptr;
    metrics::Family<metrics::Gauge>* authorizer_in_flight_ = nullptr;
    metrics::Gauge* authorizer_cache_entries_ = nullptr;
    // Only the broker's thread touches it; an authorizer's series outlive its removal (a counter
    // does not go back to zero while the broker runs).
    std::unordered_map<std::string, AuthorizerSeries> authorizers_;
};

}  // namespace mqauth::engine
