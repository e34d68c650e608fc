// SPDX-License-Identifier: Apache-2.0
#pragma once
// The log line of a refused CONNECT or authentication step, or of one left to the next plugin.
#include "engine/decision.h"

namespace mqauth::adapter {

// One line per refusal: who, from where, why. Never a password or any authentication data, and
// an authorizer username without its signature and token. `client_id`, `address` and `username`
// may be null. Throttled attempts and those refused for an authorizer that cannot take calls
// (unavailable, busy) log nothing: their episode is logged once when it starts, and a line per
// attempt would let clients flood the log.
void log_refusal(const char* client_id, const char* address, const char* username,
                 const engine::Decision& decision);

// A CONNECT mqauth left to the next plugin (`unknown_usernames: next_plugin`): at debug level,
// since during a migration most clients may be such.
void log_left_to_next_plugin(const char* client_id, const char* address, const char* username);

}  // namespace mqauth::adapter
