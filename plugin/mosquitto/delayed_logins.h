// SPDX-License-Identifier: Apache-2.0
#pragma once
// Mosquitto 2.1's delayed basic authentication: a CONNECT that needs an authorizer function's
// answer is answered MOSQ_ERR_AUTH_DELAYED, its call runs on a worker thread, and the answer is
// given to the broker on its own thread, at a TICK, with mosquitto_complete_basic_auth.
//
// What the broker does meanwhile (2.1.2, handle_connect.c, context.c, plugin_public.c): it keeps
// the client in a table by client id and refuses any other CONNECT with that client id before a
// plugin sees it; if the client disconnects, it is freed without any plugin event; completing
// a client id the table no longer holds does nothing. Completing with success runs the rest of
// the CONNECT (topic checks of its queued messages, session takeover, CONNACK) and fires the
// CONNECT event, synchronously; any other result sends "not authorised" (0x87) whatever the
// code, so delayed refusals carry no reason code.
#include "plugin_state.h"

struct mosquitto;

namespace mqauth::adapter {

// Mosquitto 2.1's CONNECT event data (include/mosquitto/broker.h); 2.0.11's headers lack it.
struct ConnectEvent {
    void* future;
    mosquitto* client;
    void* future2[4];
};

// Gives the broker the answers that came in. Re-entrant: the broker calls mqauth's ACL, CONNECT
// and DISCONNECT callbacks from inside mosquitto_complete_basic_auth.
void finish_delayed_logins(PluginState& state);

// The broker admitted a client: a delayed login is confirmed (its client was still there).
int on_connect(PluginState& state, ConnectEvent& event);

}  // namespace mqauth::adapter
