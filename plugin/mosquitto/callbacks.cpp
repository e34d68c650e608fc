// SPDX-License-Identifier: Apache-2.0
#include "callbacks.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "delayed_logins.h"
#include "events.h"
#include "fail_closed.h"

namespace mqauth::adapter {
namespace {

template <typename Event>
Event& event_of(void* event_data) {
    return *static_cast<Event*>(event_data);
}

PluginState& state_of(void* userdata) {
    return *static_cast<PluginState*>(userdata);
}

// The entry points the broker calls: each guarded, each failing closed.
int basic_auth_callback(int, void* event_data, void* userdata) {
    return fail_closed("BASIC_AUTH", MOSQ_ERR_AUTH, [&] {
        return on_basic_auth(state_of(userdata), event_of<mosquitto_evt_basic_auth>(event_data));
    });
}
int ext_auth_start_callback(int, void* event_data, void* userdata) {
    return fail_closed("EXT_AUTH_START", MOSQ_ERR_AUTH, [&] {
        return on_ext_auth_start(state_of(userdata),
                                 event_of<mosquitto_evt_extended_auth>(event_data));
    });
}
int ext_auth_continue_callback(int, void* event_data, void* userdata) {
    return fail_closed("EXT_AUTH_CONTINUE", MOSQ_ERR_AUTH, [&] {
        return on_ext_auth_continue(state_of(userdata),
                                    event_of<mosquitto_evt_extended_auth>(event_data));
    });
}
int acl_check_callback(int, void* event_data, void* userdata) {
    return fail_closed("ACL_CHECK", MOSQ_ERR_ACL_DENIED, [&] {
        return on_acl_check(state_of(userdata), event_of<mosquitto_evt_acl_check>(event_data));
    });
}
int reload_callback(int, void*, void* userdata) {
    PluginState& state = state_of(userdata);
    return fail_closed("RELOAD", state.features.reload_result(), [&] { return on_reload(state); });
}
int tick_callback(int, void* event_data, void* userdata) {
    return fail_closed("TICK", MOSQ_ERR_SUCCESS, [&] {
        return on_tick(state_of(userdata), event_of<mosquitto_evt_tick>(event_data));
    });
}
int disconnect_callback(int, void* event_data, void* userdata) {
    return fail_closed("DISCONNECT", MOSQ_ERR_SUCCESS, [&] {
        return on_disconnect(state_of(userdata), event_of<mosquitto_evt_disconnect>(event_data));
    });
}

int client_offline_callback(int, void* event_data, void* userdata) {
    return fail_closed("CLIENT_OFFLINE", MOSQ_ERR_SUCCESS, [&] {
        return on_client_offline(state_of(userdata),
                                 event_of<mosquitto_evt_disconnect>(event_data));
    });
}

int connect_callback(int, void* event_data, void* userdata) {
    return fail_closed("CONNECT", MOSQ_ERR_SUCCESS, [&] {
        return on_connect(state_of(userdata), event_of<ConnectEvent>(event_data));
    });
}

// Event numbers Mosquitto 2.1 added (include/mosquitto/broker.h); not in 2.0.11's headers.
constexpr int kEventConnect = 11;
constexpr int kEventClientOffline = 28;

struct Registration {
    int event;
    MOSQ_FUNC_generic_callback callback;
};
constexpr Registration kRegistrations[] = {
    {MOSQ_EVT_BASIC_AUTH, basic_auth_callback},
    {MOSQ_EVT_EXT_AUTH_START, ext_auth_start_callback},
    {MOSQ_EVT_EXT_AUTH_CONTINUE, ext_auth_continue_callback},
    {MOSQ_EVT_ACL_CHECK, acl_check_callback},
    {MOSQ_EVT_RELOAD, reload_callback},
    {MOSQ_EVT_TICK, tick_callback},
    {MOSQ_EVT_DISCONNECT, disconnect_callback},
};
// Registered only on a broker that has them: 2.0 refuses an event it does not know.
constexpr Registration kRegistrations21[] = {
    {kEventConnect, connect_callback},
    {kEventClientOffline, client_offline_callback},
};

template <typename Visit>
void for_each_registration(const PluginState& state, Visit&& visit) {
    for (const Registration& registration : kRegistrations) visit(registration);
    if (!state.features.mosquitto_21()) return;
    for (const Registration& registration : kRegistrations21) visit(registration);
}

}  // namespace

int register_callbacks(PluginState& state) {
    int result = MOSQ_ERR_SUCCESS;
    for_each_registration(state, [&](const Registration& registration) {
        if (result != MOSQ_ERR_SUCCESS) return;
        result = mosquitto_callback_register(state.plugin_id, registration.event,
                                             registration.callback, nullptr, &state);
    });
    return result;
}

void unregister_callbacks(PluginState& state) {
    for_each_registration(state, [&](const Registration& registration) {
        mosquitto_callback_unregister(state.plugin_id, registration.event, registration.callback,
                                      nullptr);
    });
}

}  // namespace mqauth::adapter
