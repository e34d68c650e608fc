#pragma once
// What the engine needs to know about a CONNECT, copied out of the broker's event by the adapter.
#include <cstdint>
#include <optional>
#include <string_view>

#include "certs/device_verification.h"

namespace mqauth::engine {

// Identifies one live connection (the adapter uses the broker's client pointer). Unique while the
// connection lives; a later connection may reuse the value after `Engine::forget`.
using ConnectionId = std::uintptr_t;

struct ConnectRequest {
    ConnectionId connection = 0;
    std::string_view client_id;
    std::optional<std::string_view> username;
    std::optional<std::string_view> password;
    std::string_view address = {};  // the client's IP address, for failed-login throttling
    // Set when the client presented a certificate: how its chain verified during the handshake.
    const certs::Verification* certificate = nullptr;
};

}  // namespace mqauth::engine
