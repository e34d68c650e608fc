// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "broker_features.h"
#include "engine/decision.h"

namespace mqauth::adapter {

// The one place a core Decision becomes a MOSQ_ERR_* code. An Error is refused like a denial
// (fail closed); only the log line differs. A broker that sends MQTT 5 clients a CONNACK reason
// code of the plugin's choosing (2.1) is told why where the reason is not the client's
// credentials: throttled (0x9F connection rate exceeded) or an authorizer that cannot take the
// call now (0x89 server busy). Everything else stays "not authorised": a refusal must not tell
// a guesser which part of its login was wrong. A Pending decision is MOSQ_ERR_AUTH_DELAYED
// (2.1; the engine is given no way to delay on 2.0).
int to_connect_result(const engine::Decision& decision, const BrokerFeatures& broker);
// Enhanced authentication adds "continue" (AUTH 0x18) and "unknown method" (CONNACK 0x8C). Its
// refusals stay "not authorised" on every broker: 2.1 closes an enhanced-authentication CONNECT
// without any CONNACK for the other codes (handle_connect.c).
int to_auth_step_result(const engine::Decision& decision);
int to_acl_result(const engine::Decision& decision);

}  // namespace mqauth::adapter
