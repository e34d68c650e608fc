// SPDX-License-Identifier: Apache-2.0
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>  // needs mosquitto_broker.h first

#include <optional>
#include <string>

#include "broker_log.h"
#include "decision_mapping.h"
#include "events.h"

namespace mqauth::adapter {
namespace {

std::optional<permissions::Access> access_of(int broker_access) {
    switch (broker_access) {
        case MOSQ_ACL_WRITE: return permissions::Access::Publish;
        case MOSQ_ACL_SUBSCRIBE: return permissions::Access::Subscribe;
        case MOSQ_ACL_READ: return permissions::Access::Deliver;
        default: return std::nullopt;
    }
}

// Like Mosquitto's own "Denied PUBLISH" line, at debug level: a client can send denied
// publishes as fast as it likes, and deliveries are filtered silently.
void log_denial(const engine::AccessRequest& request, const engine::Decision& decision) {
    if (request.access == permissions::Access::Deliver) return;
    log_line(LogLevel::Debug,
             std::string("denied ") +
                 (request.access == permissions::Access::Publish ? "PUBLISH" : "SUBSCRIBE") +
                 " client_id=" + printable_field(request.client_id) +
                 " topic=" + printable_field(request.topic) +
                 " reason=" + std::string(engine::reason_code(decision.reason)));
}

}  // namespace

int on_acl_check(PluginState& state, mosquitto_evt_acl_check& event) {
    // A client mqauth did not admit: the plugin that did decides, unsubscribes included.
    const auto connection = reinterpret_cast<engine::ConnectionId>(event.client);
    if (state.engine->leaves_to_next_plugin(connection)) return MOSQ_ERR_PLUGIN_DEFER;
    // Unsubscribing can only narrow what a client receives.
    if (event.access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
    const auto access = access_of(event.access);
    if (!access || !event.topic) return MOSQ_ERR_ACL_DENIED;

    const char* username = mosquitto_client_username(event.client);
    const char* client_id = mosquitto_client_id(event.client);
    engine::AccessRequest request;
    request.connection = connection;
    request.access = *access;
    request.topic = event.topic;
    request.username = username ? username : "";
    request.client_id = client_id ? client_id : "";
    const engine::Decision decision = state.engine->authorize(request);
    if (decision.verdict == engine::Verdict::Deny || decision.verdict == engine::Verdict::Error) {
        log_denial(request, decision);
    }
    return to_acl_result(decision);
}

}  // namespace mqauth::adapter
