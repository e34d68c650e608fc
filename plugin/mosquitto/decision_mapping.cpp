// SPDX-License-Identifier: Apache-2.0
#include "decision_mapping.h"

#include <mosquitto.h>

namespace mqauth::adapter {
namespace {

// Mosquitto 2.1's codes for MQTT 5 CONNACK reasons (include/mosquitto/defs.h, equal to the
// reason codes); 2.0.11's headers, which mqauth builds against, do not have them.
constexpr int kServerBusy = 137;
constexpr int kAuthDelayed = -5;  // MOSQ_ERR_AUTH_DELAYED
constexpr int kConnectionRateExceeded = 159;

int refusal(const engine::Decision& decision, const BrokerFeatures& broker) {
    if (!broker.connect_reason_codes()) return MOSQ_ERR_AUTH;
    switch (decision.reason) {
        case engine::Reason::Throttled: return kConnectionRateExceeded;
        case engine::Reason::AuthorizerUnavailable:
        case engine::Reason::AuthorizerBusy:
        case engine::Reason::RegistryUnavailable: return kServerBusy;
        default: return MOSQ_ERR_AUTH;
    }
}

}  // namespace

int to_connect_result(const engine::Decision& decision, const BrokerFeatures& broker) {
    switch (decision.verdict) {
        case engine::Verdict::Allow: return MOSQ_ERR_SUCCESS;
        case engine::Verdict::Deny:
        case engine::Verdict::Error: return refusal(decision, broker);
        case engine::Verdict::Continue: return MOSQ_ERR_AUTH;  // no such step for a password
        case engine::Verdict::Pending: return broker.delayed_auth() ? kAuthDelayed : MOSQ_ERR_AUTH;
        // The next plugin's BASIC_AUTH, then password_file's, decide; when every one defers,
        // Mosquitto refuses a client with a username (security.c, mosquitto_unpwd_check).
        case engine::Verdict::NextPlugin: return MOSQ_ERR_PLUGIN_DEFER;
    }
    return MOSQ_ERR_AUTH;
}

int to_auth_step_result(const engine::Decision& decision) {
    switch (decision.verdict) {
        case engine::Verdict::Allow: return MOSQ_ERR_SUCCESS;
        case engine::Verdict::Continue: return MOSQ_ERR_AUTH_CONTINUE;
        case engine::Verdict::Deny:
            return decision.reason == engine::Reason::UnsupportedAuthMethod ? MOSQ_ERR_NOT_SUPPORTED
                                                                            : MOSQ_ERR_AUTH;
        case engine::Verdict::Pending:  // enhanced authentication cannot be delayed
        case engine::Verdict::Error:
        case engine::Verdict::NextPlugin: return MOSQ_ERR_AUTH;  // SCRAM users are mqauth's
    }
    return MOSQ_ERR_AUTH;
}

int to_acl_result(const engine::Decision& decision) {
    // Every plugin deferring is a denial too (mosquitto_acl_check).
    if (decision.verdict == engine::Verdict::NextPlugin) return MOSQ_ERR_PLUGIN_DEFER;
    return decision.verdict == engine::Verdict::Allow ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

}  // namespace mqauth::adapter
