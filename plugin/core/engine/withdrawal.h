// SPDX-License-Identifier: Apache-2.0
#pragma once
// A session that a new policy (or the passing of time) no longer admits, or a client mqauth had
// left to the next plugin and a reload takes back: the adapter disconnects it when it is online.
// An offline one stays with the broker, which Mosquitto 2.0 gives plugins no safe way to drop
// (see Engine::replace_policy); the engine then refuses it every topic.
#include <string>

#include "engine/decision.h"

namespace mqauth::engine {

struct Withdrawal {
    std::string client_id;
    Reason reason;
    bool online = true;
};

}  // namespace mqauth::engine
