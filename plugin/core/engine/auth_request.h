// SPDX-License-Identifier: Apache-2.0
#pragma once
// One step of MQTT 5 enhanced authentication (the CONNECT's Authentication Method and Data, or
// a later AUTH packet's data), and the engine's answer to it.
#include <string>
#include <string_view>

#include "engine/connect_request.h"
#include "engine/decision.h"

namespace mqauth::engine {

struct AuthRequest {
    ConnectionId connection = 0;
    std::string_view client_id;
    std::string_view method;  // the CONNECT's method; Mosquitto passes none on later steps
    std::string_view data;
    std::string_view address = {};  // the client's IP address, for failed-login throttling
};

struct AuthStep {
    Decision decision;
    std::string data;  // for the AUTH packet (Continue) or the CONNACK / AUTH success
    // Allow: the username the client now has (for permissions). A refusal: the name the client
    // claimed, if it got that far (for the log line only; it proves nothing).
    std::string username;
};

}  // namespace mqauth::engine
