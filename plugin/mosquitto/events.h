// SPDX-License-Identifier: Apache-2.0
#pragma once
// The handlers of the broker events mqauth uses, one concern per file: auth_events.cpp (CONNECT
// and enhanced authentication), acl_event.cpp (PUBLISH / SUBSCRIBE / delivery),
// lifecycle_events.cpp (reload, disconnect). Each turns the event into a core request, asks the
// engine once and maps the answer back. callbacks.cpp registers them behind the fail-closed guard.
#include <mosquitto_broker.h>

#include "plugin_state.h"

namespace mqauth::adapter {

int on_basic_auth(PluginState& state, mosquitto_evt_basic_auth& event);
int on_ext_auth_start(PluginState& state, mosquitto_evt_extended_auth& event);
int on_ext_auth_continue(PluginState& state, mosquitto_evt_extended_auth& event);
int on_acl_check(PluginState& state, mosquitto_evt_acl_check& event);
int on_reload(PluginState& state);
int on_tick(PluginState& state, mosquitto_evt_tick& event);
int on_disconnect(PluginState& state, mosquitto_evt_disconnect& event);
// Mosquitto 2.1's CLIENT_OFFLINE; its event struct starts as DISCONNECT's does (future, client,
// reason), which is all mqauth reads, so 2.0.11's headers serve.
int on_client_offline(PluginState& state, mosquitto_evt_disconnect& event);

}  // namespace mqauth::adapter
