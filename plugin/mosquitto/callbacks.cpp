#include "callbacks.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <optional>
#include <string>

#include "broker_log.h"
#include "decision_mapping.h"
#include "fail_closed.h"
#include "policy_loading.h"

namespace mqauth::adapter {
namespace {

using engine::Decision;
using engine::Verdict;

std::optional<std::string_view> optional_text(const char* text) {
    if (!text) return std::nullopt;
    return std::string_view(text);
}

engine::ConnectRequest connect_request(const mosquitto_evt_basic_auth& event) {
    engine::ConnectRequest request;
    request.connection = reinterpret_cast<engine::ConnectionId>(event.client);
    const char* client_id = mosquitto_client_id(event.client);
    request.client_id = client_id ? client_id : "";
    request.username = optional_text(event.username);
    // Mosquitto hands the password over NUL-terminated, so a password can't hold a NUL byte here.
    request.password = optional_text(event.password);
    return request;
}

// One line per refusal: who, from where, why. Never the password.
void log_refusal(const mosquitto_evt_basic_auth& event, const Decision& decision) {
    const bool broken = decision.verdict == Verdict::Error;
    log_line(broken ? LogLevel::Error : LogLevel::Notice,
             std::string(broken ? "error deciding" : "refused") +
                 " client_id=" + printable_or_none(mosquitto_client_id(event.client)) +
                 " address=" + printable_or_none(mosquitto_client_address(event.client)) +
                 " username=" + printable_or_none(event.username) +
                 " reason=" + std::string(engine::reason_code(decision.reason)));
}

int on_basic_auth(int, void* event_data, void* userdata) {
    auto& event = *static_cast<mosquitto_evt_basic_auth*>(event_data);
    auto& state = *static_cast<PluginState*>(userdata);
    const Decision decision = state.engine->authenticate(connect_request(event));
    if (decision.verdict != Verdict::Allow) log_refusal(event, decision);
    return to_connect_result(decision);
}

std::optional<permissions::Access> access_of(int broker_access) {
    switch (broker_access) {
        case MOSQ_ACL_WRITE: return permissions::Access::Publish;
        case MOSQ_ACL_SUBSCRIBE: return permissions::Access::Subscribe;
        case MOSQ_ACL_READ: return permissions::Access::Deliver;
        default: return std::nullopt;
    }
}

int on_acl_check(int, void* event_data, void* userdata) {
    auto& event = *static_cast<mosquitto_evt_acl_check*>(event_data);
    auto& state = *static_cast<PluginState*>(userdata);
    // Unsubscribing can only narrow what a client receives.
    if (event.access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
    const auto access = access_of(event.access);
    if (!access || !event.topic) return MOSQ_ERR_ACL_DENIED;

    const char* username = mosquitto_client_username(event.client);
    const char* client_id = mosquitto_client_id(event.client);
    engine::AccessRequest request;
    request.access = *access;
    request.topic = event.topic;
    request.username = username ? username : "";
    request.client_id = client_id ? client_id : "";
    const Decision decision = state.engine->authorize(request);
    // Like Mosquitto's own "Denied PUBLISH" line, at debug level: a client can send denied
    // publishes as fast as it likes, and deliveries are filtered silently.
    if (decision.verdict != Verdict::Allow && *access != permissions::Access::Deliver) {
        log_line(LogLevel::Debug,
                 std::string("denied ") +
                     (*access == permissions::Access::Publish ? "PUBLISH" : "SUBSCRIBE") +
                     " client_id=" + printable(request.client_id) +
                     " topic=" + printable(request.topic) +
                     " reason=" + std::string(engine::reason_code(decision.reason)));
    }
    return to_acl_result(decision);
}

void disconnect_withdrawn(const std::vector<engine::Withdrawal>& withdrawn) {
    for (const engine::Withdrawal& client : withdrawn) {
        log_line(LogLevel::Notice,
                 "disconnecting client_id=" + printable(client.client_id) +
                     " reason=" + std::string(engine::reason_code(client.reason)));
        // Kicking fires our DISCONNECT callback re-entrantly; the engine has already dropped
        // these sessions, so that is a harmless no-op.
        mosquitto_kick_client_by_clientid(client.client_id.c_str(), false);
    }
}

int on_reload(int, void*, void* userdata) {
    auto& state = *static_cast<PluginState*>(userdata);
    if (auto policy = load_policy_logging_errors(state.config_path, LoadMoment::Reload)) {
        const std::size_t identity_count = policy->identities.size();
        const auto withdrawn = state.engine->replace_policy(std::move(policy));
        log_line(LogLevel::Info, "reloaded " + state.config_path + ": " +
                                     std::to_string(identity_count) + " identities, " +
                                     std::to_string(withdrawn.size()) + " clients disconnected");
        disconnect_withdrawn(withdrawn);
    }
    // DEFER, not SUCCESS: anything else stops the broker from reloading later plugins and its
    // own password and ACL files (security.c, security__init_single).
    return MOSQ_ERR_PLUGIN_DEFER;
}

int on_disconnect(int, void* event_data, void* userdata) {
    auto& event = *static_cast<mosquitto_evt_disconnect*>(event_data);
    auto& state = *static_cast<PluginState*>(userdata);
    state.engine->forget(reinterpret_cast<engine::ConnectionId>(event.client));
    return MOSQ_ERR_SUCCESS;
}

// The guarded entry points the broker calls.
int basic_auth_callback(int event, void* event_data, void* userdata) {
    return fail_closed("BASIC_AUTH", MOSQ_ERR_AUTH,
                       [&] { return on_basic_auth(event, event_data, userdata); });
}
int acl_check_callback(int event, void* event_data, void* userdata) {
    return fail_closed("ACL_CHECK", MOSQ_ERR_ACL_DENIED,
                       [&] { return on_acl_check(event, event_data, userdata); });
}
int reload_callback(int event, void* event_data, void* userdata) {
    return fail_closed("RELOAD", MOSQ_ERR_PLUGIN_DEFER,
                       [&] { return on_reload(event, event_data, userdata); });
}
int disconnect_callback(int event, void* event_data, void* userdata) {
    return fail_closed("DISCONNECT", MOSQ_ERR_SUCCESS,
                       [&] { return on_disconnect(event, event_data, userdata); });
}

struct Registration {
    int event;
    MOSQ_FUNC_generic_callback callback;
};
constexpr Registration kRegistrations[] = {
    {MOSQ_EVT_BASIC_AUTH, basic_auth_callback},
    {MOSQ_EVT_ACL_CHECK, acl_check_callback},
    {MOSQ_EVT_RELOAD, reload_callback},
    {MOSQ_EVT_DISCONNECT, disconnect_callback},
};

}  // namespace

int register_callbacks(PluginState& state) {
    for (const Registration& registration : kRegistrations) {
        const int rc = mosquitto_callback_register(state.plugin_id, registration.event,
                                                   registration.callback, nullptr, &state);
        if (rc != MOSQ_ERR_SUCCESS) return rc;
    }
    return MOSQ_ERR_SUCCESS;
}

void unregister_callbacks(PluginState& state) {
    for (const Registration& registration : kRegistrations) {
        mosquitto_callback_unregister(state.plugin_id, registration.event, registration.callback,
                                      nullptr);
    }
}

}  // namespace mqauth::adapter
