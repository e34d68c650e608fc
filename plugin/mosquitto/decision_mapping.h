#pragma once
#include "engine/decision.h"

namespace mqauth::adapter {

// The one place a core Decision becomes a MOSQ_ERR_* code. An Error is refused like a denial
// (fail closed); only the log line differs.
int to_connect_result(const engine::Decision& decision);
// Enhanced authentication adds "continue" (AUTH 0x18) and "unknown method" (CONNACK 0x8C).
int to_auth_step_result(const engine::Decision& decision);
int to_acl_result(const engine::Decision& decision);

}  // namespace mqauth::adapter
