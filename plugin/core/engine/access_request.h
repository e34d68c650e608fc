// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the engine needs to decide a PUBLISH, a SUBSCRIBE or a delivery to a subscriber.
#include <string_view>

#include "engine/connect_request.h"
#include "permissions/permission_table.h"

namespace mqauth::engine {

struct AccessRequest {
    ConnectionId connection = 0;
    permissions::Access access = permissions::Access::Publish;
    std::string_view topic;     // the topic, or for Subscribe the subscription filter
    std::string_view username;  // the username the client ended up with; empty when none
    std::string_view client_id;
};

}  // namespace mqauth::engine
